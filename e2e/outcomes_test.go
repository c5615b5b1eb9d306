package e2e

import (
	"context"
	"fmt"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/e2e/invariants"
	"github.com/crmconvert/crmconvert/workflows"
)

// conversions lists every conversion run of the organization the dev server
// knows, with its end state. A run still running on the server (of any
// organization), or one whose result is not a state (a failed run), is an
// error, since the checks need them all ended. Runs that continued as new
// are left out: the last run of the chain carries the conversion, and its
// key (the first run's id).
func (s *stack) conversions(ctx context.Context, orgID string) ([]invariants.Conversion, error) {
	var (
		out   []invariants.Conversion
		token []byte
	)
	for {
		resp, err := s.temporal().ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query:         fmt.Sprintf("WorkflowType = '%s'", workflows.WorkflowName),
			NextPageToken: token,
		})
		if err != nil {
			return nil, fmt.Errorf("list conversions: %w", err)
		}
		for _, e := range resp.GetExecutions() {
			wid, run := e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId()
			switch e.GetStatus() {
			case enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
				continue
			case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
			default:
				return nil, fmt.Errorf("conversion %s run %s is %v", wid, run, e.GetStatus())
			}
			var st conversion.State
			if err := s.temporal().GetWorkflow(ctx, wid, run).Get(ctx, &st); err != nil {
				return nil, fmt.Errorf("result of conversion %s run %s: %w", wid, run, err)
			}
			if st.OrganizationID != orgID {
				continue
			}
			first := e.GetFirstRunId()
			if first == "" {
				first = run
			}
			c := invariants.Conversion{Key: wid + "/" + first, OpportunityID: st.OpportunityID, Step: st.Step}
			if st.Order != nil {
				c.OrderID = st.Order.ID
			}
			if st.ClosePrompt != nil {
				c.Closed = st.ClosePrompt.Closed
			}
			out = append(out, c)
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return out, nil
		}
	}
}

// checkInvariants waits until the dev server lists at least want ended
// conversion runs of the organization (its list lags a little) and none
// running, then checks the invariants of package invariants on them and
// logs the counts.
func (s *stack) checkInvariants(orgID string, want int, since time.Time) invariants.Report {
	s.t.Helper()
	ctx := context.Background()
	var convs []invariants.Conversion
	eventually(s.t, 3*time.Minute, 250*time.Millisecond, func() (bool, string) {
		var err error
		convs, err = s.conversions(ctx, orgID)
		if err != nil {
			return false, err.Error()
		}
		return len(convs) >= want, fmt.Sprintf("%d ended conversions listed, want %d", len(convs), want)
	})
	r, err := invariants.Check(ctx, s.sql(), orgID, convs, since)
	require.NoError(s.t, err)
	s.t.Logf("invariants: %s", r)
	require.Empty(s.t, r.Violations)
	return r
}
