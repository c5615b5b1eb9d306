package devstack

import (
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// debianPostgresGlob matches the server programs of every PostgreSQL
// version installed from Debian's packages.
const debianPostgresGlob = "/usr/lib/postgresql/*/bin/initdb"

// findPostgresBinDir returns the folder holding initdb and postgres: dir if
// set, else $PG_BINDIR, else the newest /usr/lib/postgresql/*/bin, else the
// folder of initdb on PATH.
func findPostgresBinDir(dir string) (string, error) {
	if dir == "" {
		dir = os.Getenv("PG_BINDIR")
	}
	if dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err != nil {
			return "", fmt.Errorf("no PostgreSQL server programs in %s: %w", dir, err)
		}
		return dir, nil
	}
	if matches, _ := filepath.Glob(debianPostgresGlob); len(matches) > 0 {
		return filepath.Dir(newestVersion(matches)), nil
	}
	if initdb, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(initdb), nil
	}
	return "", fmt.Errorf("no PostgreSQL server programs (initdb, postgres) found in $PG_BINDIR, %s or PATH: "+
		"install Debian's postgresql package (apt-get install postgresql) or set PG_BINDIR", filepath.Dir(debianPostgresGlob))
}

// newestVersion picks, among paths like /usr/lib/postgresql/15/bin/initdb,
// the one with the highest version number ("15" > "9.6").
func newestVersion(paths []string) string {
	version := func(path string) []int {
		name := filepath.Base(filepath.Dir(filepath.Dir(path)))
		var parts []int
		for _, field := range strings.Split(name, ".") {
			n, _ := strconv.Atoi(field)
			parts = append(parts, n)
		}
		return parts
	}
	return slices.MaxFunc(paths, func(a, b string) int {
		return cmp.Or(slices.Compare(version(a), version(b)), strings.Compare(a, b))
	})
}
