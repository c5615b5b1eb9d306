package conversion

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCompatible(t *testing.T) {
	cases := []struct {
		source, target FieldType
		want           bool
	}{
		{TypeText, TypeText, true},
		{TypeDate, TypeText, true},
		{TypeMoney, TypeText, true},
		{TypeCustomer, TypeText, true},
		{TypeDate, TypeDate, true},
		{TypeMoney, TypeNumber, true},
		{TypeNumber, TypeMoney, true},
		{TypeCustomer, TypeCustomer, true},
		{TypeCurrency, TypeCurrency, true},
		{TypeBoolean, TypeBoolean, true},
		{TypeText, TypeDate, false},
		{TypeText, TypeCustomer, false},
		{TypeDate, TypeMoney, false},
		{TypeCurrency, TypeCustomer, false},
		{TypeBoolean, TypeNumber, false},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, Compatible(tc.source, tc.target), "%s -> %s", tc.source, tc.target)
	}
}

func TestProposal(t *testing.T) {
	c := NewCatalog([]CustomField{
		{Object: "opportunity", Name: "region", Type: TypeText},
		{Object: "order", Name: "region", Type: TypeText},
		{Object: "opportunity", Name: "due", Type: TypeText},
		{Object: "order", Name: "due", Type: TypeDate},
	})
	t.Run("same-name fields without a remembered mapping", func(t *testing.T) {
		got := c.Propose(nil)
		require.Contains(t, got, Pair{"opportunity.customer_id", "order.customer_id"})
		require.Contains(t, got, Pair{"opportunity.custom.region", "order.custom.region"})
		require.NotContains(t, got, Pair{"opportunity.custom.due", "order.custom.due"}, "text does not fill a date")
		require.NoError(t, c.Validate(got))
	})
	t.Run("the remembered mapping, less what no longer fits", func(t *testing.T) {
		remembered := Mapping{
			{"opportunity.number", "order.title"},
			{"opportunity.custom.gone", "order.notes"},
			{"opportunity.name", "order.title"},
		}
		require.Equal(t, Mapping{{"opportunity.number", "order.title"}}, c.Propose(remembered))
	})
}

func TestPreview(t *testing.T) {
	opp := &Opportunity{Name: "Renewal", Custom: map[string]any{"probability": 0.75, "strategic": true}}
	m := Mapping{
		{"opportunity.name", "order.title"},
		{"opportunity.custom.probability", "order.notes"},
		{"opportunity.custom.strategic", "order.custom.flag"},
		{"opportunity.description", "order.contact_name"},
	}
	require.Equal(t, map[string]string{"title": "Renewal", "notes": "0.75", "custom.flag": "true"}, m.Preview(opp),
		"empty sources are left out")
}
