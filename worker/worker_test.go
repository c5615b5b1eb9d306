package worker_test

import (
	"context"
	"errors"
	"os"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/crmtest"
	"github.com/crmconvert/crmconvert/crm/demo"
	"github.com/crmconvert/crmconvert/worker"
	"github.com/crmconvert/crmconvert/worker/workertest"
	"github.com/crmconvert/crmconvert/workflows"
)

// temporalClient talks to the dev server every test of this package shares.
var temporalClient client.Client

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

// run starts a Temporal dev server for the package's tests and stops it
// once they have run.
func run(m *testing.M) int {
	return workertest.Run(m, func(c client.Client) { temporalClient = c })
}

// crashAfterCommit writes the order, then fails the first attempt as if the
// worker lost its connection before reporting back.
type crashAfterCommit struct {
	*crm.Store
	calls   atomic.Int32
	results []crm.SavedOrder
}

func (s *crashAfterCommit) CreateOrder(ctx context.Context, o crm.NewOrder) (crm.SavedOrder, error) {
	saved, err := s.Store.CreateOrder(ctx, o)
	if err != nil {
		return saved, err
	}
	s.results = append(s.results, saved)
	if s.calls.Add(1) == 1 {
		return crm.SavedOrder{}, errors.New("connection lost after commit")
	}
	return saved, nil
}

func TestASaveRetriedAfterItsCommitMakesOneOrder(t *testing.T) {
	ctx := context.Background()
	db, _ := crmtest.Seeded(t)
	store := &crashAfterCommit{Store: crm.NewStore(db)}
	queue := "test-" + uuid.NewString()
	w := worker.New(temporalClient, queue, store, sdkworker.Options{})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	sam := conversion.User{ID: demo.Sam, Name: "Sam Seller"}
	id := workflows.WorkflowID(demo.Acme, demo.InitechRenewal)
	d := driver{t: t, c: temporalClient}
	state := d.open(queue, id, sam)
	actor := workflows.Request{Actor: sam.ID}
	state = d.step(id, workflows.UpdateMapping, "", workflows.MappingRequest{Request: actor, Mapping: state.Mapping})
	pick := []conversion.Pick{{OpportunityItemID: state.Opportunity.Items[0].ID, Quantity: state.Opportunity.Items[0].Remaining}}
	d.step(id, workflows.UpdateItems, "", workflows.ItemsRequest{Request: actor, Items: pick})

	first := d.step(id, workflows.UpdateSave, "save-once", actor)
	again := d.step(id, workflows.UpdateSave, "save-once", actor)
	require.Equal(t, first.Order, again.Order, "the same Update id answers the same")
	require.Equal(t, conversion.StepClosePrompt, first.Step)

	require.EqualValues(t, 2, store.calls.Load(), "the activity ran twice")
	require.True(t, store.results[0].Created)
	require.False(t, store.results[1].Created, "the retry found the order the first attempt wrote")
	count, err := db.NewSelect().Table("orders").Where("opportunity_id = ?", demo.InitechRenewal).Count(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, count, "exactly one order")
}

// driver sends a conversion its steps straight through the SDK client.
type driver struct {
	t *testing.T
	c client.Client
}

func (d driver) open(queue, id string, u conversion.User) conversion.State {
	t := d.t
	t.Helper()
	ctx := context.Background()
	op := d.c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: id, TaskQueue: queue, WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.WorkflowName, workflows.Input{OrganizationID: demo.Acme, OpportunityID: demo.InitechRenewal, StartedBy: u})
	handle, err := d.c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: op,
		UpdateOptions: client.UpdateWorkflowOptions{UpdateName: workflows.UpdateOpen, WaitForStage: client.WorkflowUpdateStageCompleted,
			Args: []any{workflows.OpenRequest{Actor: u}}},
	})
	require.NoError(t, err)
	var res workflows.OpenResult
	require.NoError(t, handle.Get(ctx, &res))
	return res.State
}

func (d driver) step(id, name, updateID string, arg any) conversion.State {
	t := d.t
	t.Helper()
	ctx := context.Background()
	handle, err := d.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateName: name, UpdateID: updateID, WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{arg},
	})
	require.NoError(t, err)
	var s conversion.State
	require.NoError(t, handle.Get(ctx, &s))
	return s
}

// runID is the id of the conversion's current run.
func (d driver) runID(id string) string {
	d.t.Helper()
	desc, err := d.c.DescribeWorkflowExecution(context.Background(), id, "")
	require.NoError(d.t, err)
	return desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
}
