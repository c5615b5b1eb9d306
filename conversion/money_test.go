package conversion

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestLineTotal(t *testing.T) {
	cases := []struct {
		qty, price, discount, currency, want string
	}{
		{"3", "19.99", "10", "EUR", "53.97"}, // 53.973
		{"1", "0.125", "0", "EUR", "0.13"},   // half away from zero
		{"2", "10", "0", "JPY", "20"},
		{"1", "1.2345", "0", "KWD", "1.235"},
		{"1.5", "10", "100", "EUR", "0"},
		{"1", "9.999", "0", "", "10"}, // no currency yet: two places
	}
	for _, tc := range cases {
		got := LineTotal(d(tc.qty), d(tc.price), d(tc.discount), tc.currency)
		require.True(t, d(tc.want).Equal(got), "%+v: got %s", tc, got)
	}
}

func TestTotalsRoundTheTaxOnce(t *testing.T) {
	lines := []TaxedLine{{d("0.01"), d("19")}, {d("0.01"), d("19")}, {d("0.01"), d("19")}}
	got := ComputeTotals(lines, "EUR")
	require.Equal(t, "0.03", got.Subtotal.String())
	require.Equal(t, "0.01", got.Tax.String(), "0.0057 rounded once, not 3 × 0.0019 rounded to 0")
	require.Equal(t, "0.04", got.Total.String())
}

func TestMinorUnits(t *testing.T) {
	require.EqualValues(t, 2, MinorUnits("EUR"))
	require.EqualValues(t, 0, MinorUnits("JPY"))
	require.EqualValues(t, 3, MinorUnits("BHD"))
	require.EqualValues(t, 2, MinorUnits("???"))
	require.True(t, ValidCurrency("USD"))
	require.False(t, ValidCurrency("EURO"))
	require.False(t, ValidCurrency("usd"), "codes are upper case")
}
