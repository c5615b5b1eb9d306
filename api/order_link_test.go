package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmconvert/crmconvert/crm/demo"
)

// decodeAs checks the status and content type of an answer and decodes its body.
func decodeAs[T any](t *testing.T, r *reply, status int) T {
	t.Helper()
	require.Equal(t, status, r.Status, "body: %s", r.Body)
	require.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
	var v T
	require.NoError(t, json.Unmarshal(r.Body, &v), "body: %s", r.Body)
	return v
}

var (
	spareOrderPath = "/v1/orders/" + demo.SpareWidgetsOrder
	spareLinkPath  = spareOrderPath + "/opportunity"
)

func linkBody(oppID any, close bool) map[string]any {
	return map[string]any{"opportunity_id": oppID, "close_opportunity": close}
}

// reasonsOf lists the reasons of a page of a change log.
func reasonsOf(l changeListBody) []string {
	out := []string{}
	for _, c := range l.Changes {
		out = append(out, c.Reason)
	}
	return out
}

// SPEC 4.3: an order made without an opportunity is linked to one found by
// keyword, and the opportunity is closed in the same request by its owner;
// both change logs show it, with before and after.
func TestLinkAnOrderToAnOpportunityFoundByKeyword(t *testing.T) {
	e := newEnv(t)

	found := decodeAs[opportunityHitList](t, e.call(demo.Sam, http.MethodGet, "/v1/opportunities?q=initech+ren", nil), http.StatusOK)
	require.Len(t, found.Opportunities, 1)
	hit := found.Opportunities[0]
	assert.Equal(t, "OPP-000001", hit.Number)
	assert.Equal(t, "prefix", *hit.Match)

	r := e.call(demo.Sam, http.MethodPut, spareLinkPath, linkBody(hit.ID, true))
	linked := decodeAs[orderLinkBody](t, r, http.StatusOK)
	assert.True(t, linked.Changed)
	assert.True(t, linked.Closed)
	assert.Equal(t, "SO-2025-000042", linked.Order.Number)
	assert.Equal(t, &numberNameRef{ID: demo.InitechRenewal, Number: "OPP-000001", Name: "Initech renewal"}, linked.Order.Opportunity)
	require.NotNil(t, linked.Opportunity)
	assert.Equal(t, "won", linked.Opportunity.Status)
	assert.Equal(t, &ref{ID: demo.Sam, Name: "Sam Seller"}, linked.Opportunity.ClosedBy)
	require.Len(t, linked.Opportunity.Orders, 1)
	assert.Equal(t, "SO-2025-000042", linked.Opportunity.Orders[0].Number)

	// GET shows the same.
	order := decodeAs[orderBody](t, e.call(demo.Sam, http.MethodGet, spareOrderPath, nil), http.StatusOK)
	assert.Equal(t, "OPP-000001", order.Opportunity.Number)
	opp := decodeAs[opportunityBody](t, e.call(demo.Sam, http.MethodGet, "/v1/opportunities/"+demo.InitechRenewal, nil), http.StatusOK)
	assert.Equal(t, "won", opp.Status)
	assert.Equal(t, "SO-2025-000042", opp.Orders[0].Number)
	for _, it := range opp.Items {
		assert.Equal(t, it.Quantity, it.RemainingQuantity, "the linked order's lines came from no item of %s", it.ID)
	}
	orders := decodeAs[orderListBody](t, e.call(demo.Sam, http.MethodGet, "/v1/orders?opportunity_id="+demo.InitechRenewal, nil), http.StatusOK)
	require.Len(t, orders.Orders, 1)
	assert.Equal(t, "SO-2025-000042", orders.Orders[0].Number)
	assert.Equal(t, ref{ID: demo.Initech, Name: "Initech"}, orders.Orders[0].Customer)
	assert.Equal(t, "OPP-000001", orders.Orders[0].Opportunity.Number)

	// Both change logs, newest first: who, when, why, before and after.
	orderLog := decodeAs[changeListBody](t, e.call(demo.Sam, http.MethodGet, spareOrderPath+"/changes", nil), http.StatusOK)
	require.Len(t, orderLog.Changes, 1)
	entry := orderLog.Changes[0]
	assert.Equal(t, ref{ID: demo.Sam, Name: "Sam Seller"}, entry.User)
	assert.Equal(t, "opportunity OPP-000001 linked", entry.Reason)
	assert.False(t, entry.At.IsZero())
	assert.JSONEq(t, `{"opportunity_id":{"before":null,"after":"`+demo.InitechRenewal+`"},
		"opportunity":{"before":null,"after":"OPP-000001"}}`, mustJSON(t, entry.Changes))
	assert.Nil(t, orderLog.NextCursor)

	oppLog := decodeAs[changeListBody](t, e.call(demo.Sam, http.MethodGet, "/v1/opportunities/"+demo.InitechRenewal+"/changes", nil), http.StatusOK)
	assert.Equal(t, []string{"opportunity closed as won with order SO-2025-000042", "order SO-2025-000042 linked"}, reasonsOf(oppLog))
	assert.JSONEq(t, `{"status":{"before":"open","after":"won"}}`, mustJSON(t, oppLog.Changes[0].Changes))
	assert.JSONEq(t, `{"orders":{"before":null,"after":"SO-2025-000042"}}`, mustJSON(t, oppLog.Changes[1].Changes))
	assert.Equal(t, ref{ID: demo.Sam, Name: "Sam Seller"}, oppLog.Changes[0].User)

	// The same request again changes nothing, and says so.
	changes := e.count("changes")
	again := decodeAs[orderLinkBody](t, e.call(demo.Sam, http.MethodPut, spareLinkPath, linkBody(hit.ID, true)), http.StatusOK)
	assert.False(t, again.Changed)
	assert.False(t, again.Closed)
	assert.Equal(t, "won", again.Opportunity.Status)
	assert.Equal(t, changes, e.count("changes"))
}

func TestChangeAndUnlinkAnOrdersOpportunity(t *testing.T) {
	e := newEnv(t)
	linked := decodeAs[orderLinkBody](t, e.call(demo.Ada, http.MethodPut, spareLinkPath, linkBody(demo.UmbrellaLab, false)), http.StatusOK)
	assert.True(t, linked.Changed)
	assert.False(t, linked.Closed)
	assert.Equal(t, "open", linked.Opportunity.Status, "not closed unless asked")

	changed := decodeAs[orderLinkBody](t, e.call(demo.Ada, http.MethodPut, spareLinkPath, linkBody(demo.StarkSupport, true)), http.StatusOK)
	assert.True(t, changed.Changed)
	assert.True(t, changed.Closed, "Ada owns OPP-000005")
	assert.Equal(t, "OPP-000005", changed.Order.Opportunity.Number)

	unlinked := decodeAs[orderLinkBody](t, e.call(demo.Sam, http.MethodPut, spareLinkPath, `{"opportunity_id":null}`), http.StatusOK)
	assert.True(t, unlinked.Changed)
	assert.Nil(t, unlinked.Order.Opportunity)
	assert.Nil(t, unlinked.Opportunity)

	orderLog := decodeAs[changeListBody](t, e.call(demo.Vic, http.MethodGet, spareOrderPath+"/changes", nil), http.StatusOK)
	assert.Equal(t, []string{"opportunity OPP-000005 unlinked", "opportunity changed from OPP-000002 to OPP-000005", "opportunity OPP-000002 linked"}, reasonsOf(orderLog))
	assert.Equal(t, ref{ID: demo.Sam, Name: "Sam Seller"}, orderLog.Changes[0].User)
	assert.JSONEq(t, `{"opportunity_id":{"before":"`+demo.StarkSupport+`","after":null},"opportunity":{"before":"OPP-000005","after":null}}`,
		mustJSON(t, orderLog.Changes[0].Changes))
	assert.JSONEq(t, `{"opportunity_id":{"before":"`+demo.UmbrellaLab+`","after":"`+demo.StarkSupport+`"},"opportunity":{"before":"OPP-000002","after":"OPP-000005"}}`,
		mustJSON(t, orderLog.Changes[1].Changes))

	previous := decodeAs[changeListBody](t, e.call(demo.Vic, http.MethodGet, "/v1/opportunities/"+demo.UmbrellaLab+"/changes", nil), http.StatusOK)
	assert.Equal(t, []string{"order SO-2025-000042 unlinked", "order SO-2025-000042 linked"}, reasonsOf(previous))
	stark := decodeAs[changeListBody](t, e.call(demo.Vic, http.MethodGet, "/v1/opportunities/"+demo.StarkSupport+"/changes", nil), http.StatusOK)
	assert.Equal(t, []string{"order SO-2025-000042 unlinked", "opportunity closed as won with order SO-2025-000042", "order SO-2025-000042 linked"}, reasonsOf(stark))

	none := decodeAs[orderListBody](t, e.call(demo.Sam, http.MethodGet, "/v1/orders?opportunity_id="+demo.StarkSupport, nil), http.StatusOK)
	assert.Empty(t, none.Orders)
}

// TestLinkRefusalsChangeNothing sends link requests that must be refused,
// each with its status, problem type and fields, and checks that none of
// them linked, closed or logged anything.
func TestLinkRefusalsChangeNothing(t *testing.T) {
	e := newEnv(t)
	before := linkState(e)

	tests := []struct {
		name   string
		user   string
		path   string
		body   any
		header []string
		status int
		slug   string
		fields []string
	}{
		{"without order:update", demo.Mia, spareLinkPath, linkBody(demo.InitechRenewal, false), nil, 403, "forbidden", nil},
		{"without any permission", demo.Vic, spareLinkPath, linkBody(demo.InitechRenewal, true), nil, 403, "forbidden", nil},
		{"closing another's opportunity", demo.Sam, spareLinkPath, linkBody(demo.StarkSupport, true), nil, 403, "forbidden", nil},
		{"closing a won opportunity", demo.Sam, spareLinkPath, linkBody(demo.InitechRefresh, true), nil, 409, "conflict", nil},
		{"closing a won opportunity as admin", demo.Ada, spareLinkPath, linkBody(demo.InitechRefresh, true), nil, 409, "conflict", nil},
		{"another organization's order", demo.Gus, spareLinkPath, linkBody(demo.SoylentSupply, false), nil, 404, "not-found", nil},
		{"another organization's opportunity", demo.Sam, spareLinkPath, linkBody(demo.SoylentSupply, false), nil, 404, "not-found", nil},
		{"no such order", demo.Sam, "/v1/orders/50000000-0000-4000-8000-0000000000ff/opportunity", linkBody(demo.InitechRenewal, false), nil, 404, "not-found", nil},
		{"order id not an id", demo.Sam, "/v1/orders/SO-2025-000042/opportunity", linkBody(demo.InitechRenewal, false), nil, 404, "not-found", nil},
		{"opportunity id not an id", demo.Sam, spareLinkPath, linkBody("OPP-000001", false), nil, 422, "invalid", []string{"opportunity_id"}},
		{"empty opportunity id", demo.Sam, spareLinkPath, linkBody("", false), nil, 422, "invalid", []string{"opportunity_id"}},
		{"closing without an opportunity", demo.Sam, spareLinkPath, linkBody(nil, true), nil, 422, "invalid", []string{"close_opportunity"}},
		{"opportunity id missing", demo.Sam, spareLinkPath, `{"close_opportunity":false}`, nil, 400, "malformed-request", []string{"opportunity_id"}},
		{"unknown field", demo.Sam, spareLinkPath, `{"opportunity_id":null,"colour":"red"}`, nil, 400, "malformed-request", []string{"colour"}},
		{"opportunity id of the wrong type", demo.Sam, spareLinkPath, `{"opportunity_id":42}`, nil, 400, "malformed-request", []string{"opportunity_id"}},
		{"close of the wrong type", demo.Sam, spareLinkPath, `{"opportunity_id":null,"close_opportunity":"yes"}`, nil, 400, "malformed-request", []string{"close_opportunity"}},
		{"malformed JSON", demo.Sam, spareLinkPath, `{"opportunity_id":`, nil, 400, "malformed-request", nil},
		{"not an object", demo.Sam, spareLinkPath, `["` + demo.InitechRenewal + `"]`, nil, 400, "malformed-request", nil},
		{"no body", demo.Sam, spareLinkPath, nil, nil, 400, "malformed-request", nil},
		{"not JSON", demo.Sam, spareLinkPath, "opportunity_id=x", []string{"Content-Type", "text/plain"}, 415, "unsupported-media-type", nil},
		{"no token", "", spareLinkPath, linkBody(demo.InitechRenewal, false), nil, 401, "unauthorized", nil},
		{"wrong method", demo.Sam, spareLinkPath, nil, nil, 405, "method-not-allowed", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := http.MethodPut
			if tt.status == 405 {
				method = http.MethodPost
			}
			p := e.call(tt.user, method, tt.path, tt.body, tt.header...).problem(t, tt.status)
			assert.Equal(t, problemBase+tt.slug, p.Type)
			assert.Equal(t, tt.path, p.Instance)
			assert.NotEmpty(t, p.Detail)
			assert.Equal(t, tt.fields, p.fields())
			assert.Equal(t, before, linkState(e), "the refusal changed something")
		})
	}
}

// linkState sums up what a link could change: each order's opportunity,
// each opportunity's status and closer, and the change log's size.
func linkState(e *env) string {
	e.t.Helper()
	var s string
	err := e.db.NewRaw(`SELECT concat_ws(' | ',
		(SELECT string_agg(number || '=' || coalesce(opportunity_id::text, '-') || '@' || updated_at::text, ',' ORDER BY id) FROM orders),
		(SELECT string_agg(id::text || '=' || status || coalesce(closed_by::text, ''), ',' ORDER BY id) FROM opportunities),
		(SELECT count(*)::text FROM changes))`).Scan(e.t.Context(), &s)
	require.NoError(e.t, err)
	return s
}

// A converted order's change log shows its conversion; unlinked from its
// opportunity, it gives back the quantities it took.
func TestChangeLogOfAConvertedOrder(t *testing.T) {
	e := newEnv(t)
	path := conversionPath(demo.InitechRenewal)
	b := e.call(demo.Sam, http.MethodPost, path, nil).conversion(t, http.StatusCreated)
	e.call(demo.Sam, http.MethodPut, path+"/mapping", mappingWithTitle(b)).conversion(t, http.StatusOK)
	e.call(demo.Sam, http.MethodPut, path+"/items", map[string]any{"items": []map[string]string{
		{"opportunity_item_id": demo.RenewalWidgets, "quantity": "4"}}}).conversion(t, http.StatusOK)
	b = e.call(demo.Sam, http.MethodPost, path+"/save", nil).conversion(t, http.StatusOK)
	require.NotNil(t, b.Order)
	orderPath := "/v1/orders/" + b.Order.ID

	log := decodeAs[changeListBody](t, e.call(demo.Mia, http.MethodGet, orderPath+"/changes", nil), http.StatusOK)
	require.Len(t, log.Changes, 1)
	created := log.Changes[0]
	assert.Equal(t, "converted from OPP-000001", created.Reason)
	assert.Equal(t, ref{ID: demo.Sam, Name: "Sam Seller"}, created.User)
	assert.JSONEq(t, crmChange(nil, "Initech renewal"), mustJSON(t, created.Changes["title"]))
	assert.JSONEq(t, crmChange(nil, demo.InitechRenewal), mustJSON(t, created.Changes["opportunity_id"]))
	assert.Contains(t, created.Changes, "items")
	oppLog := decodeAs[changeListBody](t, e.call(demo.Mia, http.MethodGet, "/v1/opportunities/"+demo.InitechRenewal+"/changes", nil), http.StatusOK)
	assert.Equal(t, []string{"order " + b.Order.Number + " created from it"}, reasonsOf(oppLog))

	remaining := func() string {
		opp := decodeAs[opportunityBody](t, e.call(demo.Sam, http.MethodGet, "/v1/opportunities/"+demo.InitechRenewal, nil), http.StatusOK)
		return opp.Items[0].RemainingQuantity
	}
	assert.Equal(t, "6", remaining())
	decodeAs[orderLinkBody](t, e.call(demo.Sam, http.MethodPut, orderPath+"/opportunity", linkBody(nil, false)), http.StatusOK)
	assert.Equal(t, "10", remaining(), "an unlinked order takes nothing from the opportunity")
	decodeAs[orderLinkBody](t, e.call(demo.Sam, http.MethodPut, orderPath+"/opportunity", linkBody(demo.InitechRenewal, false)), http.StatusOK)
	assert.Equal(t, "6", remaining())

	log = decodeAs[changeListBody](t, e.call(demo.Mia, http.MethodGet, orderPath+"/changes?limit=2", nil), http.StatusOK)
	assert.Equal(t, []string{"opportunity OPP-000001 linked", "opportunity OPP-000001 unlinked"}, reasonsOf(log))
	require.NotNil(t, log.NextCursor)
	log = decodeAs[changeListBody](t, e.call(demo.Mia, http.MethodGet, orderPath+"/changes?limit=2&cursor="+url.QueryEscape(*log.NextCursor), nil), http.StatusOK)
	assert.Equal(t, []string{"converted from OPP-000001"}, reasonsOf(log))
	assert.Nil(t, log.NextCursor)
}

func crmChange(before, after any) string {
	raw, _ := json.Marshal(map[string]any{"before": before, "after": after})
	return string(raw)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return strings.TrimSpace(string(raw))
}
