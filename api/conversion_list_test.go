package api

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmconvert/crmconvert/crm/demo"
)

// listed reads GET /v1/conversions as the user.
func (e *env) listed(userID, query string) conversionList {
	e.t.Helper()
	r := e.call(userID, http.MethodGet, "/v1/conversions"+query, nil)
	require.Equal(e.t, http.StatusOK, r.Status, "body: %s", r.Body)
	var out conversionList
	require.NoError(e.t, json.Unmarshal(r.Body, &out))
	return out
}

func opportunityIDs(l conversionList) []string {
	ids := make([]string, len(l.Conversions))
	for i, c := range l.Conversions {
		ids[i] = c.Opportunity.ID
	}
	return ids
}

func TestListingUnfinishedConversions(t *testing.T) {
	e := newEnv(t)
	e.call(demo.Sam, http.MethodPost, conversionPath(demo.InitechRenewal), nil).conversion(t, http.StatusCreated)
	e.call(demo.Mia, http.MethodPost, conversionPath(demo.UmbrellaLab), nil).conversion(t, http.StatusCreated)
	e.call(demo.Sam, http.MethodPost, conversionPath(demo.StarkSupport), nil).conversion(t, http.StatusCreated)
	e.call(demo.Sam, http.MethodPut, conversionPath(demo.StarkSupport, "mapping"),
		map[string]any{"mapping": []map[string]string{{"source": "opportunity.name", "target": "order.title"}}}).
		conversion(t, http.StatusOK)

	// Visibility is eventually consistent: wait until it shows the last step.
	var mine conversionList
	require.Eventually(t, func() bool {
		mine = e.listed(demo.Sam, "")
		return len(mine.Conversions) == 2 && mine.Conversions[0].Step == "products"
	}, 10*time.Second, 100*time.Millisecond)
	require.Equal(t, []string{demo.StarkSupport, demo.InitechRenewal}, opportunityIDs(mine), "newest activity first")
	first := mine.Conversions[0]
	require.Equal(t, "OPP-000005", first.Opportunity.Number)
	require.Equal(t, "Stark Industries", first.CustomerName)
	require.Equal(t, "Sam Seller", first.StartedBy.Name)
	require.WithinDuration(t, first.UpdatedAt.Add(14*24*time.Hour), first.ExpiresAt, time.Second)
	require.Nil(t, mine.NextCursor)

	require.Equal(t, []string{demo.StarkSupport}, opportunityIDs(e.listed(demo.Sam, "?step=products")))
	require.Equal(t, []string{demo.UmbrellaLab}, opportunityIDs(e.listed(demo.Mia, "")), "not another user's")
	require.Empty(t, e.listed(demo.Vic, "").Conversions)
	require.Empty(t, e.listed(demo.Gus, "?scope=organization").Conversions, "not another organization's")
	require.Len(t, e.listed(demo.Ada, "?scope=organization").Conversions, 3)

	page := e.listed(demo.Sam, "?limit=1")
	require.Equal(t, []string{demo.StarkSupport}, opportunityIDs(page))
	require.NotNil(t, page.NextCursor)
	rest := e.listed(demo.Sam, "?limit=1&cursor="+*page.NextCursor)
	require.Equal(t, []string{demo.InitechRenewal}, opportunityIDs(rest))
	require.Nil(t, rest.NextCursor)
}

func TestListingRefusals(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		user, query string
		status      int
	}{
		{"", "", http.StatusUnauthorized},
		{demo.Sam, "?scope=organization", http.StatusForbidden},
		{demo.Sam, "?step=saved", http.StatusBadRequest},
		{demo.Sam, "?limit=0", http.StatusBadRequest},
		{demo.Sam, "?limit=101", http.StatusBadRequest},
		{demo.Sam, "?cursor=not-a-cursor", http.StatusBadRequest},
		{demo.Sam, "?sort=name", http.StatusBadRequest},
	}
	for _, tc := range cases {
		r := e.call(tc.user, http.MethodGet, "/v1/conversions"+tc.query, nil)
		r.problem(t, tc.status)
	}
}
