package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/crmconvert/crmconvert/conversion"
)

// StartOptions are how the conversion by user of the snapshot's opportunity
// is started, or found when it runs already: the API and the tools that
// drive conversions share them so that every conversion starts alike.
// Operators read the summary and details in the Temporal UI; the memo and
// the snapshot are given here so that the run need not set or read them.
func StartOptions(taskQueue, organizationID string, snap *conversion.Snapshot, user conversion.User, idle time.Duration) (client.StartWorkflowOptions, Input) {
	opp := snap.Opportunity
	opts := client.StartWorkflowOptions{
		ID:                       WorkflowID(organizationID, opp.ID),
		TaskQueue:                taskQueue,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            fmt.Sprintf("Convert %s %s for %s", opp.Number, opp.Name, user.Name),
		StaticDetails: fmt.Sprintf("Opportunity **%s** %s of customer %s, owned by %s, %d items. Started by %s (user %s).",
			opp.Number, opp.Name, opp.CustomerName, opp.OwnerName, len(opp.Items), user.Name, user.ID),
		Memo: StartMemo(opp, user.Name),
	}
	return opts, Input{
		OrganizationID: organizationID,
		OpportunityID:  opp.ID,
		StartedBy:      user,
		IdleTimeout:    idle,
		Snapshot:       snap,
	}
}
