package devstack

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestScratchErrors(t *testing.T) {
	ctx := t.Context()
	_, err := StartPostgres(ctx, PostgresOptions{Dir: t.TempDir() + "/x", BinDir: "/nonexistent"})
	t.Logf("1: %v", err)
	locked := filepath.Join(t.TempDir(), "locked")
	os.Mkdir(locked, 0o700)
	os.Chmod(filepath.Dir(locked), 0o711)
	os.Chmod(filepath.Dir(filepath.Dir(locked)), 0o711)
	_, err = StartPostgres(ctx, PostgresOptions{Dir: filepath.Join(locked, "pg")})
	t.Logf("2: %v", err)
	_, err = StartTemporal(ctx, TemporalOptions{UIPort: -1, SearchAttributes: map[string]string{"X": "Keywrd"}})
	t.Logf("3: %v", err)
	_, err = StartTemporal(ctx, TemporalOptions{Binary: "/nonexistent/temporal", UIPort: -1})
	t.Logf("4: %v", err)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	_, err = StartTemporal(ctx, TemporalOptions{Port: port, UIPort: -1})
	t.Logf("5: %v", err)
	pl, _ := net.Listen("tcp", "127.0.0.1:0")
	defer pl.Close()
	_, err = StartPostgres(ctx, PostgresOptions{Dir: t.TempDir() + "/pg", Port: pl.Addr().(*net.TCPAddr).Port})
	t.Logf("6: %v", err)
	_ = strconv.Itoa
	_ = port
}
