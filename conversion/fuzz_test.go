package conversion

// Fuzz targets of the step validators: whatever a step carries, a validator
// answers nil or a refusal of kind Invalid naming fields, never panics, and
// what it lets through the step applies cleanly (a mapping of known,
// compatible fields with each target once; picks and lines within what
// remains; totals that add up).
//
// Seed corpora are in testdata/fuzz/<target>; `go test` runs them. To fuzz:
//
//	go test -run '^$' -fuzz '^FuzzValidatePatch$' -fuzztime 2m ./conversion

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// fuzzCustom are custom fields of every type, on both sides.
var fuzzCustom = []CustomField{
	{Object: "opportunity", Name: "region", Type: TypeText},
	{Object: "opportunity", Name: "budget", Type: TypeMoney},
	{Object: "opportunity", Name: "probability", Type: TypeNumber},
	{Object: "opportunity", Name: "deadline", Type: TypeDate},
	{Object: "opportunity", Name: "strategic", Type: TypeBoolean},
	{Object: "order", Name: "region", Type: TypeText},
	{Object: "order", Name: "budget", Type: TypeMoney},
	{Object: "order", Name: "score", Type: TypeNumber},
	{Object: "order", Name: "due", Type: TypeDate},
	{Object: "order", Name: "flag", Type: TypeBoolean},
}

// fuzzOpportunity has three items, one of them partly ordered already.
func fuzzOpportunity() *Opportunity {
	d := decimal.RequireFromString
	amount := d("1234.50")
	return &Opportunity{
		ID: "e0000000-0000-4000-8000-000000000001", OrganizationID: "a0000000-0000-4000-8000-000000000001",
		Number: "OPP-000001", Name: "Initech renewal", CustomerID: "c0000000-0000-4000-8000-000000000001",
		OwnerID: "b0000000-0000-4000-8000-000000000002", Status: "open", Currency: "EUR",
		ExpectedCloseDate: "2026-12-31", Amount: &amount, PaymentTerms: "30 days",
		Custom: map[string]any{"region": "north", "budget": "5000.00", "probability": 0.75, "deadline": "2026-11-30", "strategic": true},
		Items: []Item{
			{ID: "f0000000-0000-4000-8000-000000000001", Quantity: d("10"), UnitPrice: d("19.99"), DiscountPercent: d("10"), TaxRate: d("19"), Remaining: d("10")},
			{ID: "f0000000-0000-4000-8000-000000000002", Quantity: d("5"), UnitPrice: d("95"), TaxRate: d("19"), Remaining: d("2.5")},
			{ID: "f0000000-0000-4000-8000-000000000003", Quantity: d("100"), UnitPrice: d("0.0125"), DiscountPercent: d("5"), TaxRate: d("7"), Remaining: d("100")},
		},
	}
}

const fuzzToday = "2026-06-01"

// fuzzState is a conversion at the draft step with two lines.
func fuzzState(t *testing.T) *State {
	s := &State{StartedBy: User{ID: "u1", Name: "Sam"}, StartedAt: time.Unix(0, 0)}
	s.Load(fuzzOpportunity(), fuzzCustom, nil)
	m := append(Mapping{{Source: "opportunity.name", Target: "order.title"}}, s.Mapping...)
	if err := s.SetMapping(m, fuzzToday); err != nil {
		t.Fatal(err)
	}
	picks := []Pick{
		{OpportunityItemID: "f0000000-0000-4000-8000-000000000001", Quantity: decimal.NewFromInt(2)},
		{OpportunityItemID: "f0000000-0000-4000-8000-000000000003", Quantity: decimal.NewFromInt(40)},
	}
	if err := s.SetPicks(picks, fuzzToday); err != nil {
		t.Fatal(err)
	}
	return s
}

// refusalOrNil fails the test unless err is nil or an Invalid refusal
// naming fields, each accepted by fieldOK.
func refusalOrNil(t *testing.T, err error, fieldOK func(string) bool) {
	t.Helper()
	if err == nil {
		return
	}
	var r *Error
	if !errors.As(err, &r) {
		t.Fatalf("not a refusal: %T %v", err, err)
	}
	if r.Kind != KindInvalid || len(r.Fields) == 0 || r.Detail == "" {
		t.Fatalf("refusal without kind Invalid, fields and detail: %+v", r)
	}
	for _, f := range r.Fields {
		if !fieldOK(f.Field) || f.Message == "" {
			t.Fatalf("field error %+v", f)
		}
	}
}

func FuzzCatalogValidate(f *testing.F) {
	for _, seed := range []string{
		`[{"source":"opportunity.name","target":"order.title"}]`,
		`[{"source":"opportunity.customer_id","target":"order.customer_id"},{"source":"opportunity.currency","target":"order.currency"}]`,
		`[{"source":"opportunity.amount","target":"order.custom.budget"},{"source":"opportunity.custom.probability","target":"order.custom.score"}]`,
		`[{"source":"opportunity.name","target":"order.title"},{"source":"opportunity.number","target":"order.title"}]`,
		`[{"source":"opportunity.expected_close_date","target":"order.currency"}]`,
		`[{"source":"opportunity.colour","target":"order.title"},{"source":"","target":""}]`,
		`[]`,
	} {
		f.Add(seed)
	}
	catalog := NewCatalog(fuzzCustom)
	f.Fuzz(func(t *testing.T, raw string) {
		var m Mapping
		if json.Unmarshal([]byte(raw), &m) != nil {
			return
		}
		err := catalog.Validate(m)
		refusalOrNil(t, err, func(field string) bool {
			return field == "mapping" || (strings.HasPrefix(field, "mapping[") &&
				(strings.HasSuffix(field, "].source") || strings.HasSuffix(field, "].target")))
		})
		if err == nil {
			targets := map[string]bool{}
			for _, p := range m {
				src, srcOK := catalog.Source(p.Source)
				dst, dstOK := catalog.Target(p.Target)
				if !srcOK || !dstOK || !Compatible(src.Type, dst.Type) || targets[p.Target] {
					t.Fatalf("accepted %+v", p)
				}
				targets[p.Target] = true
			}
		}
		proposal := catalog.Propose(m)
		if err := catalog.Validate(proposal); err != nil {
			t.Fatalf("the proposal from %s is not valid: %v", raw, err)
		}
		_ = proposal.Preview(fuzzOpportunity())
	})
}

func FuzzValidatePicks(f *testing.F) {
	for _, seed := range []string{
		`[{"opportunity_item_id":"f0000000-0000-4000-8000-000000000001","quantity":"4"}]`,
		`[{"opportunity_item_id":"f0000000-0000-4000-8000-000000000002","quantity":"2.5"},{"opportunity_item_id":"f0000000-0000-4000-8000-000000000003","quantity":"0.0001"}]`,
		`[{"opportunity_item_id":"f0000000-0000-4000-8000-000000000002","quantity":"2.5001"}]`,
		`[{"opportunity_item_id":"f0000000-0000-4000-8000-000000000001","quantity":"1"},{"opportunity_item_id":"f0000000-0000-4000-8000-000000000001","quantity":"1"}]`,
		`[{"opportunity_item_id":"nope","quantity":"-1"}]`,
		`[{"opportunity_item_id":"f0000000-0000-4000-8000-000000000003","quantity":"1e2"}]`,
		`[{"opportunity_item_id":"f0000000-0000-4000-8000-000000000003","quantity":"0.00001"}]`,
		`[]`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var picks []Pick
		if json.Unmarshal([]byte(raw), &picks) != nil {
			return
		}
		s := fuzzState(t)
		err := s.ValidatePicks(picks)
		refusalOrNil(t, err, func(field string) bool {
			return field == "items" || strings.HasPrefix(field, "items[")
		})
		if err != nil {
			return
		}
		if len(picks) == 0 || len(picks) > MaxLines {
			t.Fatalf("accepted %d picks", len(picks))
		}
		for _, p := range picks {
			it, ok := s.Opportunity.Item(p.OpportunityItemID)
			if !ok || !p.Quantity.IsPositive() || p.Quantity.GreaterThan(it.Remaining) {
				t.Fatalf("accepted %+v", p)
			}
		}
		if err := s.SetPicks(picks, fuzzToday); err != nil {
			t.Fatalf("valid picks not set: %v", err)
		}
		checkDraft(t, s)
	})
}

func FuzzValidatePatch(f *testing.F) {
	for _, seed := range []string{
		`{"header":{"title":"Renewal 2026","delivery_date":"2026-10-01","custom.region":"south"}}`,
		`{"header":{"currency":"JPY","custom.budget":"12.5","custom.flag":"true","custom.due":"2026-02-30"}}`,
		`{"header":{"currency":"eur","customer_id":"not-a-uuid","order_date":"yesterday","custom.score":"1e3"}}`,
		`{"header":{"notes":""},"lines":[{"opportunity_item_id":"f0000000-0000-4000-8000-000000000001","unit_price":"18.00","discount_percent":"5"}]}`,
		`{"lines":[{"opportunity_item_id":"f0000000-0000-4000-8000-000000000002","quantity":"2.5"}]}`,
		`{"lines":[{"opportunity_item_id":"f0000000-0000-4000-8000-000000000001","remove":true},{"opportunity_item_id":"f0000000-0000-4000-8000-000000000003","remove":true}]}`,
		`{"lines":[{"opportunity_item_id":"f0000000-0000-4000-8000-000000000001","discount_percent":"100.00001","unit_price":"-1"}]}`,
		`{"lines":[{"opportunity_item_id":"f0000000-0000-4000-8000-000000000003","quantity":"99999999999999","unit_price":"99999999999999.9999"}]}`,
		`{"header":{"title":"x","colour":"red","custom.nope":"1"}}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var p DraftPatch
		if json.Unmarshal([]byte(raw), &p) != nil {
			return
		}
		s := fuzzState(t)
		err := s.ValidatePatch(p)
		refusalOrNil(t, err, func(string) bool { return true }) // a header field is named as sent, even ""
		if err != nil {
			return
		}
		if err := s.ApplyPatch(p, fuzzToday); err != nil {
			t.Fatalf("a valid patch not applied: %v", err)
		}
		checkDraft(t, s)
		if err := s.ValidateSave(); err != nil && s.Draft.Header["customer_id"] != "" && s.Draft.Header["currency"] != "" {
			t.Fatalf("a draft with customer and currency cannot be saved: %v", err)
		}
	})
}

// checkDraft checks that the draft has lines within what remains and
// totals that add up, and survives the JSON round trip of a Temporal payload.
func checkDraft(t *testing.T, s *State) {
	t.Helper()
	d := s.Draft
	if d == nil || len(d.Lines) == 0 || len(d.Lines) > MaxLines {
		t.Fatalf("draft %+v", d)
	}
	sum := decimal.Zero
	for _, l := range d.Lines {
		if !l.Quantity.IsPositive() || l.Quantity.GreaterThan(l.RemainingQuantity) || l.LineTotal.IsNegative() {
			t.Fatalf("line %+v", l)
		}
		sum = sum.Add(l.LineTotal)
	}
	if !sum.Equal(d.Totals.Subtotal) || !d.Totals.Subtotal.Add(d.Totals.Tax).Equal(d.Totals.Total) {
		t.Fatalf("totals %+v do not add up to the lines' %s", d.Totals, sum)
	}
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("the state does not marshal: %v", err)
	}
	var back State
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatalf("the state does not unmarshal: %v", err)
	}
}
