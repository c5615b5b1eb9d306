package e2e

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmconvert/crmconvert/crm/demo"
)

var mapping = map[string]any{"mapping": []map[string]string{
	{"source": "opportunity.name", "target": "order.title"},
	{"source": "opportunity.customer_id", "target": "order.customer_id"},
	{"source": "opportunity.currency", "target": "order.currency"},
	{"source": "opportunity.payment_terms", "target": "order.payment_terms"},
}}

// A salesperson maps the fields, `crmconvert dev` is stopped and started
// again, and the conversion is still at products with the mapping kept.
func TestDevStackResumesAfterRestart(t *testing.T) {
	dir := dataDir(t)
	httpPort := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	args := []string{"dev", "--data", dir,
		"--temporal-port", fmt.Sprint(freePort(t)), "--ui-port", fmt.Sprint(freePort(t))}
	env := []string{fmt.Sprintf("HTTP_ADDR=127.0.0.1:%d", httpPort), "AUTH_JWT_SECRET=" + secret}

	dev := start(t, env, args...)
	waitReady(t, base, dev)
	sam := newClient(t, base, demo.Sam)
	opp := demo.UmbrellaLab
	path := "/v1/opportunities/" + opp + "/conversion"

	conv := sam.must(http.StatusCreated, http.MethodPost, path, nil)
	require.Equal(t, "mapping", conv["step"])
	conv = sam.must(http.StatusOK, http.MethodPut, path+"/mapping", mapping)
	require.Equal(t, "products", conv["step"])
	dev.stop(t)

	dev = start(t, env, args...)
	waitReady(t, base, dev)
	conv = sam.must(http.StatusOK, http.MethodGet, path, nil)
	require.Equal(t, "products", conv["step"], "resumed where it was")
	require.Equal(t, true, conv["mapping"].(map[string]any)["accepted"])
	require.Len(t, conv["mapping"].(map[string]any)["pairs"], 4, "the mapping is kept")
	conv = sam.must(http.StatusOK, http.MethodPost, path, nil)
	require.Equal(t, "products", conv["step"], "starting again resumes")

	items := []map[string]string{}
	for _, id := range itemIDs(conv) {
		items = append(items, map[string]string{"opportunity_item_id": id, "quantity": "1"})
	}
	conv = sam.must(http.StatusOK, http.MethodPut, path+"/items", map[string]any{"items": items})
	require.Equal(t, "draft", conv["step"])
	conv = sam.must(http.StatusOK, http.MethodPost, path+"/save", nil)
	require.Equal(t, "close_prompt", conv["step"])
	order := conv["order"].(map[string]any)
	conv = sam.must(http.StatusOK, http.MethodPost, path+"/close-decision", map[string]any{"close": true})
	require.Equal(t, "completed", conv["step"])

	got := sam.must(http.StatusOK, http.MethodGet, "/v1/orders/"+order["id"].(string), nil)
	require.Equal(t, order["number"], got["number"])
	oppNow := sam.must(http.StatusOK, http.MethodGet, "/v1/opportunities/"+opp, nil)
	require.Equal(t, "won", oppNow["status"])
	dev.stop(t)
}
