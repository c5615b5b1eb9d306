package conversion

import (
	"strings"

	"github.com/shopspring/decimal"
	"golang.org/x/text/currency"
)

// defaultMinorUnits is used while a draft has no currency yet.
const defaultMinorUnits = 2

// MinorUnits is how many decimal places amounts in the currency are rounded
// to (2 for EUR, 0 for JPY, 3 for KWD), from the ISO 4217 data.
func MinorUnits(code string) int32 {
	unit, err := currency.ParseISO(code)
	if err != nil {
		return defaultMinorUnits
	}
	scale, _ := currency.Standard.Rounding(unit)
	return int32(scale)
}

// ValidCurrency reports whether code is an ISO 4217 currency code.
func ValidCurrency(code string) bool {
	if len(code) != 3 || strings.ToUpper(code) != code {
		return false
	}
	_, err := currency.ParseISO(code)
	return err == nil
}

var hundred = decimal.NewFromInt(100)

// LineTotal is quantity × unit price less the discount, rounded once to the
// currency's minor unit. The tax is not in it.
func LineTotal(quantity, unitPrice, discountPercent decimal.Decimal, currencyCode string) decimal.Decimal {
	gross := quantity.Mul(unitPrice)
	net := gross.Mul(hundred.Sub(discountPercent)).Div(hundred)
	return net.Round(MinorUnits(currencyCode))
}

// Totals are an order's sums: the lines' totals, the tax on them, and both together.
type Totals struct {
	Currency string          `json:"currency,omitempty"`
	Subtotal decimal.Decimal `json:"subtotal"`
	Tax      decimal.Decimal `json:"tax"`
	Total    decimal.Decimal `json:"total"`
}

// TaxedLine is what ComputeTotals needs of a line.
type TaxedLine struct {
	LineTotal decimal.Decimal
	TaxRate   decimal.Decimal
}

// ComputeTotals sums rounded line totals, and rounds the tax once over all lines.
func ComputeTotals(lines []TaxedLine, currencyCode string) Totals {
	subtotal, tax := decimal.Zero, decimal.Zero
	for _, l := range lines {
		subtotal = subtotal.Add(l.LineTotal)
		tax = tax.Add(l.LineTotal.Mul(l.TaxRate).Div(hundred))
	}
	scale := MinorUnits(currencyCode)
	tax = tax.Round(scale)
	return Totals{
		Currency: currencyCode,
		Subtotal: subtotal,
		Tax:      tax,
		Total:    subtotal.Add(tax),
	}
}
