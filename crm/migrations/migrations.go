// Package migrations holds the CRM schema as numbered SQL migrations, run by
// bun/migrate (see crm.Migrate). Each migration runs in its own transaction
// (the .tx. in its file names) and has a down migration that undoes it.
//
// A released migration is never edited: a schema change is a new file with
// the next number.
package migrations

import (
	"embed"
	"fmt"

	"github.com/uptrace/bun/migrate"
)

//go:embed *.sql
var files embed.FS

// New returns the migrations, in the order of their numbers.
func New() (*migrate.Migrations, error) {
	ms := migrate.NewMigrations()
	if err := ms.Discover(files); err != nil {
		return nil, fmt.Errorf("discover migrations: %w", err)
	}
	return ms, nil
}
