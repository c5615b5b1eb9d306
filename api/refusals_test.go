package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmconvert/crmconvert/crm/demo"
)

// TestRefusedRequestsChangeNothing sends requests that must be refused, each
// with its status, problem type and fields, and checks that none of them
// wrote an order or a change, or moved a conversion on.
func TestRefusedRequestsChangeNothing(t *testing.T) {
	e := newEnv(t)
	atProducts := conversionPath(demo.InitechRenewal)
	b := e.call(demo.Sam, http.MethodPost, atProducts, nil).conversion(t, http.StatusCreated)
	products := e.call(demo.Sam, http.MethodPut, atProducts+"/mapping", mappingWithTitle(b)).conversion(t, http.StatusOK)
	atMapping := conversionPath(demo.UmbrellaLab)
	mapping := e.call(demo.Sam, http.MethodPost, atMapping, nil).conversion(t, http.StatusCreated)
	orders, changes := e.count("orders"), e.count("changes")

	pair := func(source, target string) map[string]string {
		return map[string]string{"source": source, "target": target}
	}
	tests := []struct {
		name         string
		user         string
		method, path string
		body         any
		headers      []string
		status       int
		slug         string
		fields       []string
	}{
		{"no item checked", demo.Sam, "PUT", atProducts + "/items", `{"items":[]}`, nil, 422, "invalid", []string{"items"}},
		{"quantity over what remains", demo.Sam, "PUT", atProducts + "/items",
			`{"items":[{"opportunity_item_id":"` + demo.RenewalSupport + `","quantity":"6"}]}`, nil, 422, "invalid", []string{"items[0].quantity"}},
		{"quantity not a number", demo.Sam, "PUT", atProducts + "/items",
			`{"items":[{"opportunity_item_id":"` + demo.RenewalSupport + `","quantity":"two"}]}`, nil, 422, "invalid", []string{"items[0].quantity"}},
		{"incompatible mapping", demo.Sam, "PUT", atProducts + "/mapping",
			map[string]any{"mapping": []any{pair("opportunity.expected_close_date", "order.currency")}}, nil, 422, "invalid", []string{"mapping[0].target"}},
		{"duplicate target", demo.Sam, "PUT", atProducts + "/mapping",
			map[string]any{"mapping": []any{pair("opportunity.name", "order.title"), pair("opportunity.number", "order.title")}}, nil, 422, "invalid", []string{"mapping[1].target"}},
		{"unknown mapping field", demo.Sam, "PUT", atProducts + "/mapping",
			map[string]any{"mapping": []any{pair("opportunity.colour", "order.title")}}, nil, 422, "invalid", []string{"mapping[0].source"}},
		{"customer of another organization", demo.Sam, "PATCH", atProducts + "/draft",
			map[string]any{"customer_id": demo.Soylent}, nil, 422, "invalid", []string{"customer_id"}},
		{"opportunity without items", demo.Sam, "POST", conversionPath(demo.StarkPilot), nil, nil, 422, "invalid", []string{"items"}},

		{"save at mapping", demo.Sam, "POST", atMapping + "/save", nil, nil, 409, "wrong-step", nil},
		{"draft at products", demo.Sam, "PATCH", atProducts + "/draft", `{"title":"x"}`, nil, 409, "wrong-step", nil},
		{"close decision at products", demo.Sam, "POST", atProducts + "/close-decision", `{"close":true}`, nil, 409, "wrong-step", nil},
		{"stale If-Match", demo.Sam, "POST", atProducts + "/back", nil, []string{"If-Match", `"1"`}, 412, "stale", nil},

		{"malformed JSON", demo.Sam, "PUT", atProducts + "/items", `{"items":[`, nil, 400, "malformed-request", nil},
		{"unknown field", demo.Sam, "PUT", atProducts + "/mapping",
			`{"mapping":[{"source":"opportunity.name","target":"order.title","colour":"red"}]}`, nil, 400, "malformed-request", []string{"mapping[0].colour"}},
		{"unknown draft field", demo.Sam, "PATCH", atProducts + "/draft", `{"colour":"red"}`, nil, 400, "malformed-request", []string{"colour"}},
		{"wrong type", demo.Sam, "PUT", atProducts + "/items",
			`{"items":[{"opportunity_item_id":"x","quantity":2}]}`, nil, 400, "malformed-request", []string{"items[0].quantity"}},
		{"close is required", demo.Sam, "POST", atProducts + "/close-decision", `{}`, nil, 400, "malformed-request", []string{"close"}},
		{"body on save", demo.Sam, "POST", atMapping + "/save", `{"now":true}`, nil, 400, "malformed-request", []string{"now"}},
		{"malformed If-Match", demo.Sam, "POST", atProducts + "/back", nil, []string{"If-Match", "yesterday"}, 400, "malformed-request", []string{"If-Match"}},
		{"Idempotency-Key too long", demo.Sam, "POST", atProducts + "/back", nil,
			[]string{"Idempotency-Key", strings.Repeat("k", 201)}, 400, "malformed-request", []string{"Idempotency-Key"}},
		{"not JSON", demo.Sam, "PUT", atProducts + "/items", "items=1", []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "unsupported-media-type", nil},
		{"body too large", demo.Sam, "PUT", atProducts + "/items", `{"items":"` + strings.Repeat("x", 1<<20) + `"}`, nil, 413, "payload-too-large", nil},

		{"no order:create", demo.Vic, "POST", atMapping, nil, nil, 403, "forbidden", nil},
		{"no order:create for a step", demo.Vic, "POST", atProducts + "/back", nil, nil, 403, "forbidden", nil},
		{"another user's step", demo.Mia, "POST", atProducts + "/back", nil, nil, 403, "forbidden", nil},
		{"another user cancels", demo.Mia, "DELETE", atProducts, nil, nil, 403, "forbidden", nil},

		{"another organization's opportunity", demo.Gus, "POST", atProducts, nil, nil, 404, "not-found", nil},
		{"another organization's conversion", demo.Gus, "GET", atProducts, nil, nil, 404, "not-found", nil},
		{"another organization's step", demo.Gus, "POST", atProducts + "/back", nil, nil, 404, "not-found", nil},
		{"another organization's cancel", demo.Gus, "DELETE", atProducts, nil, nil, 404, "not-found", nil},
		{"another organization's opportunity read", demo.Gus, "GET", "/v1/opportunities/" + demo.InitechRenewal, nil, nil, 404, "not-found", nil},
		{"another organization's order read", demo.Gus, "GET", "/v1/orders/" + demo.SpareWidgetsOrder, nil, nil, 404, "not-found", nil},
		{"no conversion", demo.Sam, "GET", conversionPath(demo.StarkSupport), nil, nil, 404, "not-found", nil},
		{"id not a UUID", demo.Sam, "POST", conversionPath("OPP-000001"), nil, nil, 404, "not-found", nil},
		{"order id not a UUID", demo.Sam, "GET", "/v1/orders/42", nil, nil, 404, "not-found", nil},
		{"unknown route", demo.Sam, "GET", "/v1/nothing", nil, nil, 404, "not-found", nil},
		{"method not allowed", demo.Sam, "PUT", atProducts, `{}`, nil, 405, "method-not-allowed", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.call(tt.user, tt.method, tt.path, tt.body, tt.headers...)
			p := r.problem(t, tt.status)
			assert.Equal(t, problemBase+tt.slug, p.Type)
			assert.Equal(t, strings.SplitN(tt.path, "?", 2)[0], p.Instance)
			assert.NotEmpty(t, p.Detail)
			assert.Equal(t, tt.fields, p.fields())
		})
	}

	assert.Equal(t, orders, e.count("orders"), "no order written")
	assert.Equal(t, changes, e.count("changes"), "no change logged")
	assert.Equal(t, products.Version, e.call(demo.Sam, http.MethodGet, atProducts, nil).conversion(t, http.StatusOK).Version)
	assert.Equal(t, mapping.Version, e.call(demo.Sam, http.MethodGet, atMapping, nil).conversion(t, http.StatusOK).Version)
}

func TestOpportunityWithoutItems(t *testing.T) {
	e := newEnv(t)
	p := e.call(demo.Sam, http.MethodPost, conversionPath(demo.StarkPilot), nil).problem(t, http.StatusUnprocessableEntity)
	assert.Equal(t, "opportunities without any details cannot be converted: complete the data first", p.Detail)
}

func TestMethodNotAllowedNamesTheAllowedOnes(t *testing.T) {
	e := newEnv(t)
	r := e.call(demo.Sam, http.MethodPut, conversionPath(demo.InitechRenewal, "save"), nil)
	r.problem(t, http.StatusMethodNotAllowed)
	require.Equal(t, "POST", r.Header.Get("Allow"))
}
