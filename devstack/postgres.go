package devstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// postgresSuperuser is the superuser initdb creates. Authentication is
// "trust": any local connection may use it without a password.
const postgresSuperuser = "crmconvert"

// Time limits for PostgreSQL to start and to stop.
const (
	postgresStartTimeout = 60 * time.Second
	postgresStopGrace    = 30 * time.Second
)

// PostgresOptions configure StartPostgres.
type PostgresOptions struct {
	// Dir is the cluster's data folder. It is created if missing and reused if
	// it already holds a cluster. It also keeps the server's log, postgres.log,
	// and its socket. Required.
	Dir string
	// Port is the TCP port on 127.0.0.1. 0 reuses the port of the last run on
	// Dir if it is free, else picks a free port.
	Port int
	// BinDir holds initdb and postgres. Default: $PG_BINDIR, else the newest
	// /usr/lib/postgresql/*/bin, else the folder of initdb on PATH.
	BinDir string
	// Database is created if missing. Default "crmconvert".
	Database string
	// Fsync makes the server flush its writes to disk. Off by default: a
	// throwaway database need not survive a power cut, and tests run faster.
	Fsync bool
	// Logger receives progress messages. Default slog.Default().
	Logger *slog.Logger
}

// Postgres is a running PostgreSQL server started by StartPostgres.
type Postgres struct {
	database string
	port     int
	proc     *child
	logger   *slog.Logger
}

// StartPostgres starts a PostgreSQL server on opts.Dir, running initdb first
// if the folder holds no cluster, and creates opts.Database if missing. ctx
// bounds the start only; the server runs until Stop. Run as root, it runs the
// server as the postgres user, who must be able to reach opts.Dir.
func StartPostgres(ctx context.Context, opts PostgresOptions) (*Postgres, error) {
	p, err := startPostgres(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("start PostgreSQL: %w", err)
	}
	return p, nil
}

func startPostgres(ctx context.Context, opts PostgresOptions) (*Postgres, error) {
	if opts.Dir == "" {
		return nil, errors.New("no data folder given")
	}
	if opts.Database == "" {
		opts.Database = "crmconvert"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	binDir, err := findPostgresBinDir(opts.BinDir)
	if err != nil {
		return nil, err
	}
	cred, err := postgresCredential()
	if err != nil {
		return nil, err
	}
	if err := clearStalePID(dir); err != nil {
		return nil, err
	}
	if err := prepareDataDir(dir, cred); err != nil {
		return nil, fmt.Errorf("data folder %s: %w", dir, err)
	}
	if !hasCluster(dir) {
		if err := initdb(ctx, binDir, dir, cred, opts); err != nil {
			return nil, err
		}
	}
	port, err := choosePort(dir, opts.Port)
	if err != nil {
		return nil, err
	}
	if err := savePort(dir, port); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, pgLogFile)
	if err := touch(logPath); err != nil {
		return nil, err
	}
	if err := chownTree(dir, cred); err != nil { // the port and log files root just created
		return nil, err
	}

	fsync := "off"
	if opts.Fsync {
		fsync = "on"
	}
	cmd := exec.Command(filepath.Join(binDir, "postgres"),
		"-D", dir,
		"-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories="+socketDir(dir, port),
		"-c", "fsync="+fsync,
	)
	cmd.Dir = dir
	proc, err := startChild("PostgreSQL", cmd, logPath, cred)
	if err != nil {
		return nil, err
	}

	p := &Postgres{database: opts.Database, port: port, proc: proc, logger: opts.Logger}
	if err := p.setUp(ctx); err != nil {
		_ = p.Stop(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("server on %s: %w%s", dir, err, reachHint(dir, cred))
	}
	opts.Logger.Info("PostgreSQL started", "url", p.URL(), "dir", dir, "log", logPath)
	return p, nil
}

// URL returns the URL of the database, for pgx or database/sql with the pgx
// driver: postgres://crmconvert@127.0.0.1:PORT/DATABASE?sslmode=disable.
func (p *Postgres) URL() string {
	return p.urlFor(p.database)
}

// Stop shuts the server down the way `pg_ctl stop -m fast` does: it sends
// SIGINT, so the server rolls back open transactions, disconnects its clients
// and writes a checkpoint. A server still running after 30 seconds, or when
// ctx is done, is killed. Stopping a stopped server does nothing.
func (p *Postgres) Stop(ctx context.Context) error {
	if err := p.proc.stop(ctx, syscall.SIGINT, postgresStopGrace); err != nil {
		return fmt.Errorf("stop PostgreSQL: %w", err)
	}
	return nil
}

func (p *Postgres) urlFor(database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(postgresSuperuser),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// setUp waits for the server to accept connections, then creates the
// database if missing.
func (p *Postgres) setUp(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, postgresStartTimeout)
	defer cancel()

	var conn *pgx.Conn
	for {
		attemptCtx, cancelAttempt := context.WithTimeout(ctx, 2*time.Second)
		var err error
		conn, err = pgx.Connect(attemptCtx, p.urlFor("postgres"))
		cancelAttempt()
		if err == nil {
			break
		}
		if exitErr := p.proc.exitError(); exitErr != nil {
			return exitErr
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for PostgreSQL to accept connections: %w (last error: %v)%s", ctx.Err(), err, logTail(p.proc.logPath))
		case <-time.After(100 * time.Millisecond):
		}
	}
	defer conn.Close(context.WithoutCancel(ctx))

	var exists bool
	err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", p.database).Scan(&exists)
	if err != nil {
		return fmt.Errorf("look for database %q: %w", p.database, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{p.database}.Sanitize()); err != nil {
		return fmt.Errorf("create database %q: %w", p.database, err)
	}
	p.logger.Info("PostgreSQL database created", "database", p.database)
	return nil
}

// initdb creates a cluster in the empty folder dir.
func initdb(ctx context.Context, binDir, dir string, cred *syscall.Credential, opts PostgresOptions) error {
	args := []string{
		"-D", dir,
		"--username=" + postgresSuperuser,
		"--auth=trust",
		"--encoding=UTF8",
		"--locale=C",
	}
	if !opts.Fsync {
		args = append(args, "--no-sync")
	}
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "initdb"), args...)
	cmd.Dir = "/" // the postgres user may not be able to enter the current folder
	cmd.SysProcAttr = childAttr(cred)
	opts.Logger.Info("PostgreSQL: creating a cluster", "dir", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb %s: %w\n%s%s", dir, err, out, reachHint(dir, cred))
	}
	return nil
}

// Pid is the process id of the server, the parent of its backends, for
// tools that account for the CPU they use.
func (p *Postgres) Pid() int { return p.proc.pid() }
