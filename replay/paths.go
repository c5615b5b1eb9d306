package replay

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/demo"
	"github.com/crmconvert/crmconvert/workflows"
)

// Driver sends conversions their steps through the SDK client, as the API does.
type Driver struct {
	Client    client.Client
	TaskQueue string
	// Store, when set, is read for the opportunity so that conversions
	// start as the API starts them (workflows.StartOptions); else they
	// start bare, with no search attributes or memo, as a tool might.
	Store *crm.Store
}

// Conversion is one conversion a path drove: its workflow id, and the runs to record.
type Conversion struct {
	WorkflowID string
	Org, Opp   string
	User       conversion.User
}

// Path is one way through the workflow, driven from start to end.
type Path struct {
	Name  string
	About string
	Drive func(ctx context.Context, d *Driver) (Conversion, error)
}

var (
	sam = conversion.User{ID: demo.Sam, Name: "Sam Seller"}
	mia = conversion.User{ID: demo.Mia, Name: "Mia Member"}
)

// Paths lists every path that is recorded. Each uses its own opportunity or
// runs after the one before ended, since workflow ids come from opportunities.
func Paths() []Path {
	return []Path{
		{"straight-close-yes", "every step once, then the owner closes the opportunity", straightThrough(sam, demo.InitechRenewal, true)},
		{"close-no", "every step once, the owner keeps the opportunity open", straightThrough(sam, demo.UmbrellaLab, false)},
		{"back-and-forth", "back from draft and from products, steps repeated, then saved without a close prompt (the opportunity is won already)", backAndForth},
		{"cancel", "cancelled at products", cancelled},
		{"expiry", "left idle at products until it expires (idle timeout 3 s)", expired},
		{"refused-steps", "steps refused by validators and a save refused for a missing currency, then cancelled", refused},
		{"no-items", "an opportunity without items: the conversion ends at once", noItems},
		{"started-bare", "started without search attributes or memo (not through the API), then cancelled: the run publishes them itself", startedBare},
	}
}

// Open starts u's conversion of opp with Update-With-Start, or resumes it,
// and returns its state; idle 0 means the workflow's default idle timeout.
func (d *Driver) Open(ctx context.Context, org, opp string, u conversion.User, idle time.Duration) (Conversion, conversion.State, error) {
	c := Conversion{WorkflowID: workflows.WorkflowID(org, opp), Org: org, Opp: opp, User: u}
	opts := client.StartWorkflowOptions{
		ID: c.WorkflowID, TaskQueue: d.TaskQueue, WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}
	in := workflows.Input{OrganizationID: org, OpportunityID: opp, StartedBy: u, IdleTimeout: idle}
	if d.Store != nil {
		snap, err := d.Store.ConversionSnapshot(ctx, org, opp, u.ID)
		if err != nil {
			return c, conversion.State{}, fmt.Errorf("read opportunity %s: %w", opp, err)
		}
		opts, in = workflows.StartOptions(d.TaskQueue, org, snap, u, idle)
	}
	op := d.Client.NewWithStartWorkflowOperation(opts, workflows.WorkflowName, in)
	handle, err := d.Client.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: op,
		UpdateOptions: client.UpdateWorkflowOptions{UpdateName: workflows.UpdateOpen, WaitForStage: client.WorkflowUpdateStageCompleted,
			Args: []any{workflows.OpenRequest{Actor: u}}},
	})
	if err != nil {
		return c, conversion.State{}, fmt.Errorf("open %s: %w", c.WorkflowID, err)
	}
	var res workflows.OpenResult
	if err := handle.Get(ctx, &res); err != nil {
		return c, conversion.State{}, fmt.Errorf("open %s: %w", c.WorkflowID, err)
	}
	return c, res.State, nil
}

// Step sends one step and returns the new state.
func (d *Driver) Step(ctx context.Context, c Conversion, name string, arg any) (conversion.State, error) {
	handle, err := d.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: c.WorkflowID, UpdateName: name, WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{arg},
	})
	if err != nil {
		return conversion.State{}, fmt.Errorf("%s on %s: %w", name, c.WorkflowID, err)
	}
	var st conversion.State
	if err := handle.Get(ctx, &st); err != nil {
		return conversion.State{}, fmt.Errorf("%s on %s: %w", name, c.WorkflowID, err)
	}
	return st, nil
}

// refusedStep sends a step that must be refused.
func (d *Driver) refusedStep(ctx context.Context, c Conversion, name string, arg any) error {
	if _, err := d.Step(ctx, c, name, arg); err == nil {
		return fmt.Errorf("%s on %s was accepted; it should have been refused", name, c.WorkflowID)
	}
	return nil
}

// Wait blocks until the conversion's run has ended.
func (d *Driver) Wait(ctx context.Context, c Conversion) error {
	var st conversion.State
	err := d.Client.GetWorkflow(ctx, c.WorkflowID, "").Get(ctx, &st)
	if err != nil && c.Opp != demo.StarkPilot {
		return fmt.Errorf("wait for %s: %w", c.WorkflowID, err)
	}
	return nil
}

func req(u conversion.User) workflows.Request { return workflows.Request{Actor: u.ID} }

// firstPick picks one of the first item that has something left.
func firstPick(st conversion.State) []conversion.Pick {
	for _, it := range st.Opportunity.Items {
		if it.Remaining.IsPositive() {
			return []conversion.Pick{{OpportunityItemID: it.ID, Quantity: decimal.NewFromInt(1)}}
		}
	}
	return nil
}

func straightThrough(u conversion.User, opp string, close bool) func(context.Context, *Driver) (Conversion, error) {
	return func(ctx context.Context, d *Driver) (Conversion, error) {
		c, st, err := d.Open(ctx, demo.Acme, opp, u, 0)
		if err != nil {
			return c, err
		}
		if st, err = d.Step(ctx, c, workflows.UpdateMapping, workflows.MappingRequest{Request: req(u), Mapping: st.Mapping}); err != nil {
			return c, err
		}
		if st, err = d.Step(ctx, c, workflows.UpdateItems, workflows.ItemsRequest{Request: req(u), Items: firstPick(st)}); err != nil {
			return c, err
		}
		patch := conversion.DraftPatch{Header: map[string]string{"notes": "recorded history"}}
		if _, err = d.Step(ctx, c, workflows.UpdateDraft, workflows.DraftRequest{Request: req(u), Patch: patch}); err != nil {
			return c, err
		}
		if _, err = d.Step(ctx, c, workflows.UpdateSave, req(u)); err != nil {
			return c, err
		}
		if _, err = d.Step(ctx, c, workflows.UpdateClose, workflows.CloseRequest{Request: req(u), Close: close}); err != nil {
			return c, err
		}
		return c, d.Wait(ctx, c)
	}
}

func backAndForth(ctx context.Context, d *Driver) (Conversion, error) {
	c, st, err := d.Open(ctx, demo.Acme, demo.InitechRefresh, sam, 0)
	if err != nil {
		return c, err
	}
	steps := []struct {
		name string
		arg  func(conversion.State) any
	}{
		{workflows.UpdateMapping, func(st conversion.State) any { return workflows.MappingRequest{Request: req(sam), Mapping: st.Mapping} }},
		{workflows.UpdateItems, func(st conversion.State) any { return workflows.ItemsRequest{Request: req(sam), Items: firstPick(st)} }},
		{workflows.UpdateBack, func(conversion.State) any { return req(sam) }},
		{workflows.UpdateBack, func(conversion.State) any { return req(sam) }},
		{workflows.UpdateMapping, func(st conversion.State) any { return workflows.MappingRequest{Request: req(sam), Mapping: st.Mapping} }},
		{workflows.UpdateItems, func(st conversion.State) any { return workflows.ItemsRequest{Request: req(sam), Items: st.Picks} }},
		{workflows.UpdateSave, func(conversion.State) any { return req(sam) }},
	}
	for _, s := range steps {
		if st, err = d.Step(ctx, c, s.name, s.arg(st)); err != nil {
			return c, err
		}
	}
	return c, d.Wait(ctx, c)
}

func cancelled(ctx context.Context, d *Driver) (Conversion, error) {
	c, st, err := d.Open(ctx, demo.Acme, demo.StarkSupport, mia, 0)
	if err != nil {
		return c, err
	}
	if _, err = d.Step(ctx, c, workflows.UpdateMapping, workflows.MappingRequest{Request: req(mia), Mapping: st.Mapping}); err != nil {
		return c, err
	}
	if err := d.Client.SignalWorkflow(ctx, c.WorkflowID, "", workflows.SignalCancel, workflows.CancelRequest{Actor: mia.ID}); err != nil {
		return c, err
	}
	return c, d.Wait(ctx, c)
}

func expired(ctx context.Context, d *Driver) (Conversion, error) {
	c, st, err := d.Open(ctx, demo.Acme, demo.StarkSupport, mia, 3*time.Second)
	if err != nil {
		return c, err
	}
	if _, err = d.Step(ctx, c, workflows.UpdateMapping, workflows.MappingRequest{Request: req(mia), Mapping: st.Mapping}); err != nil {
		return c, err
	}
	return c, d.Wait(ctx, c)
}

func refused(ctx context.Context, d *Driver) (Conversion, error) {
	c, st, err := d.Open(ctx, demo.Acme, demo.StarkSupport, sam, 0)
	if err != nil {
		return c, err
	}
	if err := d.refusedStep(ctx, c, workflows.UpdateSave, req(sam)); err != nil {
		return c, err
	}
	bad := conversion.Mapping{{Source: "opportunity.name", Target: "order.currency"}}
	if err := d.refusedStep(ctx, c, workflows.UpdateMapping, workflows.MappingRequest{Request: req(sam), Mapping: bad}); err != nil {
		return c, err
	}
	noCurrency := conversion.Mapping{{Source: "opportunity.customer_id", Target: "order.customer_id"}}
	if st, err = d.Step(ctx, c, workflows.UpdateMapping, workflows.MappingRequest{Request: req(sam), Mapping: noCurrency}); err != nil {
		return c, err
	}
	if err := d.refusedStep(ctx, c, workflows.UpdateItems, workflows.ItemsRequest{Request: req(sam)}); err != nil {
		return c, err
	}
	if _, err = d.Step(ctx, c, workflows.UpdateItems, workflows.ItemsRequest{Request: req(sam), Items: firstPick(st)}); err != nil {
		return c, err
	}
	if err := d.refusedStep(ctx, c, workflows.UpdateSave, req(sam)); err != nil {
		return c, err
	}
	if err := d.Client.SignalWorkflow(ctx, c.WorkflowID, "", workflows.SignalCancel, workflows.CancelRequest{Actor: sam.ID}); err != nil {
		return c, err
	}
	return c, d.Wait(ctx, c)
}

func noItems(ctx context.Context, d *Driver) (Conversion, error) {
	c, _, err := d.Open(ctx, demo.Acme, demo.StarkPilot, sam, 0)
	if err == nil {
		return c, fmt.Errorf("the conversion of an opportunity without items opened")
	}
	return c, d.Wait(ctx, c)
}

// LongSession steps back and forth until the conversion has continued as
// new a few times, then saves; for a server that suggests continue-as-new
// after a few dozen events.
func LongSession(ctx context.Context, d *Driver) (Conversion, error) {
	c, st, err := d.Open(ctx, demo.Acme, demo.UmbrellaLab, mia, 0)
	if err != nil {
		return c, err
	}
	for range 12 {
		if st, err = d.Step(ctx, c, workflows.UpdateMapping, workflows.MappingRequest{Request: req(mia), Mapping: st.Mapping}); err != nil {
			return c, err
		}
		if st, err = d.Step(ctx, c, workflows.UpdateBack, req(mia)); err != nil {
			return c, err
		}
	}
	if st, err = d.Step(ctx, c, workflows.UpdateMapping, workflows.MappingRequest{Request: req(mia), Mapping: st.Mapping}); err != nil {
		return c, err
	}
	if _, err = d.Step(ctx, c, workflows.UpdateItems, workflows.ItemsRequest{Request: req(mia), Items: firstPick(st)}); err != nil {
		return c, err
	}
	if _, err = d.Step(ctx, c, workflows.UpdateSave, req(mia)); err != nil {
		return c, err
	}
	return c, d.Wait(ctx, c)
}

// startedBare starts a conversion as a tool other than the API might, with
// no search attributes or memo, takes one step and cancels it.
func startedBare(ctx context.Context, d *Driver) (Conversion, error) {
	bare := *d
	bare.Store = nil
	c, st, err := bare.Open(ctx, demo.Acme, demo.StarkSupport, sam, 0)
	if err != nil {
		return c, err
	}
	if _, err = d.Step(ctx, c, workflows.UpdateMapping, workflows.MappingRequest{Request: req(sam), Mapping: st.Mapping}); err != nil {
		return c, err
	}
	if err := d.Client.SignalWorkflow(ctx, c.WorkflowID, "", workflows.SignalCancel, workflows.CancelRequest{Actor: sam.ID}); err != nil {
		return c, err
	}
	return c, d.Wait(ctx, c)
}
