package crm

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// nextOrderNumber allocates the organization's next order number of the
// year: SO-<year>-<6-digit sequence>. The counter's row stays locked until
// the transaction ends, so concurrent orders get distinct numbers, and a
// rolled-back order gives its number back.
func nextOrderNumber(ctx context.Context, tx bun.Tx, orgID string, year int) (string, error) {
	var last int
	err := tx.NewRaw(`
		INSERT INTO order_number_counters AS c (organization_id, year, last)
		VALUES (?, ?, 1)
		ON CONFLICT (organization_id, year) DO UPDATE SET last = c.last + 1
		RETURNING last`, orgID, year).Scan(ctx, &last)
	if err != nil {
		return "", fmt.Errorf("allocate an order number for %d: %w", year, err)
	}
	return formatOrderNumber(year, last), nil
}

func formatOrderNumber(year, seq int) string {
	return fmt.Sprintf("SO-%04d-%06d", year, seq)
}
