package crm

import (
	"context"
	"strings"

	"github.com/uptrace/bun"
)

// ExplainSearch runs EXPLAIN (ANALYZE, BUFFERS) on the first page of the
// search SearchOpportunities makes, and returns the plan, for the search
// benchmark.
func ExplainSearch(ctx context.Context, db bun.IDB, orgID, keyword string) (string, error) {
	query, args := searchQuery(orgID, strings.TrimSpace(keyword), -1, "", DefaultPageSize+1)
	var lines []string
	if err := db.NewRaw("EXPLAIN (ANALYZE, BUFFERS) "+query, args...).Scan(ctx, &lines); err != nil {
		return "", err
	}
	return strings.Join(lines, "\n"), nil
}
