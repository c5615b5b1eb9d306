package conversion

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// FieldType is the type of a mappable field.
type FieldType string

// The field types of SPEC 4.1.1; custom fields use text, number, money, date or boolean.
const (
	TypeText     FieldType = "text"
	TypeNumber   FieldType = "number"
	TypeMoney    FieldType = "money"
	TypeDate     FieldType = "date"
	TypeBoolean  FieldType = "boolean"
	TypeCustomer FieldType = "customer"
	TypeCurrency FieldType = "currency"
)

// CustomTypes are the types an organization may give its custom fields.
var CustomTypes = []FieldType{TypeText, TypeNumber, TypeMoney, TypeDate, TypeBoolean}

// Field is one field that a mapping may name, with its full name
// ("opportunity.name", "order.custom.region").
type Field struct {
	Name string    `json:"name"`
	Type FieldType `json:"type"`
}

// CustomField is an organization-defined field of opportunities or orders.
type CustomField struct {
	Object string    `json:"object"` // "opportunity" or "order"
	Name   string    `json:"name"`
	Type   FieldType `json:"type"`
}

// The prefixes of field names in a mapping.
const (
	SourcePrefix = "opportunity."
	TargetPrefix = "order."
	customPrefix = "custom."
)

var builtinSources = []Field{
	{"name", TypeText}, {"number", TypeText}, {"contact_name", TypeText}, {"description", TypeText},
	{"shipping_address", TypeText}, {"billing_address", TypeText}, {"payment_terms", TypeText},
	{"customer_id", TypeCustomer}, {"currency", TypeCurrency}, {"expected_close_date", TypeDate},
	{"amount", TypeMoney},
}

var builtinTargets = []Field{
	{"title", TypeText}, {"contact_name", TypeText}, {"shipping_address", TypeText},
	{"billing_address", TypeText}, {"payment_terms", TypeText}, {"notes", TypeText},
	{"customer_id", TypeCustomer}, {"currency", TypeCurrency},
	{"order_date", TypeDate}, {"delivery_date", TypeDate},
}

// Catalog is the set of fields a mapping may use in one organization.
type Catalog struct {
	Sources []Field `json:"sources"`
	Targets []Field `json:"targets"`
}

// NewCatalog lists the built-in fields and the organization's custom ones.
func NewCatalog(custom []CustomField) Catalog {
	c := Catalog{}
	for _, f := range builtinSources {
		c.Sources = append(c.Sources, Field{SourcePrefix + f.Name, f.Type})
	}
	for _, f := range builtinTargets {
		c.Targets = append(c.Targets, Field{TargetPrefix + f.Name, f.Type})
	}
	sorted := append([]CustomField(nil), custom...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for _, f := range sorted {
		switch f.Object {
		case "opportunity":
			c.Sources = append(c.Sources, Field{SourcePrefix + customPrefix + f.Name, f.Type})
		case "order":
			c.Targets = append(c.Targets, Field{TargetPrefix + customPrefix + f.Name, f.Type})
		}
	}
	return c
}

func find(fields []Field, name string) (Field, bool) {
	for _, f := range fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Source returns the source field of that name.
func (c Catalog) Source(name string) (Field, bool) { return find(c.Sources, name) }

// Target returns the target field of that name.
func (c Catalog) Target(name string) (Field, bool) { return find(c.Targets, name) }

// Compatible reports whether a source of one type may fill a target of another:
// a text target takes anything, number and money go to either, and otherwise
// the types must be equal.
func Compatible(source, target FieldType) bool {
	switch {
	case target == TypeText:
		return true
	case isNumeric(source) && isNumeric(target):
		return true
	default:
		return source == target
	}
}

func isNumeric(t FieldType) bool { return t == TypeNumber || t == TypeMoney }

// SourceValue is the value of a source field on the opportunity, as text;
// false when the opportunity has no value there.
func (o *Opportunity) SourceValue(field string) (string, bool) {
	name := strings.TrimPrefix(field, SourcePrefix)
	if custom, ok := strings.CutPrefix(name, customPrefix); ok {
		v, present := o.Custom[custom]
		if !present || v == nil {
			return "", false
		}
		return formatCustom(v), true
	}
	var v string
	switch name {
	case "name":
		v = o.Name
	case "number":
		v = o.Number
	case "contact_name":
		v = o.ContactName
	case "description":
		v = o.Description
	case "shipping_address":
		v = o.ShippingAddress
	case "billing_address":
		v = o.BillingAddress
	case "payment_terms":
		v = o.PaymentTerms
	case "customer_id":
		v = o.CustomerID
	case "currency":
		v = o.Currency
	case "expected_close_date":
		v = o.ExpectedCloseDate
	case "amount":
		if o.Amount != nil {
			v = o.Amount.String()
		}
	}
	return v, v != ""
}

func formatCustom(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return decimal.NewFromFloat(x).String()
	default:
		return fmt.Sprint(x)
	}
}
