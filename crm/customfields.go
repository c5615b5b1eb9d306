package crm

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/crmconvert/crmconvert/conversion"
)

// CustomFields lists the organization's custom fields of opportunities and
// orders, by object and name.
func (s *Store) CustomFields(ctx context.Context, orgID string) ([]conversion.CustomField, error) {
	return customFields(ctx, s.db, orgID, "")
}

// customFields lists the organization's custom fields, of one object only
// when object is not "".
func customFields(ctx context.Context, db bun.IDB, orgID, object string) ([]conversion.CustomField, error) {
	fields := []conversion.CustomField{}
	if !validID(orgID) {
		return fields, nil
	}
	q := db.NewSelect().
		Table("custom_fields").
		Column("object", "name", "type").
		Where("organization_id = ?", orgID).
		OrderExpr("object, name")
	if object != "" {
		q = q.Where("object = ?", object)
	}
	if err := q.Scan(ctx, &fields); err != nil {
		return nil, fmt.Errorf("read custom fields of organization %s: %w", orgID, err)
	}
	return fields, nil
}
