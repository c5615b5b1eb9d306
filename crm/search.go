package crm

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// MaxSearchLength is the longest keyword SearchOpportunities takes, in characters.
const MaxSearchLength = 100

// How a search hit matched its keyword, best first: the order of the results.
const (
	MatchNumber   = "number"   // the keyword is the opportunity's number
	MatchPrefix   = "prefix"   // the number, the name or the customer's name starts with it
	MatchContains = "contains" // one of them contains it
)

// matchOfRank names the ranks searchSQL computes.
var matchOfRank = []string{MatchNumber, MatchPrefix, MatchContains}

// OpportunityHit is one opportunity found by SearchOpportunities.
type OpportunityHit struct {
	ID                string           `bun:"id"`
	Number            string           `bun:"number"`
	Name              string           `bun:"name"`
	CustomerID        string           `bun:"customer_id"`
	CustomerName      string           `bun:"customer_name"`
	ContactName       string           `bun:"contact_name"`
	OwnerID           string           `bun:"owner_id"`
	OwnerName         string           `bun:"owner_name"`
	Status            string           `bun:"status"`
	Currency          string           `bun:"currency"`
	Amount            *decimal.Decimal `bun:"amount"`
	ExpectedCloseDate date             `bun:"expected_close_date"`
	UpdatedAt         time.Time        `bun:"updated_at"`
	// Match says how the keyword matched (MatchNumber, MatchPrefix or
	// MatchContains); "" when there was no keyword.
	Match string `bun:"-"`

	Rank int `bun:"rank"`
}

// CloseDate is the expected close date as YYYY-MM-DD, "" when unset.
func (h *OpportunityHit) CloseDate() string { return string(h.ExpectedCloseDate) }

// OpportunityHits is one page of search results.
type OpportunityHits struct {
	Hits []OpportunityHit
	// Next is the cursor of the next page, "" on the last one.
	Next string
}

// The search: opportunities whose number or name contains the keyword, and
// those of customers whose name contains it (and not their own number or
// name, which the first part found), each with its rank. Every ILIKE '%…%'
// of the first two parts is served by a trigram index (migration 0006), and
// the matching rows are read once: joining them back by id made the planner,
// which overestimates how many rows a trigram search finds, read the whole
// table instead. The page condition and limit follow.
const searchSQL = `
WITH matched AS (
    SELECT o.id, o.number, o.name, o.customer_id, o.contact_name, o.owner_id, o.status,
           o.currency, o.amount, o.expected_close_date, o.updated_at
    FROM opportunities o
    WHERE o.organization_id = ? AND (o.number ILIKE ? OR o.name ILIKE ?)
    UNION ALL
    SELECT o.id, o.number, o.name, o.customer_id, o.contact_name, o.owner_id, o.status,
           o.currency, o.amount, o.expected_close_date, o.updated_at
    FROM customers c
    JOIN opportunities o ON o.organization_id = c.organization_id AND o.customer_id = c.id
    WHERE c.organization_id = ? AND c.name ILIKE ? AND NOT (o.number ILIKE ? OR o.name ILIKE ?)
), hits AS (
    SELECT m.*, c.name AS customer_name, ow.name AS owner_name,
           CASE WHEN lower(m.number) = lower(?) THEN 0
                WHEN m.number ILIKE ? OR m.name ILIKE ? OR c.name ILIKE ? THEN 1
                ELSE 2
           END AS rank
    FROM matched m
    JOIN users ow ON ow.id = m.owner_id
    LEFT JOIN customers c ON c.id = m.customer_id
)
SELECT * FROM hits
WHERE (rank, number) > (?, ?)
ORDER BY rank, number
LIMIT ?`

// listSQL lists every opportunity of the organization by number, when there
// is no keyword; the unique index on (organization_id, number) serves it.
const listSQL = `
SELECT o.id, o.number, o.name, o.customer_id, c.name AS customer_name, o.contact_name,
       o.owner_id, ow.name AS owner_name, o.status, o.currency, o.amount,
       o.expected_close_date, o.updated_at, 0 AS rank
FROM opportunities o
JOIN users ow ON ow.id = o.owner_id
LEFT JOIN customers c ON c.id = o.customer_id
WHERE o.organization_id = ? AND o.number > ?
ORDER BY o.number
LIMIT ?`

// SearchOpportunities finds the organization's opportunities by keyword (SPEC
// 4.3): those whose number, name or customer's name contains it, whatever
// its case. The opportunity whose number it is comes first, then those where
// one of the three starts with it, then the rest; by number within each.
// An empty keyword lists every opportunity by number.
//
// The keyword is taken literally (% and _ are no wildcards) and trimmed. A
// cursor of another keyword is ErrBadCursor.
func (s *Store) SearchOpportunities(ctx context.Context, orgID, keyword string, page Page) (OpportunityHits, error) {
	keyword = strings.TrimSpace(keyword)
	scope := "opportunities?q=" + keyword
	key, err := decodeCursor(page.After, scope, 2)
	if err != nil {
		return OpportunityHits{}, err
	}
	afterRank, afterNumber := -1, ""
	if key != nil {
		if afterRank, err = strconv.Atoi(key[0]); err != nil || afterRank < 0 || afterRank >= len(matchOfRank) {
			return OpportunityHits{}, ErrBadCursor
		}
		afterNumber = key[1]
	}
	res := OpportunityHits{Hits: []OpportunityHit{}}
	if !validID(orgID) {
		return res, nil
	}

	size := page.size()
	query, args := searchQuery(orgID, keyword, afterRank, afterNumber, size+1)
	if err := s.db.NewRaw(query, args...).Scan(ctx, &res.Hits); err != nil {
		return OpportunityHits{}, fmt.Errorf("search opportunities for %q: %w", keyword, err)
	}
	hits, more := pageOf(res.Hits, size)
	for i := range hits {
		if keyword != "" {
			hits[i].Match = matchOfRank[hits[i].Rank]
		}
	}
	res.Hits = hits
	if more {
		last := hits[len(hits)-1]
		res.Next = encodeCursor(scope, strconv.Itoa(last.Rank), last.Number)
	}
	return res, nil
}

// searchQuery is the SQL and arguments of a search: up to limit hits after
// the hit of rank afterRank and number afterNumber.
func searchQuery(orgID, keyword string, afterRank int, afterNumber string, limit int) (string, []any) {
	if keyword == "" {
		return listSQL, []any{orgID, afterNumber, limit}
	}
	contains, prefix := "%"+escapeLike(keyword)+"%", escapeLike(keyword)+"%"
	return searchSQL, []any{
		orgID, contains, contains, orgID, contains, contains, contains,
		keyword, prefix, prefix, prefix,
		afterRank, afterNumber, limit,
	}
}

// escapeLike makes s match itself in a LIKE pattern, whose escape character
// is the backslash.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
