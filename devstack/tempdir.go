package devstack

import "os"

// TempDir makes a new temporary folder for a throwaway cluster, open for
// others to traverse: run as root, StartPostgres runs the server as the
// postgres user, who must reach the data folder inside it. The caller
// removes it.
func TempDir(pattern string) (string, error) {
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}
