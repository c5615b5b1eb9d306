package crm

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// CustomerInOrganization reports whether the customer exists in the organization.
func (s *Store) CustomerInOrganization(ctx context.Context, orgID, customerID string) (bool, error) {
	return customerInOrganization(ctx, s.db, orgID, customerID)
}

func customerInOrganization(ctx context.Context, db bun.IDB, orgID, customerID string) (bool, error) {
	if !validID(orgID) || !validID(customerID) {
		return false, nil
	}
	ok, err := db.NewSelect().
		Table("customers").
		Where("organization_id = ? AND id = ?", orgID, customerID).
		Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("look up customer %s: %w", customerID, err)
	}
	return ok, nil
}
