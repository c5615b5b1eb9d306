package demo

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGenerateIsValidAndDeterministic(t *testing.T) {
	g := Generated{Organization: "Bench", Users: 3, OpportunitiesPerUser: 4, ItemsPerOpportunity: 2}
	d := Generate(g)
	require.NoError(t, d.Validate())
	require.Len(t, d.Users, 3)
	require.Len(t, d.Opportunities, 12)
	require.Len(t, d.Opportunities[11].Items, 2)
	require.Equal(t, "OPP-000012", d.Opportunities[11].Number)
	require.Equal(t, d, Generate(g), "the same description gives the same ids")
	require.NotEqual(t, d.Organizations[0].ID, Generate(Generated{Organization: "Other", Users: 1}).Organizations[0].ID)
}
