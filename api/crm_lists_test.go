package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/demo"
)

// hitNames lists the hits as "number match".
func hitNames(l opportunityHitList) []string {
	out := []string{}
	for _, h := range l.Opportunities {
		m := "-"
		if h.Match != nil {
			m = *h.Match
		}
		out = append(out, h.Number+" "+m)
	}
	return out
}

func TestSearchOpportunities(t *testing.T) {
	e := newEnv(t)
	_, err := e.db.NewRaw(`INSERT INTO opportunities (id, organization_id, number, name, customer_id, owner_id)
		VALUES (gen_random_uuid(), ?, 'OPP-000010', 'Follow-up of OPP-000005 for Initech', ?, ?)`,
		demo.Acme, demo.Umbrella, demo.Sam).Exec(t.Context())
	require.NoError(t, err)

	search := func(user, query string) opportunityHitList {
		t.Helper()
		return decodeAs[opportunityHitList](t, e.call(user, http.MethodGet, "/v1/opportunities"+query, nil), http.StatusOK)
	}
	tests := []struct {
		user, query string
		want        []string
	}{
		{demo.Sam, "?q=OPP-000005", []string{"OPP-000005 number", "OPP-000010 contains"}},
		{demo.Sam, "?q=initech", []string{"OPP-000001 prefix", "OPP-000004 prefix", "OPP-000010 contains"}},
		{demo.Sam, "?q=Corp", []string{"OPP-000002 contains", "OPP-000010 contains"}}, // Umbrella Corporation
		{demo.Vic, "?q=%20STARK%20", []string{"OPP-000003 prefix", "OPP-000005 prefix"}},
		{demo.Sam, "?q=nothing+like+it", []string{}},
		{demo.Sam, "?q=soylent", []string{}},
		{demo.Gus, "?q=soylent", []string{"OPP-000001 prefix"}},
		{demo.Gus, "?q=initech", []string{}},
		{demo.Sam, "", []string{"OPP-000001 -", "OPP-000002 -", "OPP-000003 -", "OPP-000004 -", "OPP-000005 -", "OPP-000010 -"}},
		{demo.Sam, "?q=", []string{"OPP-000001 -", "OPP-000002 -", "OPP-000003 -", "OPP-000004 -", "OPP-000005 -", "OPP-000010 -"}},
	}
	for _, tt := range tests {
		got := search(tt.user, tt.query)
		assert.Equal(t, tt.want, hitNames(got), "%s as %s", tt.query, tt.user)
		assert.Nil(t, got.NextCursor)
	}

	hit := search(demo.Sam, "?q=OPP-000001").Opportunities[0]
	assert.Equal(t, opportunityHitBody{
		ID: demo.InitechRenewal, Number: "OPP-000001", Name: "Initech renewal",
		Customer: &ref{ID: demo.Initech, Name: "Initech"}, ContactName: "Bill Lumbergh",
		Owner: ref{ID: demo.Sam, Name: "Sam Seller"}, Status: "open", Currency: "EUR",
		Amount: new("878.16"), ExpectedCloseDate: new("2026-09-30"),
		UpdatedAt: hit.UpdatedAt, Match: new("number"),
	}, hit)

	// Pages: limit and next_cursor, with the same q.
	var pages [][]string
	query := "?q=opp&limit=4"
	for {
		got := search(demo.Sam, query)
		pages = append(pages, hitNames(got))
		if got.NextCursor == nil {
			break
		}
		query = "?q=opp&limit=4&cursor=" + url.QueryEscape(*got.NextCursor)
	}
	assert.Equal(t, [][]string{
		{"OPP-000001 prefix", "OPP-000002 prefix", "OPP-000003 prefix", "OPP-000004 prefix"},
		{"OPP-000005 prefix", "OPP-000010 prefix"},
	}, pages)
}

func TestListRefusals(t *testing.T) {
	e := newEnv(t)
	first := decodeAs[opportunityHitList](t, e.call(demo.Sam, http.MethodGet, "/v1/opportunities?q=opp&limit=1", nil), http.StatusOK)
	require.NotNil(t, first.NextCursor)
	cursor := url.QueryEscape(*first.NextCursor)
	orderChanges := "/v1/orders/" + demo.SpareWidgetsOrder + "/changes"
	oppChanges := "/v1/opportunities/" + demo.InitechRenewal + "/changes"

	tests := []struct {
		name   string
		user   string
		path   string
		status int
		slug   string
		fields []string
	}{
		{"limit 0", demo.Sam, "/v1/opportunities?q=opp&limit=0", 400, "malformed-request", []string{"limit"}},
		{"limit over 100", demo.Sam, "/v1/orders?limit=101", 400, "malformed-request", []string{"limit"}},
		{"limit not a number", demo.Sam, orderChanges + "?limit=ten", 400, "malformed-request", []string{"limit"}},
		{"unknown parameter", demo.Sam, "/v1/opportunities?query=opp", 400, "malformed-request", []string{"query"}},
		{"unknown parameter of a log", demo.Sam, oppChanges + "?q=x", 400, "malformed-request", []string{"q"}},
		{"repeated parameter", demo.Sam, "/v1/opportunities?q=a&q=b", 400, "malformed-request", []string{"q"}},
		{"keyword not UTF-8", demo.Sam, "/v1/opportunities?q=%ff", 400, "malformed-request", []string{"q"}},
		{"keyword with NUL", demo.Sam, "/v1/opportunities?q=a%00b", 400, "malformed-request", []string{"q"}},
		{"keyword too long", demo.Sam, "/v1/opportunities?q=" + strings.Repeat("x", crm.MaxSearchLength+1), 400, "malformed-request", []string{"q"}},
		{"cursor of another keyword", demo.Sam, "/v1/opportunities?q=stark&cursor=" + cursor, 400, "malformed-request", []string{"cursor"}},
		{"cursor of another list", demo.Sam, orderChanges + "?cursor=" + cursor, 400, "malformed-request", []string{"cursor"}},
		{"cursor made up", demo.Sam, "/v1/orders?cursor=abc", 400, "malformed-request", []string{"cursor"}},
		{"opportunity id not an id", demo.Sam, "/v1/orders?opportunity_id=OPP-000001", 422, "invalid", []string{"opportunity_id"}},
		{"opportunity id empty", demo.Sam, "/v1/orders?opportunity_id=", 422, "invalid", []string{"opportunity_id"}},
		{"orders of another organization's opportunity", demo.Sam, "/v1/orders?opportunity_id=" + demo.SoylentSupply, 404, "not-found", nil},
		{"orders of an opportunity to another organization", demo.Gus, "/v1/orders?opportunity_id=" + demo.InitechRenewal, 404, "not-found", nil},
		{"another organization's order log", demo.Gus, orderChanges, 404, "not-found", nil},
		{"another organization's opportunity log", demo.Gus, oppChanges, 404, "not-found", nil},
		{"an order's log as an opportunity's", demo.Sam, "/v1/opportunities/" + demo.SpareWidgetsOrder + "/changes", 404, "not-found", nil},
		{"log of an id that is none", demo.Sam, "/v1/orders/42/changes", 404, "not-found", nil},
		{"search without a token", "", "/v1/opportunities?q=opp", 401, "unauthorized", nil},
		{"orders without a token", "", "/v1/orders", 401, "unauthorized", nil},
		{"log without a token", "", orderChanges, 401, "unauthorized", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := e.call(tt.user, http.MethodGet, tt.path, nil).problem(t, tt.status)
			assert.Equal(t, problemBase+tt.slug, p.Type)
			assert.Equal(t, strings.SplitN(tt.path, "?", 2)[0], p.Instance)
			assert.NotEmpty(t, p.Detail)
			assert.Equal(t, tt.fields, p.fields())
			assert.NotContains(t, p.Detail, "Initech", "a refusal shows no data")
		})
	}
}

func TestListOrders(t *testing.T) {
	e := newEnv(t)
	store := crm.NewStore(e.db)
	for i := range 3 {
		_, err := store.CreateOrder(t.Context(), crm.NewOrder{
			ConversionKey: fmt.Sprint("list-", i), OrganizationID: demo.Acme, OpportunityID: demo.InitechRenewal, CreatedBy: demo.Sam,
			Draft: draftOf(demo.RenewalCable, "1"),
		})
		require.NoError(t, err)
	}
	numbers := func(l orderListBody) []string {
		out := []string{}
		for _, o := range l.Orders {
			out = append(out, o.Number)
		}
		return out
	}
	all := decodeAs[orderListBody](t, e.call(demo.Vic, http.MethodGet, "/v1/orders", nil), http.StatusOK)
	require.Len(t, all.Orders, 4)
	assert.Equal(t, "SO-2025-000042", all.Orders[3].Number, "newest first")
	assert.Nil(t, all.Orders[3].Opportunity)
	assert.Equal(t, "confirmed", all.Orders[3].Status)

	path := "/v1/orders?opportunity_id=" + demo.InitechRenewal + "&limit=2"
	page1 := decodeAs[orderListBody](t, e.call(demo.Vic, http.MethodGet, path, nil), http.StatusOK)
	require.NotNil(t, page1.NextCursor)
	page2 := decodeAs[orderListBody](t, e.call(demo.Vic, http.MethodGet, path+"&cursor="+url.QueryEscape(*page1.NextCursor), nil), http.StatusOK)
	assert.Nil(t, page2.NextCursor)
	assert.Equal(t, numbers(all)[:3], append(numbers(page1), numbers(page2)...))
	assert.Equal(t, "OPP-000001", page2.Orders[0].Opportunity.Number)

	globex := decodeAs[orderListBody](t, e.call(demo.Gus, http.MethodGet, "/v1/orders", nil), http.StatusOK)
	assert.Empty(t, globex.Orders)
}

// draftOf is a draft of OPP-000001 with one line of the item.
func draftOf(itemID, quantity string) conversion.Draft {
	return conversion.Draft{
		Header: map[string]string{"title": "Listed", "customer_id": demo.Initech, "currency": "EUR", "order_date": "2026-03-01"},
		Lines: []conversion.Line{{OpportunityItemID: itemID, Quantity: decimal.RequireFromString(quantity),
			UnitPrice: decimal.RequireFromString("2.35")}},
	}
}
