package crm_test

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/crmtest"
)

// The search benchmark's settings. It is a benchmark, so `go test` (and CI)
// never runs it; a smoke run takes seconds:
//
//	go test -run XXX -bench Search -benchtime 20x -crm.search-rows=5000 ./crm/
//
// and the measurement of docs/search.md:
//
//	go test -run XXX -bench Search -benchtime 200x -crm.search-compare ./crm/
var (
	searchRows    = flag.Int("crm.search-rows", 100_000, "opportunities the search benchmark generates")
	searchCompare = flag.Bool("crm.search-compare", false, "also measure the search with trigram GiST indexes, full-text indexes and no index")
)

// benchOrg is the organization of the generated opportunities.
const benchOrg = "a0000000-0000-4000-8000-0000000000be"

// searchVariant is one way of indexing the search.
type searchVariant struct {
	name  string
	setup []string // SQL run first
	fts   bool     // search with full-text queries instead of the store's
}

// benchQuery is one typical search.
type benchQuery struct {
	name    string
	keyword string
}

// BenchmarkSearch generates *searchRows opportunities of 5,000 customers,
// shows the plan of each typical search (EXPLAIN ANALYZE) and measures its
// latency through Store.SearchOpportunities, reporting p50 and p95 in ms.
// With -crm.search-compare it measures the alternatives too.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	db := crmtest.Postgres(b)
	started := time.Now()
	generateOpportunities(b, db, *searchRows)
	b.Logf("generated %d opportunities of 5,000 customers in %s", *searchRows, time.Since(started).Round(time.Millisecond))
	store := crm.NewStore(db)
	queries := typicalQueries(b, db)

	variants := []searchVariant{{name: "trgm-gin"}}
	if *searchCompare {
		variants = append(variants,
			searchVariant{name: "trgm-gist", setup: []string{
				"DROP INDEX opportunities_number_trgm_idx, opportunities_name_trgm_idx, customers_name_trgm_idx",
				"CREATE INDEX opportunities_number_trgm_idx ON opportunities USING gist (number gist_trgm_ops)",
				"CREATE INDEX opportunities_name_trgm_idx ON opportunities USING gist (name gist_trgm_ops)",
				"CREATE INDEX customers_name_trgm_idx ON customers USING gist (name gist_trgm_ops)",
			}},
			searchVariant{name: "no-index", setup: []string{
				"DROP INDEX opportunities_number_trgm_idx, opportunities_name_trgm_idx, customers_name_trgm_idx",
			}},
			searchVariant{name: "fts-gin", fts: true, setup: []string{
				"CREATE INDEX opportunities_fts_idx ON opportunities USING gin (to_tsvector('simple', number || ' ' || name))",
				"CREATE INDEX customers_fts_idx ON customers USING gin (to_tsvector('simple', name))",
			}},
		)
	}

	for _, v := range variants {
		for _, stmt := range v.setup {
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				b.Fatalf("%s: %s: %v", v.name, stmt, err)
			}
		}
		if _, err := db.ExecContext(ctx, "VACUUM ANALYZE opportunities, customers"); err != nil {
			b.Fatalf("vacuum: %v", err)
		}
		for _, q := range queries {
			search := func() (int, error) {
				hits, err := store.SearchOpportunities(ctx, benchOrg, q.keyword, crm.Page{})
				return len(hits.Hits), err
			}
			if v.fts {
				search = func() (int, error) { return ftsSearch(ctx, db, q.keyword) }
			}
			found, err := search()
			if err != nil {
				b.Fatalf("%s %q: %v", v.name, q.keyword, err)
			}
			if !v.fts {
				plan, err := crm.ExplainSearch(ctx, db, benchOrg, q.keyword)
				if err != nil {
					b.Fatalf("explain %q: %v", q.keyword, err)
				}
				b.Logf("%s %s %q: %d hits on the first page; plan:\n%s", v.name, q.name, q.keyword, found, plan)
				if v.name == "trgm-gin" && len(q.keyword) >= 3 && !strings.Contains(plan, "_trgm_idx") {
					b.Errorf("the search for %q uses no trigram index", q.keyword)
				}
			} else {
				b.Logf("%s %s %q: %d hits on the first page", v.name, q.name, q.keyword, found)
			}
			b.Run(v.name+"/"+q.name, func(b *testing.B) {
				var took []time.Duration
				for b.Loop() {
					start := time.Now()
					if _, err := search(); err != nil {
						b.Fatal(err)
					}
					took = append(took, time.Since(start))
				}
				slices.Sort(took)
				b.ReportMetric(ms(percentile(took, 50)), "p50-ms")
				b.ReportMetric(ms(percentile(took, 95)), "p95-ms")
			})
		}
	}
}

// typicalQueries are a number, a fragment of a number, name prefixes narrow
// and broad, a fragment of a customer's name from the middle, and two
// letters.
func typicalQueries(b *testing.B, db *bun.DB) []benchQuery {
	b.Helper()
	var fragment string
	err := db.NewRaw("SELECT substr(name, 3, 5) FROM customers WHERE organization_id = ? ORDER BY name OFFSET 1234 LIMIT 1",
		benchOrg).Scan(context.Background(), &fragment)
	if err != nil {
		b.Fatalf("pick a customer name fragment: %v", err)
	}
	n := *searchRows * 2 / 3
	return []benchQuery{
		{"number", fmt.Sprintf("OPP-%06d", n)},
		{"number-fragment", fmt.Sprintf("%05d", n%100_000)},
		{"name-prefix", "Gadget rollout"},
		{"name-prefix-broad", "Gadget"},
		{"customer-fragment", fragment},
		{"two-letters", "ga"}, // no trigram: a sequential scan, the known limit
	}
}

// generateOpportunities makes an organization with 20 users, 5,000
// customers with made-up names and n opportunities: numbered OPP-000001 on,
// named "<product> <kind> <year>" (30 products, 20 kinds), spread over the
// customers and users, mostly open.
func generateOpportunities(b *testing.B, db *bun.DB, n int) {
	b.Helper()
	stmts := []string{
		`INSERT INTO organizations (id, name) VALUES ('` + benchOrg + `', 'Bench Ltd')`,
		`INSERT INTO users (id, organization_id, name, email, role, permissions)
		 SELECT md5('user' || i)::uuid, '` + benchOrg + `', 'User ' || i, 'user' || i || '@bench.test', 'member', '{order:create,order:update}'
		 FROM generate_series(1, 20) i`,
		`INSERT INTO customers (id, organization_id, name)
		 SELECT md5('customer' || i)::uuid, '` + benchOrg + `',
		        initcap((ARRAY['ka','lo','mi','ne','sa','tor','vel','bri','dan','el','fra','gor','hal','ix','jo','kel','mar','nor','pe','quo'])[1 + i % 20]
		             || (ARRAY['ra','be','li','to','un','go','ve','sta','mo','di','an','ter','fu','ce','ri','po','lan','dor','si','ma'])[1 + (i / 20) % 20]
		             || (ARRAY['tech','corp','dyne','soft','gen','tron','works','line','net','star','field','stone','wave'])[1 + (i / 400) % 13])
		        || ' ' || (ARRAY['GmbH','Ltd','Inc','SA','AG','BV','Oy','LLC'])[1 + (i * 7) % 8]
		 FROM generate_series(1, 5000) i`,
		fmt.Sprintf(`INSERT INTO opportunities (id, organization_id, number, name, customer_id, owner_id, status,
		                            closed_at, closed_by, currency, amount, expected_close_date)
		 SELECT md5('opportunity' || i)::uuid, '`+benchOrg+`', 'OPP-' || lpad(i::text, 6, '0'),
		        (ARRAY['Widget','Gadget','Cable','Licence','Support','Server','Laptop','Printer','Router','Switch',
		               'Storage','Backup','Firewall','Monitor','Desk','Chair','Phone','Tablet','Scanner','Camera',
		               'Sensor','Battery','Charger','Antenna','Speaker','Headset','Keyboard','Mouse','Dock','Rack'])[1 + i %% 30]
		        || ' ' || (ARRAY['renewal','rollout','upgrade','pilot','expansion','replacement','maintenance','migration',
		                         'refresh','trial','order','contract','bundle','project','service','install','audit',
		                         'training','extension','consolidation'])[1 + (i / 30) %% 20]
		        || ' ' || (2020 + i %% 8),
		        md5('customer' || (1 + (i * 7919) %% 5000))::uuid,
		        md5('user' || (1 + i %% 20))::uuid,
		        CASE WHEN i %% 10 = 0 THEN 'won' WHEN i %% 10 = 1 THEN 'lost' ELSE 'open' END,
		        CASE WHEN i %% 10 IN (0, 1) THEN now() END,
		        CASE WHEN i %% 10 IN (0, 1) THEN md5('user' || (1 + i %% 20))::uuid END,
		        'EUR', (i %% 1000) * 10, DATE '2026-01-01' + i %% 365
		 FROM generate_series(1, %d) i`, n),
	}
	for _, stmt := range stmts {
		if _, err := db.ExecContext(context.Background(), stmt); err != nil {
			b.Fatalf("generate: %v\n%s", err, stmt)
		}
	}
}

// ftsSearch is the search done with full-text indexes, for comparison:
// each word of the keyword as a prefix (to_tsquery's :*), over the number
// and name, and the customer's name. It finds words by their beginnings
// only, never a fragment from the middle.
func ftsSearch(ctx context.Context, db *bun.DB, keyword string) (int, error) {
	var terms []string
	for w := range strings.FieldsSeq(strings.ToLower(keyword)) {
		terms = append(terms, "'"+strings.ReplaceAll(w, "'", "''")+"':*")
	}
	query := strings.Join(terms, " & ")
	var ids []string
	err := db.NewRaw(`
		SELECT id FROM (
		    SELECT o.id, o.number FROM opportunities o
		    WHERE o.organization_id = ? AND to_tsvector('simple', o.number || ' ' || o.name) @@ to_tsquery('simple', ?)
		    UNION
		    SELECT o.id, o.number FROM customers c
		    JOIN opportunities o ON o.organization_id = c.organization_id AND o.customer_id = c.id
		    WHERE c.organization_id = ? AND to_tsvector('simple', c.name) @@ to_tsquery('simple', ?)
		) m ORDER BY number LIMIT ?`, benchOrg, query, benchOrg, query, crm.DefaultPageSize+1).Scan(ctx, &ids)
	return len(ids), err
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[(len(sorted)-1)*p/100]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
