package api

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm/demo"
	"github.com/crmconvert/crmconvert/workflows"
)

// TestNoCallerSetsProtectedProperties sends bodies that try to set what only
// the service sets (the organization, ids, the order number, totals and line
// totals, created-by, status, the conversion key, the workflow's own state):
// each is refused, 400 naming the unknown field (422 for a mapping target or
// custom field that does not exist), and nothing changes. Then the order is
// saved, and has the number, organization, creator, totals and key the
// service gave it.
func TestNoCallerSetsProtectedProperties(t *testing.T) {
	e := newEnvWith(t, func(c *Config) { c.RateLimit = -1 })
	m := &matrixEnv{env: e, t: t}
	m.prepare(fxDraft)
	before := m.snapshot()
	conv := conversionPath(demo.InitechRenewal)
	draft := e.call(demo.Sam, http.MethodGet, conv, nil).conversion(t, http.StatusOK)

	line := func(extra string) string {
		return `{"lines":[{"opportunity_item_id":"` + demo.RenewalWidgets + `","quantity":"1",` + extra + `}]}`
	}
	item := `{"opportunity_item_id":"` + demo.RenewalWidgets + `","quantity":"1"`
	pair := func(target string) map[string]any {
		return map[string]any{"mapping": []conversion.Pair{{Source: "opportunity.name", Target: target}}}
	}
	tests := []struct {
		name         string
		method, path string
		body         any
		status       int
		field        string
	}{
		{"draft: organization", "PATCH", conv + "/draft", map[string]any{"organization_id": demo.Globex}, 400, "organization_id"},
		{"draft: order id", "PATCH", conv + "/draft", map[string]any{"id": uuid.NewString()}, 400, "id"},
		{"draft: order number", "PATCH", conv + "/draft", map[string]any{"number": "SO-2026-999999"}, 400, "number"},
		{"draft: totals", "PATCH", conv + "/draft", map[string]any{"totals": map[string]string{"total": "0.01"}}, 400, "totals"},
		{"draft: subtotal", "PATCH", conv + "/draft", map[string]any{"subtotal": "0.01"}, 400, "subtotal"},
		{"draft: total", "PATCH", conv + "/draft", map[string]any{"total": "0.01"}, 400, "total"},
		{"draft: tax total", "PATCH", conv + "/draft", map[string]any{"tax_total": "0"}, 400, "tax_total"},
		{"draft: created by", "PATCH", conv + "/draft", map[string]any{"created_by": demo.Mia}, 400, "created_by"},
		{"draft: status", "PATCH", conv + "/draft", map[string]any{"status": "confirmed"}, 400, "status"},
		{"draft: conversion key", "PATCH", conv + "/draft", map[string]any{"conversion_key": "conversion/x/y"}, 400, "conversion_key"},
		{"draft: opportunity", "PATCH", conv + "/draft", map[string]any{"opportunity_id": demo.UmbrellaLab}, 400, "opportunity_id"},
		{"draft: the workflow's header", "PATCH", conv + "/draft", map[string]any{"header": map[string]string{"title": "x"}}, 400, "header"},
		{"draft: step", "PATCH", conv + "/draft", map[string]any{"step": "completed"}, 400, "step"},
		{"draft: version", "PATCH", conv + "/draft", map[string]any{"version": 99}, 400, "version"},
		{"draft: line total", "PATCH", conv + "/draft", line(`"line_total":"0.01"`), 400, "lines[0].line_total"},
		{"draft: tax rate", "PATCH", conv + "/draft", line(`"tax_rate":"0"`), 400, "lines[0].tax_rate"},
		{"draft: line's order", "PATCH", conv + "/draft", line(`"order_id":"` + uuid.NewString() + `"`), 400, "lines[0].order_id"},
		{"draft: remaining quantity", "PATCH", conv + "/draft", line(`"remaining_quantity":"1000"`), 400, "lines[0].remaining_quantity"},
		{"draft: custom organization", "PATCH", conv + "/draft", map[string]any{"custom": map[string]string{"organization_id": demo.Globex}}, 422, "custom.organization_id"},
		{"items: organization", "PUT", conv + "/items", `{"organization_id":"` + demo.Globex + `","items":[` + item + `}]}`, 400, "organization_id"},
		{"items: unit price", "PUT", conv + "/items", `{"items":[` + item + `,"unit_price":"0.01"}]}`, 400, "items[0].unit_price"},
		{"items: remaining", "PUT", conv + "/items", `{"items":[` + item + `,"remaining_quantity":"1000"}]}`, 400, "items[0].remaining_quantity"},
		{"mapping: organization", "PUT", conv + "/mapping", `{"organization_id":"x","mapping":[]}`, 400, "organization_id"},
		{"mapping: to the order number", "PUT", conv + "/mapping", pair("order.number"), 422, "mapping[0].target"},
		{"mapping: to the organization", "PUT", conv + "/mapping", pair("order.organization_id"), 422, "mapping[0].target"},
		{"mapping: to the status", "PUT", conv + "/mapping", pair("order.status"), 422, "mapping[0].target"},
		{"mapping: to the total", "PUT", conv + "/mapping", pair("order.total"), 422, "mapping[0].target"},
		{"mapping: to created by", "PUT", conv + "/mapping", pair("order.created_by"), 422, "mapping[0].target"},
		{"save: number and totals", "POST", conv + "/save", map[string]any{"number": "SO-2026-000001", "total": "0"}, 400, "number"},
		{"save: conversion key", "POST", conv + "/save", map[string]any{"conversion_key": "mine"}, 400, "conversion_key"},
		{"start: organization and starter", "POST", conv, map[string]any{"organization_id": demo.Globex, "started_by": demo.Mia}, 400, "organization_id"},
		{"start: workflow id", "POST", conv, map[string]any{"workflow_id": "conversion/x/y"}, 400, "workflow_id"},
		{"close decision: status", "POST", conv + "/close-decision", map[string]any{"close": true, "status": "won"}, 400, "status"},
		{"close decision: closed by", "POST", conv + "/close-decision", map[string]any{"close": true, "closed_by": demo.Ada}, 400, "closed_by"},
		{"link: organization", "PUT", "/v1/orders/" + demo.SpareWidgetsOrder + "/opportunity",
			map[string]any{"opportunity_id": demo.UmbrellaLab, "organization_id": demo.Globex}, 400, "organization_id"},
		{"link: status", "PUT", "/v1/orders/" + demo.SpareWidgetsOrder + "/opportunity",
			map[string]any{"opportunity_id": demo.UmbrellaLab, "status": "cancelled"}, 400, "status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := e.call(demo.Sam, tt.method, tt.path, tt.body).problem(t, tt.status)
			assert.Contains(t, p.fields(), tt.field)
			if tt.status == http.StatusBadRequest {
				assert.Equal(t, problemBase+"malformed-request", p.Type)
			}
		})
	}
	require.Equal(t, before, m.snapshot(), "a refused body changed something")

	// The order the service writes has the properties it gives.
	saved := e.call(demo.Sam, http.MethodPost, conv+"/save", nil).conversion(t, http.StatusOK)
	require.NotNil(t, saved.Order)
	var row struct {
		OrganizationID, Number, CreatedBy, Status, ConversionKey string
		Subtotal, TaxTotal, Total                                decimal.Decimal
	}
	require.NoError(t, e.db.NewRaw(`SELECT organization_id, number, created_by, status, conversion_key, subtotal, tax_total, total
		FROM orders WHERE id = ?`, saved.Order.ID).Scan(t.Context(), &row))
	assert.Equal(t, demo.Acme, row.OrganizationID)
	assert.Regexp(t, regexp.MustCompile(`^SO-\d{4}-\d{6}$`), row.Number)
	assert.Equal(t, saved.Order.Number, row.Number)
	assert.Equal(t, demo.Sam, row.CreatedBy)
	assert.NotEqual(t, "confirmed", row.Status)
	assert.True(t, strings.HasPrefix(row.ConversionKey, workflows.WorkflowID(demo.Acme, demo.InitechRenewal)+"/"), row.ConversionKey)
	totals := draft.Draft.Totals
	assert.Equal(t, totals.Subtotal+" "+totals.Tax+" "+totals.Total,
		row.Subtotal.StringFixed(2)+" "+row.TaxTotal.StringFixed(2)+" "+row.Total.StringFixed(2), "the totals the service computed")
}

// TestDevSignInOnlyWhenConfigured checks that the development sign-in, which
// gives a token for any user, is not mounted unless Config.DevSignIn says so
// (only `crmconvert dev` does).
func TestDevSignInOnlyWhenConfigured(t *testing.T) {
	for _, devSignIn := range []bool{false, true} {
		srv := New(Config{JWTSecret: testSecret, DevSignIn: devSignIn}, Deps{Logger: slog.New(slog.DiscardHandler)})
		for _, req := range []*http.Request{
			httptest.NewRequest(http.MethodGet, "/dev/users", nil),
			httptest.NewRequest(http.MethodPost, "/dev/token", strings.NewReader(`{"user_id":"`+demo.Ada+`"}`)),
		} {
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, req)
			if devSignIn {
				assert.NotEqual(t, http.StatusNotFound, rec.Code, "%s %s with DevSignIn", req.Method, req.URL.Path)
			} else {
				assert.Equal(t, http.StatusNotFound, rec.Code, "%s %s without DevSignIn", req.Method, req.URL.Path)
				assert.NotContains(t, rec.Body.String(), "token\":")
			}
		}
	}
}

// TestEveryAnswerSaysNoSniffNoStore checks the headers every answer
// carries, errors and the public routes included.
func TestEveryAnswerSaysNoSniffNoStore(t *testing.T) {
	srv := New(Config{JWTSecret: testSecret}, Deps{Logger: slog.New(slog.DiscardHandler)})
	for _, path := range []string{"/healthz", "/v1/orders/" + demo.SpareWidgetsOrder, "/nothing"} {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"), path)
		assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"), path)
	}
}
