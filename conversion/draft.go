package conversion

import (
	"sort"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Pick is one opportunity item chosen for the order, with its quantity.
type Pick struct {
	OpportunityItemID string          `json:"opportunity_item_id"`
	Quantity          decimal.Decimal `json:"quantity"`
}

// LineEdit is what the user changed on a draft line besides its quantity.
type LineEdit struct {
	UnitPrice       *decimal.Decimal `json:"unit_price,omitempty"`
	DiscountPercent *decimal.Decimal `json:"discount_percent,omitempty"`
}

// Line is one line of the draft order.
type Line struct {
	OpportunityItemID string          `json:"opportunity_item_id"`
	ProductID         string          `json:"product_id,omitempty"`
	SKU               string          `json:"sku,omitempty"`
	ProductName       string          `json:"product_name,omitempty"`
	Description       string          `json:"description,omitempty"`
	Quantity          decimal.Decimal `json:"quantity"`
	RemainingQuantity decimal.Decimal `json:"remaining_quantity"`
	UnitPrice         decimal.Decimal `json:"unit_price"`
	DiscountPercent   decimal.Decimal `json:"discount_percent"`
	TaxRate           decimal.Decimal `json:"tax_rate"`
	LineTotal         decimal.Decimal `json:"line_total"`
}

// Draft is the order as it will be saved: its header fields (by target name
// without the "order." prefix; custom fields as "custom.<name>"), its lines
// and its totals.
type Draft struct {
	Header map[string]string `json:"header"`
	Lines  []Line            `json:"lines"`
	Totals Totals            `json:"totals"`
}

// Currency is the draft's currency, or "" while it has none.
func (d *Draft) Currency() string { return d.Header["currency"] }

// HeaderType is the type of an editable header field of the draft, false for
// a field that is not one.
func (c Catalog) HeaderType(name string) (FieldType, bool) {
	f, ok := c.Target(TargetPrefix + name)
	return f.Type, ok
}

// Field length limits keep a draft within what the database and Temporal's
// payload limits take.
const (
	MaxTextLength  = 2000
	MaxNotesLength = 10000
	MaxLines       = 500
)

// ValidateValue checks one header value against its field's type. The empty
// string clears a field and is always valid here; required fields are
// checked at save.
func ValidateValue(t FieldType, name, v string) string {
	if v == "" {
		return ""
	}
	switch t {
	case TypeText:
		limit := MaxTextLength
		if name == "notes" {
			limit = MaxNotesLength
		}
		if len(v) > limit {
			return "at most " + strconv.Itoa(limit) + " characters"
		}
	case TypeCustomer:
		if _, err := uuid.Parse(v); err != nil {
			return "not a customer id"
		}
	case TypeCurrency:
		if !ValidCurrency(v) {
			return "not an ISO 4217 currency code"
		}
	case TypeDate:
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return "not a date (YYYY-MM-DD)"
		}
	case TypeNumber, TypeMoney:
		d, err := decimal.NewFromString(v)
		if err != nil {
			return "not a number"
		}
		if msg := checkAmount(d); msg != "" {
			return msg
		}
	case TypeBoolean:
		if v != "true" && v != "false" {
			return "must be true or false"
		}
	}
	return ""
}

// Limits of the decimal amounts a request may carry: what numeric(18,4) holds.
var maxAmount = decimal.New(1, 14)

const maxScale = 4

func checkAmount(d decimal.Decimal) string {
	switch {
	case d.Abs().Cmp(maxAmount) >= 0:
		return "too large"
	case -d.Exponent() > maxScale && !d.Equal(d.Truncate(maxScale)):
		return "at most " + strconv.Itoa(maxScale) + " decimal places"
	}
	return ""
}

// buildDraft computes the draft from the mapping's preview, the user's header
// edits, the picked items and the user's line edits.
func buildDraft(opp *Opportunity, m Mapping, edits map[string]string, picks []Pick, lineEdits map[string]LineEdit, today string) *Draft {
	header := m.Preview(opp)
	for _, k := range sortedKeys(edits) {
		v := edits[k]
		if v == "" {
			delete(header, k)
		} else {
			header[k] = v
		}
	}
	if header["order_date"] == "" {
		header["order_date"] = today
	}
	cur := header["currency"]
	d := &Draft{Header: header, Lines: make([]Line, 0, len(picks))}
	taxed := make([]TaxedLine, 0, len(picks))
	for _, p := range picks {
		it, ok := opp.Item(p.OpportunityItemID)
		if !ok {
			continue
		}
		l := Line{
			OpportunityItemID: it.ID, ProductID: it.ProductID, SKU: it.SKU, ProductName: it.ProductName,
			Description: it.Description, Quantity: p.Quantity, RemainingQuantity: it.Remaining,
			UnitPrice: it.UnitPrice, DiscountPercent: it.DiscountPercent, TaxRate: it.TaxRate,
		}
		if e, ok := lineEdits[it.ID]; ok {
			if e.UnitPrice != nil {
				l.UnitPrice = *e.UnitPrice
			}
			if e.DiscountPercent != nil {
				l.DiscountPercent = *e.DiscountPercent
			}
		}
		l.LineTotal = LineTotal(l.Quantity, l.UnitPrice, l.DiscountPercent, cur)
		d.Lines = append(d.Lines, l)
		taxed = append(taxed, TaxedLine{LineTotal: l.LineTotal, TaxRate: l.TaxRate})
	}
	d.Totals = ComputeTotals(taxed, cur)
	return d
}

// sortedKeys gives map keys in a fixed order, so that the workflow's
// decisions never depend on Go's random map iteration. It is the one place
// that ranges over a map, and its result does not depend on the order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	//workflowcheck:ignore
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
