package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"
)

// contextWithBody is a gin context for a request with this body and headers.
func contextWithBody(body string, header ...string) *gin.Context {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodPut, "/", strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		c.Request.Header.Set(header[i], header[i+1])
	}
	return c
}

func fieldsOf(err error) []string {
	p, ok := err.(*Problem)
	if !ok {
		return nil
	}
	var fields []string
	for _, f := range p.Errors {
		fields = append(fields, f.Field)
	}
	return fields
}

func TestDecodeBodyNamesTheFieldsAtFault(t *testing.T) {
	tests := []struct {
		body   string
		fields []string // nil: no field errors
		ok     bool
	}{
		{body: `{"items":[{"opportunity_item_id":"a","quantity":"2"}]}`, ok: true},
		{body: `{"items":[{"opportunity_item_id":"a","quantity":"2","price":"1"}]}`, fields: []string{"items[0].price"}},
		{body: `{"items":[{"opportunity_item_id":"a"},{"opportunity_item_id":7,"quantity":2}]}`,
			fields: []string{"items[1].opportunity_item_id", "items[1].quantity"}},
		{body: `{"items":{}}`, fields: []string{"items"}},
		{body: `{"itemz":[]}`, fields: []string{"itemz"}},
		{body: `{"items":[`},
		{body: `[]`},
		{body: `{} {}`},
		{body: ``},
	}
	for _, tt := range tests {
		var got itemsRequest
		err := decodeBody(contextWithBody(tt.body), &got)
		if tt.ok {
			if err != nil {
				t.Errorf("decode %s: %v", tt.body, err)
			}
			continue
		}
		p, isProblem := err.(*Problem)
		if !isProblem || p.Status != http.StatusBadRequest {
			t.Errorf("decode %s = %v, want a 400 problem", tt.body, err)
			continue
		}
		if !reflect.DeepEqual(fieldsOf(err), tt.fields) {
			t.Errorf("decode %s: fields %v, want %v", tt.body, fieldsOf(err), tt.fields)
		}
	}
}

func TestDraftPatch(t *testing.T) {
	noCustomers := func(context.Context, string) (bool, error) { return false, nil }
	read := func(body string) any {
		v, err := readJSON(contextWithBody(body))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	v := read(`{"title":"New title","notes":null,"custom":{"region":"south","budget":12.5,"flag":true,"due":null},
		"lines":[{"opportunity_item_id":"i1","unit_price":"9.50","discount_percent":"5"},{"opportunity_item_id":"i2","remove":true}]}`)
	patch, err := draftPatch(t.Context(), v, noCustomers)
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := map[string]string{"title": "New title", "notes": "", "custom.region": "south",
		"custom.budget": "12.5", "custom.flag": "true", "custom.due": ""}
	if !reflect.DeepEqual(patch.Header, wantHeader) {
		t.Errorf("header = %v, want %v", patch.Header, wantHeader)
	}
	price := decimal.RequireFromString("9.50")
	if len(patch.Lines) != 2 || !patch.Lines[0].UnitPrice.Equal(price) || patch.Lines[0].Quantity != nil || !patch.Lines[1].Remove {
		t.Errorf("lines = %+v", patch.Lines)
	}

	refused := []struct {
		body   string
		status int
		fields []string
	}{
		{`{"colour":"red"}`, 400, []string{"colour"}},
		{`{"title":3}`, 400, []string{"title"}},
		{`{"custom":{"region":["a"]}}`, 400, []string{"custom.region"}},
		{`{"lines":[{"opportunity_item_id":"i1","unit_price":9.5}]}`, 400, []string{"lines[0].unit_price"}},
		{`{"lines":[{"opportunity_item_id":"i1","quantity":"two"}]}`, 422, []string{"lines[0].quantity"}},
		{`{"customer_id":"c0000000-0000-4000-8000-000000000099"}`, 422, []string{"customer_id"}},
	}
	for _, tt := range refused {
		_, err := draftPatch(t.Context(), read(tt.body), noCustomers)
		p, ok := err.(*Problem)
		if !ok || p.Status != tt.status || !reflect.DeepEqual(fieldsOf(err), tt.fields) {
			t.Errorf("draftPatch(%s) = %v (fields %v), want %d with fields %v", tt.body, err, fieldsOf(err), tt.status, tt.fields)
		}
	}
}

func TestIfMatch(t *testing.T) {
	three := 3
	tests := []struct {
		header string
		want   *int
		ok     bool
	}{
		{"", nil, true}, {"*", nil, true}, {`"3"`, &three, true}, {"3", &three, true}, {`W/"3"`, &three, true},
		{`"three"`, nil, false}, {`"-1"`, nil, false}, {`"3`, nil, false},
	}
	for _, tt := range tests {
		got, err := ifMatch(contextWithBody("", "If-Match", tt.header))
		if (err == nil) != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("If-Match %q = %v, %v", tt.header, got, err)
		}
	}
}

func TestUpdateIDIsScopedToUserAndAction(t *testing.T) {
	c := contextWithBody("", "Idempotency-Key", "k-1")
	a, _ := updateID(c, "u1", "save")
	b, _ := updateID(c, "u2", "save")
	d, _ := updateID(c, "u1", "back")
	if a == b || a == d || a != "u1/save/k-1" {
		t.Errorf("update ids %q %q %q", a, b, d)
	}
	if _, err := updateID(contextWithBody("", "Idempotency-Key", strings.Repeat("k", 201)), "u1", "save"); err == nil {
		t.Error("a 201-character key was accepted")
	}
	x, _ := updateID(contextWithBody(""), "u1", "save")
	y, _ := updateID(contextWithBody(""), "u1", "save")
	if x == y {
		t.Error("two requests without a key share an update id")
	}
}

func TestMoney(t *testing.T) {
	tests := []struct{ amount, currency, want string }{
		{"12.5", "EUR", "12.50"}, {"1200", "JPY", "1200"}, {"1.5", "KWD", "1.500"},
		{"0.1234", "EUR", "0.1234"}, {"3", "", "3.00"},
	}
	for _, tt := range tests {
		if got := money(decimal.RequireFromString(tt.amount), tt.currency); got != tt.want {
			t.Errorf("money(%s, %s) = %s, want %s", tt.amount, tt.currency, got, tt.want)
		}
	}
	if got := quantity(decimal.RequireFromString("2.000")); got != "2" {
		t.Errorf("quantity(2.000) = %s", got)
	}
}
