package crm

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/uptrace/bun"
)

// upsert inserts rows (a pointer to a slice of row structs), or updates the
// existing row with the same primary key where one of its columns differs,
// setting its updated_at. A row that would not change is left alone, so
// upserting the same rows twice writes nothing the second time. An existing
// row keeps its values of the columns named in keep.
func upsert[T any](ctx context.Context, tx bun.Tx, rows *[]T, keep ...string) error {
	if len(*rows) == 0 {
		return nil
	}
	table := tx.Dialect().Tables().Get(reflect.TypeFor[T]())
	keys := make([]string, len(table.PKs))
	for i, f := range table.PKs {
		keys[i] = string(f.SQLName)
	}
	q := tx.NewInsert().Model(rows).On("CONFLICT (" + strings.Join(keys, ", ") + ") DO UPDATE")
	var olds, news []string
	for _, f := range table.DataFields {
		if slices.Contains(keep, f.Name) {
			continue
		}
		col := string(f.SQLName)
		q = q.Set(col + " = EXCLUDED." + col)
		olds = append(olds, "?TableAlias."+col)
		news = append(news, "EXCLUDED."+col)
	}
	q = q.Set("updated_at = now()").
		Where("(" + strings.Join(olds, ", ") + ") IS DISTINCT FROM (" + strings.Join(news, ", ") + ")")
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("upsert %s: %w", table.Name, err)
	}
	return nil
}
