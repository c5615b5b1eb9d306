package devstack

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// postgresCredential returns the user the PostgreSQL programs must run as,
// or nil to run them as the current user. initdb and postgres refuse to run
// as root, so root runs them as the unprivileged "postgres" user that
// Debian's postgresql package creates.
func postgresCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL refuses to run as root, and there is no postgres user to run it as "+
			"(install Debian's postgresql package, which creates one, or run as another user): %w", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("postgres user id %q: %w", u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("postgres group id %q: %w", u.Gid, err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// chownTree gives everything under dir to cred's user (chown -R), so that the
// server can use a folder root created or wrote to. A nil cred does nothing.
func chownTree(dir string, cred *syscall.Credential) error {
	if cred == nil {
		return nil
	}
	uid, gid := int(cred.Uid), int(cred.Gid)
	err := filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		if err == nil {
			err = os.Lchown(path, uid, gid)
		}
		if errors.Is(err, fs.ErrNotExist) { // removed by a running server meanwhile
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("give %s to the postgres user: %w", dir, err)
	}
	return nil
}

// reachHint explains a failure to use dir when cred's user cannot enter one
// of dir's parent folders, and returns "" otherwise. It reads only the mode
// bits (not ACLs or supplementary groups), so it serves as a hint, not a check.
func reachHint(dir string, cred *syscall.Credential) string {
	if cred == nil {
		return ""
	}
	for parent := filepath.Dir(dir); ; parent = filepath.Dir(parent) {
		info, err := os.Stat(parent)
		if err == nil && !canEnter(info, cred) {
			return fmt.Sprintf("\nhint: the postgres user cannot enter %s (mode %v): "+
				"let others traverse it (chmod o+x %s) or choose a data folder elsewhere", parent, info.Mode(), parent)
		}
		if parent == filepath.Dir(parent) {
			return ""
		}
	}
}

// canEnter reports whether the mode bits of a folder let cred's user enter it.
func canEnter(info fs.FileInfo, cred *syscall.Credential) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	perm := info.Mode().Perm()
	switch {
	case st.Uid == cred.Uid:
		return perm&0o100 != 0
	case st.Gid == cred.Gid:
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}
