package api

// Fuzz targets of the request decoders: whatever the body, a decoder returns
// either a value within the API's bounds (one that makes a Temporal payload
// well under its 2 MB limit) or a problem with a 4xx status; it never
// panics and never answers 5xx.
//
// Seed corpora are in testdata/fuzz/<target>; `go test` runs them. To fuzz
// (the package's TestMain starts a Temporal dev server first, in each fuzz
// worker too):
//
//	go test -run '^$' -fuzz '^FuzzDraftPatch$' -fuzztime 2m ./api

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm/demo"
	"github.com/crmconvert/crmconvert/workflows"
)

// maxPayload is well under Temporal's 2 MB payload limit.
const maxPayload = 1 << 20

// valueOrProblem fails unless err is nil or a 4xx problem a client can read.
func valueOrProblem(t *testing.T, body string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var p *Problem
	if !errors.As(err, &p) {
		t.Fatalf("%q: not a problem: %T %v", body, err, err)
	}
	if p.Status < 400 || p.Status > 499 || p.Type == "" || p.Title == "" || p.Detail == "" {
		t.Fatalf("%q: problem %+v", body, p)
	}
	if len(p.Errors) > maxFieldErrors {
		t.Fatalf("%q: %d field errors", body, len(p.Errors))
	}
	if _, err := json.Marshal(p); err != nil {
		t.Fatalf("%q: the problem does not marshal: %v", body, err)
	}
}

// smallPayload fails unless the Update's argument makes a small payload.
func smallPayload(t *testing.T, arg any) {
	t.Helper()
	raw, err := json.Marshal(arg)
	if err != nil {
		t.Fatalf("the Update's argument does not marshal: %v", err)
	}
	if len(raw) > maxPayload {
		t.Fatalf("the Update's argument is %d bytes", len(raw))
	}
}

func FuzzDecodeMapping(f *testing.F) {
	for _, seed := range []string{
		`{"mapping":[{"source":"opportunity.name","target":"order.title"}]}`,
		`{"mapping":[{"source":"opportunity.custom.region","target":"order.custom.region"},{"source":"opportunity.currency","target":"order.currency"}]}`,
		`{"mapping":[]}`, `{"mapping":null}`, `{}`, `[]`, `null`, ``, `{"mapping":{}}`,
		`{"mapping":[{"source":"opportunity.name","target":"order.title","colour":"red"}]}`,
		`{"mapping":[{"source":7,"target":true}]}`, `{"mapping":[1,"a",null,[]]}`,
		`{"mapping":[{"source":"` + strings.Repeat("x", 300) + `","target":"order.title"}]}`,
		`{"mapping":[]} {}`, `{"mapping":[`, "\xff\xfe",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var b mappingRequest
		err := decodeBody(contextWithBody(body), &b)
		valueOrProblem(t, body, err)
		if err != nil {
			return
		}
		if len(b.Mapping) > maxMappingPairs {
			t.Fatalf("%d pairs", len(b.Mapping))
		}
		for _, p := range b.Mapping {
			if len(p.Source) > maxFieldNameLength || len(p.Target) > maxFieldNameLength {
				t.Fatalf("pair %+v", p)
			}
		}
		smallPayload(t, workflows.MappingRequest{Mapping: b.Mapping})
	})
}

func FuzzDecodeItems(f *testing.F) {
	item := `{"opportunity_item_id":"` + demo.RenewalWidgets + `","quantity":`
	for _, seed := range []string{
		`{"items":[` + item + `"4"}]}`,
		`{"items":[` + item + `"2.5"},{"opportunity_item_id":"` + demo.RenewalSupport + `","quantity":"0.0001"}]}`,
		`{"items":[` + item + `"1e3"}]}`, `{"items":[` + item + `"-1"}]}`, `{"items":[` + item + `"0.00001"}]}`,
		`{"items":[` + item + `"100000000000000"}]}`, `{"items":[` + item + `2}]}`, `{"items":[` + item + `" 7 "}]}`,
		`{"items":[{"quantity":"1"}]}`, `{"items":[{"opportunity_item_id":"","quantity":""}]}`,
		`{"items":[]}`, `{"items":null}`, `{"items":{}}`, `{"itemz":[]}`, `[]`, ``,
		`{"items":[` + item + `"1","unit_price":"0.01"}]}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var b itemsRequest
		err := decodeBody(contextWithBody(body), &b)
		valueOrProblem(t, body, err)
		if err != nil {
			return
		}
		picks, err := b.picks()
		valueOrProblem(t, body, err)
		if err != nil {
			return
		}
		if len(picks) > conversion.MaxLines {
			t.Fatalf("%d picks", len(picks))
		}
		for _, p := range picks {
			if p.OpportunityItemID == "" || len(p.OpportunityItemID) > maxIDLength ||
				conversion.ValidateValue(conversion.TypeNumber, "q", p.Quantity.String()) != "" {
				t.Fatalf("pick %+v", p)
			}
		}
		smallPayload(t, workflows.ItemsRequest{Items: picks})
	})
}

func FuzzDraftPatch(f *testing.F) {
	line := `{"opportunity_item_id":"` + demo.RenewalWidgets + `"`
	for _, seed := range []string{
		`{"title":"Renewal 2026","delivery_date":"2026-10-01","custom":{"region":"south","budget":12.5,"flag":true,"due":null}}`,
		`{"notes":null,"lines":[` + line + `,"unit_price":"9.50","discount_percent":"5"},` + line + `,"remove":true}]}`,
		`{"customer_id":"` + demo.Initech + `","currency":"EUR","order_date":"2026-02-30"}`,
		`{"customer_id":"` + demo.Soylent + `"}`, `{"customer_id":"not-a-uuid"}`, `{"currency":"eur"}`,
		`{"title":3}`, `{"colour":"red"}`, `{"custom":[]}`, `{"custom":{"a b":"x","":"y"}}`, `{"custom":{"budget":1e400}}`,
		`{"lines":[` + line + `,"quantity":"two"}]}`, `{"lines":[` + line + `,"quantity":2}]}`, `{"lines":{}}`,
		`{"lines":[` + line + `,"unit_price":"99999999999999.99999"}]}`, `{"lines":[{"remove":true}]}`,
		`{"notes":"` + strings.Repeat("n", 10001) + `"}`, `{"title":"` + strings.Repeat("t", 2001) + `"}`,
		`{}`, `[]`, `null`, `"x"`, `{"title":"a"} {}`,
	} {
		f.Add(seed)
	}
	customers := func(_ context.Context, id string) (bool, error) { return id == demo.Initech, nil }
	f.Fuzz(func(t *testing.T, body string) {
		v, err := readJSON(contextWithBody(body))
		valueOrProblem(t, body, err)
		if err != nil || v == nil {
			return
		}
		patch, err := draftPatch(t.Context(), v, customers)
		valueOrProblem(t, body, err)
		if err != nil {
			return
		}
		custom := 0
		for name, value := range patch.Header {
			if typ, builtin := headerFields[name]; builtin {
				if msg := conversion.ValidateValue(typ, name, value); msg != "" {
					t.Fatalf("header %s = %q let through: %s", name, value, msg)
				}
				continue
			}
			custom++
			if !strings.HasPrefix(name, "custom.") || len(value) > conversion.MaxTextLength {
				t.Fatalf("header %s = %q let through", name, value)
			}
		}
		if custom > maxCustomValues || len(patch.Lines) > conversion.MaxLines {
			t.Fatalf("%d custom fields, %d lines", custom, len(patch.Lines))
		}
		for _, l := range patch.Lines {
			for _, amount := range []string{str(l.Quantity), str(l.UnitPrice), str(l.DiscountPercent)} {
				if amount != "" && conversion.ValidateValue(conversion.TypeNumber, "x", amount) != "" {
					t.Fatalf("line %+v let through", l)
				}
			}
		}
		smallPayload(t, workflows.DraftRequest{Patch: patch})
	})
}

func FuzzDecodeClose(f *testing.F) {
	for _, seed := range []string{
		`{"close":true}`, `{"close":false}`, `{"close":null}`, `{}`, `{"close":"yes"}`, `{"close":1}`,
		`{"close":true,"status":"won"}`, `[]`, ``, `null`, `{"close":true}{}`, `{"close":tru`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var b closeRequest
		err := decodeBody(contextWithBody(body), &b)
		valueOrProblem(t, body, err)
		if err == nil && b.Close != nil {
			smallPayload(t, workflows.CloseRequest{Close: *b.Close})
		}
		// The steps without a body (save, back, start) take only {} or nothing.
		err = refuseBody(contextWithBody(body))
		valueOrProblem(t, body, err)
		if err == nil && strings.TrimSpace(body) != "" {
			var obj map[string]any
			if json.Unmarshal([]byte(body), &obj) != nil || len(obj) != 0 {
				t.Fatalf("a body step took %q", body)
			}
		}
	})
}

func str[T interface{ String() string }](v *T) string {
	if v == nil {
		return ""
	}
	return (*v).String()
}
