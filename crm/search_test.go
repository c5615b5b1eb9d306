package crm_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/uptrace/bun"

	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/demo"
)

// addOpportunity adds an open opportunity of Acme, owned by Sam.
func addOpportunity(t *testing.T, db bun.IDB, number, name, customerID string) {
	t.Helper()
	var customer any
	if customerID != "" {
		customer = customerID
	}
	_, err := db.NewRaw(`INSERT INTO opportunities (id, organization_id, number, name, customer_id, owner_id, currency)
		VALUES (gen_random_uuid(), ?, ?, ?, ?, ?, 'EUR')`, demo.Acme, number, name, customer, demo.Sam).Exec(t.Context())
	if err != nil {
		t.Fatalf("add opportunity %s: %v", number, err)
	}
}

// hitsOf lists the hits as "number match".
func hitsOf(hits []crm.OpportunityHit) []string {
	out := []string{}
	for _, h := range hits {
		out = append(out, h.Number+" "+h.Match)
	}
	return out
}

func TestSearchOpportunities(t *testing.T) {
	store, db := seededStore(t)
	addOpportunity(t, db, "OPP-000005-B", "Stark support extension", demo.Stark)
	addOpportunity(t, db, "OPP-000099", "Follow-up of OPP-000005", demo.Umbrella)
	addOpportunity(t, db, "OPP-000010", "Pilot for Stark", demo.Umbrella)
	addOpportunity(t, db, "OPP-000011", "100% uptime", "")
	addOpportunity(t, db, "OPP-000012", `Share C:\temp`, "")

	tests := []struct {
		org, keyword string
		want         []string
	}{
		// the number first, then prefixes, then the rest; by number within each
		{demo.Acme, "opp-000005", []string{"OPP-000005 number", "OPP-000005-B prefix", "OPP-000099 contains"}},
		{demo.Acme, "  OPP-000005  ", []string{"OPP-000005 number", "OPP-000005-B prefix", "OPP-000099 contains"}},
		// name and customer prefixes rank alike; a name containing it comes after
		{demo.Acme, "stark", []string{"OPP-000003 prefix", "OPP-000005 prefix", "OPP-000005-B prefix", "OPP-000010 contains"}},
		{demo.Acme, "INITECH", []string{"OPP-000001 prefix", "OPP-000004 prefix"}},
		// the customer's name alone
		{demo.Acme, "corporation", []string{"OPP-000002 contains", "OPP-000010 contains", "OPP-000099 contains"}},
		{demo.Acme, "renew", []string{"OPP-000001 contains"}},
		// % _ and \ are themselves, not wildcards
		{demo.Acme, "0%", []string{"OPP-000011 contains"}},
		{demo.Acme, "%", []string{"OPP-000011 contains"}},
		{demo.Acme, "_", []string{}},
		{demo.Acme, `:\t`, []string{"OPP-000012 contains"}},
		// within the caller's organization only
		{demo.Acme, "soylent", []string{}},
		{demo.Globex, "soylent", []string{"OPP-000001 prefix"}},
		{demo.Globex, "OPP-000001", []string{"OPP-000001 number"}},
		{demo.Globex, "stark", []string{}},
		{"not-a-uuid", "stark", []string{}},
		// no keyword: everything, by number
		{demo.Globex, "", []string{"OPP-000001 "}},
		{demo.Globex, "   ", []string{"OPP-000001 "}},
	}
	for _, tt := range tests {
		t.Run(tt.org[len(tt.org)-1:]+" "+tt.keyword, func(t *testing.T) {
			got, err := store.SearchOpportunities(t.Context(), tt.org, tt.keyword, crm.Page{})
			if err != nil {
				t.Fatalf("SearchOpportunities: %v", err)
			}
			if !slices.Equal(hitsOf(got.Hits), tt.want) || got.Next != "" {
				t.Errorf("SearchOpportunities(%q) = %q (next %q), want %q", tt.keyword, hitsOf(got.Hits), got.Next, tt.want)
			}
		})
	}

	t.Run("hit fields", func(t *testing.T) {
		got, err := store.SearchOpportunities(t.Context(), demo.Acme, "OPP-000001", crm.Page{})
		if err != nil || len(got.Hits) != 1 {
			t.Fatalf("SearchOpportunities = %+v, %v; want one hit", got, err)
		}
		h := got.Hits[0]
		if h.ID != demo.InitechRenewal || h.Name != "Initech renewal" || h.CustomerID != demo.Initech ||
			h.CustomerName != "Initech" || h.OwnerID != demo.Sam || h.OwnerName != "Sam Seller" ||
			h.Status != crm.StatusOpen || h.Currency != "EUR" || h.Amount.String() != "878.16" ||
			h.CloseDate() != "2026-09-30" || h.ContactName != "Bill Lumbergh" {
			t.Errorf("hit = %+v", h)
		}
	})
}

func TestSearchOpportunitiesPages(t *testing.T) {
	store, db := seededStore(t)
	for i := range 23 {
		addOpportunity(t, db, fmt.Sprintf("BULK-%03d", i), fmt.Sprintf("Bulk deal %d", i), "")
	}
	addOpportunity(t, db, "OPP-000100", "Order in bulk", "")
	for _, keyword := range []string{"bulk", ""} {
		var seen []string
		var pages []int
		page := crm.Page{Limit: 10}
		for {
			got, err := store.SearchOpportunities(t.Context(), demo.Acme, keyword, page)
			if err != nil {
				t.Fatalf("SearchOpportunities(%q, %+v): %v", keyword, page, err)
			}
			pages = append(pages, len(got.Hits))
			for _, h := range got.Hits {
				seen = append(seen, h.Number)
			}
			if got.Next == "" {
				break
			}
			page.After = got.Next
		}
		wantCount := 24
		if keyword == "" {
			wantCount = 24 + 5
		}
		if len(seen) != wantCount || len(slices.Compact(slices.Clone(seen))) != wantCount {
			t.Errorf("%q: %d hits over pages %v, want %d, each once: %v", keyword, len(seen), pages, wantCount, seen)
		}
		if keyword == "bulk" && (seen[0] != "BULK-000" || seen[22] != "BULK-022" || seen[23] != "OPP-000100") {
			t.Errorf("%q: prefixes by number, then contains: %v", keyword, seen)
		}
	}

	// A cursor is for the keyword it was made for.
	first, err := store.SearchOpportunities(t.Context(), demo.Acme, "bulk", crm.Page{Limit: 2})
	if err != nil || first.Next == "" {
		t.Fatalf("first page: %+v, %v", first, err)
	}
	for _, bad := range []struct{ keyword, cursor string }{
		{"deal", first.Next},
		{"bulk", "not a cursor"},
		{"bulk", first.Next[:len(first.Next)-3]},
	} {
		_, err := store.SearchOpportunities(t.Context(), demo.Acme, bad.keyword, crm.Page{After: bad.cursor})
		if !errors.Is(err, crm.ErrBadCursor) {
			t.Errorf("SearchOpportunities(%q, cursor %q) = %v, want ErrBadCursor", bad.keyword, bad.cursor, err)
		}
	}
	// Limits are kept within bounds.
	all, err := store.SearchOpportunities(t.Context(), demo.Acme, "", crm.Page{Limit: 1000})
	if err != nil || len(all.Hits) != 29 {
		t.Errorf("limit 1000: %d hits, %v; want all 29", len(all.Hits), err)
	}
}
