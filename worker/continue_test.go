package worker_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/crmtest"
	"github.com/crmconvert/crmconvert/crm/demo"
	"github.com/crmconvert/crmconvert/devstack"
	"github.com/crmconvert/crmconvert/worker"
	"github.com/crmconvert/crmconvert/worker/workertest"
	"github.com/crmconvert/crmconvert/workflows"
)

// A long session on a server that suggests continue-as-new after a few
// dozen events: the conversion moves to new runs while the user keeps
// stepping, every step is answered, and the order is still written once.
func TestLongSessionContinuesAsNewLosingNothing(t *testing.T) {
	ctx := context.Background()
	srv, err := workertest.Start(ctx, devstack.TemporalOptions{
		DynamicConfig: map[string]string{"limit.historyCount.suggestContinueAsNew": "40"}})
	require.NoError(t, err)
	t.Cleanup(srv.Stop)
	c := srv.Client

	db, _ := crmtest.Seeded(t)
	queue := "test-" + uuid.NewString()
	w := worker.New(c, queue, crm.NewStore(db), sdkworker.Options{})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	d := driver{t: t, c: c}
	sam := conversion.User{ID: demo.Sam, Name: "Sam Seller"}
	id := workflows.WorkflowID(demo.Acme, demo.InitechRenewal)
	state := d.open(queue, id, sam)
	actor := workflows.Request{Actor: sam.ID}
	firstRun := d.runID(id)

	const rounds = 15
	for i := range rounds {
		state = d.step(id, workflows.UpdateMapping, "", workflows.MappingRequest{Request: actor, Mapping: state.Mapping})
		require.Equal(t, conversion.StepProducts, state.Step, "round %d", i)
		state = d.step(id, workflows.UpdateBack, "", actor)
		require.Equal(t, conversion.StepMapping, state.Step, "round %d", i)
	}
	require.Equal(t, 1+2*rounds, state.Version, "every step counted once")
	require.NotEqual(t, firstRun, d.runID(id), "the conversion continued as new")

	state = d.step(id, workflows.UpdateMapping, "", workflows.MappingRequest{Request: actor, Mapping: state.Mapping})
	pick := []conversion.Pick{{OpportunityItemID: state.Opportunity.Items[0].ID, Quantity: state.Opportunity.Items[0].Remaining}}
	d.step(id, workflows.UpdateItems, "", workflows.ItemsRequest{Request: actor, Items: pick})
	saved := d.step(id, workflows.UpdateSave, "", actor)
	require.Equal(t, conversion.StepClosePrompt, saved.Step)
	count, err := db.NewSelect().Table("orders").Where("opportunity_id = ?", demo.InitechRenewal).Count(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, count)
}
