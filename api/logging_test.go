package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmconvert/crmconvert/crm/demo"
	"github.com/crmconvert/crmconvert/workflows"
)

// Every access log line of a conversion request names the request, the user
// and the workflow, so an operator can go from a log line to the Temporal UI.
func TestAccessLogNamesUserAndWorkflow(t *testing.T) {
	e := newEnv(t)
	r := e.call(demo.Sam, http.MethodPost, conversionPath(demo.InitechRenewal), nil)
	r.conversion(t, http.StatusCreated)
	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		var entry map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &entry))
		if entry["msg"] == "request" && entry["method"] == http.MethodPost {
			line = entry
		}
	}
	require.NotNil(t, line, e.logs.String())
	require.Equal(t, demo.Sam, line["user_id"])
	require.Equal(t, workflows.WorkflowID(demo.Acme, demo.InitechRenewal), line["workflow_id"])
	require.Equal(t, r.Header.Get("X-Request-ID"), line["request_id"])
}
