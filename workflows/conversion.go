package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/crmconvert/crmconvert/activities"
	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
)

// Conversion is the workflow of one opportunity's conversion into an order.
// It loads the opportunity, then waits for its user's steps (Updates) until
// the order is saved and the close prompt answered, or until it is cancelled
// (signal) or left idle too long.
func Conversion(ctx workflow.Context, in Input) (conversion.State, error) {
	c := newConversion(ctx, in)
	if err := c.setup(ctx); err != nil {
		return conversion.State{}, err
	}
	return c.run(ctx)
}

// conv is one run of the workflow: its state and the handlers that change it.
type conv struct {
	in    Input
	idle  time.Duration
	state conversion.State
	// steps counts accepted steps; the idle timer restarts when it moves.
	steps int
	// opened is set by the first open Update, which is the one that started the conversion.
	opened bool
	// loadErr is why the snapshot could not be read; the conversion then ends.
	loadErr error
	// background counts activities started by handlers that the run waits for before it ends.
	background int
	// answers are the latest steps' Update ids with what they answered, so
	// that a step repeated with the same Idempotency-Key after
	// continue-as-new is recognised: Temporal deduplicates within a run only.
	answers []Answer
	// act is only used for its method values, which name the activities.
	act *activities.Activities
	// lean is set in runs started under versionLeanHistory, given in those
	// started under its version leanHistoryGiven.
	lean, given bool
	// bySignal is set in a SignalledConversion: its steps come as signals.
	bySignal bool
}

// Answer is what a step's Update answered.
type Answer struct {
	UpdateID string           `json:"update_id"`
	State    conversion.State `json:"state"`
}

// maxAnswers is how many answers a conversion keeps: enough for a client
// retrying its last few requests, small enough for the continue-as-new input.
const maxAnswers = 8

func newConversion(ctx workflow.Context, in Input) *conv {
	c := &conv{in: in, idle: in.IdleTimeout}
	if c.idle <= 0 {
		c.idle = DefaultIdleTimeout
	}
	if in.State != nil {
		c.state = *in.State
		c.answers = in.Answers
		c.opened = true
		return c
	}
	now := workflow.Now(ctx)
	c.state = conversion.State{
		WorkflowID:     workflow.GetInfo(ctx).WorkflowExecution.ID,
		OrganizationID: in.OrganizationID,
		OpportunityID:  in.OpportunityID,
		StartedBy:      in.StartedBy,
		StartedAt:      now,
		UpdatedAt:      now,
		ExpiresAt:      now.Add(c.idle),
	}
	return c
}

func (c *conv) run(ctx workflow.Context) (conversion.State, error) {
	logger := workflow.GetLogger(ctx)
	lean := workflow.GetVersion(ctx, versionLeanHistory, workflow.DefaultVersion, leanHistoryGiven)
	c.lean, c.given = lean >= leanHistoryFirst, lean >= leanHistoryGiven
	if !c.state.Loaded() {
		if !c.lean {
			c.publishIdentity(ctx, StepStarting)
		}
		if err := c.load(ctx); err != nil {
			c.loadErr = err
			c.state.End(conversion.StepCancelled)
			if c.lean {
				c.publishIdentity(ctx, string(c.state.Step))
			}
			logger.Warn("conversion cannot start", "error", err)
			c.awaitHandlers(ctx)
			return c.state, err
		}
	}
	lazyTimer := c.lean || workflow.GetVersion(ctx, versionLazyIdleTimer, workflow.DefaultVersion, 1) == 1
	for !c.state.Step.Ended() {
		seen := c.steps
		woke := false
		var err error
		if wait := c.state.ExpiresAt.Sub(workflow.Now(ctx)); wait > 0 {
			woke, err = workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout:      wait,
				TimerOptions: workflow.TimerOptions{Summary: "idle expiry: waiting for " + c.state.StartedBy.Name + "'s next step"},
			}, func() bool {
				return (!lazyTimer && c.steps != seen) || c.state.Step.Ended() || c.continueAsNewSuggested(ctx)
			})
		} else if c.state.Saving {
			// A save under way is never cut short: it finishes, and the
			// close prompt then gets its own idle time.
			err = workflow.Await(ctx, func() bool { return !c.state.Saving || c.continueAsNewSuggested(ctx) })
			woke = true
		}
		if err != nil {
			return c.state, err
		}
		if c.continueAsNewSuggested(ctx) {
			return c.continueAsNew(ctx)
		}
		if woke || c.state.Saving || c.state.Step.Ended() {
			continue
		}
		if lazyTimer && c.state.ExpiresAt.After(workflow.Now(ctx)) {
			continue // steps moved the deadline while the timer ran: wait for the rest
		}
		c.state.End(conversion.StepExpired)
		c.stepped(ctx)
		logger.Info("conversion expired", "idle", c.idle)
	}
	c.awaitHandlers(ctx)
	return c.state, nil
}

// continueAsNewSuggested is true when the history grows long enough that
// Temporal suggests a new run, and no save is under way.
func (c *conv) continueAsNewSuggested(ctx workflow.Context) bool {
	return workflow.GetInfo(ctx).GetContinueAsNewSuggested() && !c.state.Saving && !c.state.Step.Ended()
}

// continueAsNew carries the whole conversion into a new run once every
// Update in flight is answered, so none is lost.
func (c *conv) continueAsNew(ctx workflow.Context) (conversion.State, error) {
	c.awaitHandlers(ctx)
	workflow.GetLogger(ctx).Info("continuing as new", "history_length", workflow.GetInfo(ctx).GetCurrentHistoryLength())
	in := c.in
	in.State = &c.state
	in.Answers = c.answers
	in.Snapshot = nil // the state holds what it gave
	return conversion.State{}, workflow.NewContinueAsNewError(ctx, workflow.GetInfo(ctx).WorkflowType.Name, in)
}

// awaitHandlers lets every Update in flight and every background activity
// finish, so that no caller is left without an answer when the run ends.
func (c *conv) awaitHandlers(ctx workflow.Context) {
	_ = workflow.Await(ctx, func() bool {
		return c.background == 0 && workflow.AllHandlersFinished(ctx)
	})
}

// versionLocalSnapshot marks the change that reads the snapshot as a local
// activity: in the worker that runs the workflow task, with no round trip
// through the server, so a new conversion answers its first request sooner.
// Runs started before it keep reading it as an ordinary activity.
const versionLocalSnapshot = "snapshot-as-local-activity"

func (c *conv) load(ctx workflow.Context) error {
	in := activities.SnapshotInput{
		OrganizationID: c.in.OrganizationID,
		OpportunityID:  c.in.OpportunityID,
		UserID:         c.in.StartedBy.ID,
	}
	var snap conversion.Snapshot
	var err error
	if c.given && c.in.Snapshot != nil {
		snap = *c.in.Snapshot
	} else if !c.lean && workflow.GetVersion(ctx, versionLocalSnapshot, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		err = workflow.ExecuteActivity(withOptions(ctx, readOptions), c.act.LoadSnapshot, in).Get(ctx, &snap)
	} else {
		lctx := workflow.WithLocalActivityOptions(ctx, localReadOptions)
		err = workflow.ExecuteLocalActivity(lctx, loadSnapshotActivity, in).Get(ctx, &snap)
	}
	if err != nil {
		return refusalOf(err)
	}
	if err := snap.Opportunity.Convertible(); err != nil {
		return reject(err)
	}
	c.state.Load(snap.Opportunity, snap.CustomFields, snap.Remembered)
	c.state.Touch(workflow.Now(ctx), c.idle)
	c.publish(ctx)
	return nil
}

// stepped records an accepted step and shows it to operators.
func (c *conv) stepped(ctx workflow.Context) {
	c.steps++
	c.state.Touch(workflow.Now(ctx), c.idle)
	c.publish(ctx)
}

// answered returns what the current Update's id answered before, if it did.
func (c *conv) answered(ctx workflow.Context) (conversion.State, bool) {
	info := workflow.GetCurrentUpdateInfo(ctx)
	if info == nil {
		return conversion.State{}, false
	}
	for _, a := range c.answers {
		if a.UpdateID == info.ID {
			return a.State, true
		}
	}
	return conversion.State{}, false
}

// answer keeps the current Update's answer, dropping the oldest.
func (c *conv) answer(ctx workflow.Context) {
	info := workflow.GetCurrentUpdateInfo(ctx)
	if info == nil {
		return
	}
	c.answers = append(c.answers, Answer{UpdateID: info.ID, State: c.state})
	if len(c.answers) > maxAnswers {
		c.answers = c.answers[len(c.answers)-maxAnswers:]
	}
}

func (c *conv) today(ctx workflow.Context) string {
	return workflow.Now(ctx).UTC().Format(time.DateOnly)
}

// conversionKey identifies this conversion across continue-as-new: the
// workflow id and the id of its first run.
func (c *conv) conversionKey(ctx workflow.Context) string {
	info := workflow.GetInfo(ctx)
	first := info.FirstRunID
	if first == "" { // Temporal's test environment leaves it empty
		first = info.WorkflowExecution.RunID
	}
	return info.WorkflowExecution.ID + "/" + first
}

// rememberMapping keeps the user's mapping in the background: a failure to
// remember does not fail the step, and the run waits for it before it ends.
// Since leanHistoryGiven it is written like the save, locally first: the
// step's answer waits for one short write, and no activity task and no
// second workflow task follow. Before, it was an ordinary activity that the
// answer did not wait for.
func (c *conv) rememberMapping(ctx workflow.Context, m conversion.Mapping) {
	c.background++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { c.background-- }()
		in := activities.RememberInput{UserID: c.state.StartedBy.ID, Mapping: m}
		var err error
		if c.given {
			err = c.write(ctx, rememberMappingActivity, c.act.RememberMapping, in, nil)
		} else {
			err = workflow.ExecuteActivity(withOptions(ctx, writeOptions), c.act.RememberMapping, in).Get(ctx, nil)
		}
		if err != nil {
			workflow.GetLogger(ctx).Warn("mapping not remembered", "error", err)
		}
	})
}

// save writes the order, then moves to the close prompt or completes.
func (c *conv) save(ctx workflow.Context) error {
	c.state.Saving = true
	var saved crm.SavedOrder
	err := c.write(ctx, saveOrderActivity, c.act.SaveOrder, crm.NewOrder{
		ConversionKey:  c.conversionKey(ctx),
		OrganizationID: c.state.OrganizationID,
		OpportunityID:  c.state.OpportunityID,
		CreatedBy:      c.state.StartedBy.ID,
		Draft:          *c.state.Draft,
	}, &saved)
	if err != nil {
		c.state.Saving = false
		return refusalOf(err)
	}
	c.state.Saved(conversion.OrderRef{ID: saved.ID, Number: saved.Number}, saved.MayClose)
	return nil
}

// versionLeanHistory marks the change that makes a run's history lean. Each
// workflow.GetVersion writes a marker and a search attribute upsert, and
// each upsert is a write to visibility, so a new run asks for this one
// version only and takes the three earlier ones (versionLocalSnapshot,
// versionLazyIdleTimer, versionLocalWrites at 2) as given. It also expects
// its memo from whoever starts it (StartMemo) instead of setting it, and
// upserts its identity with its first step. A new run's start went from 4
// upserts and a memo change to 2 upserts; the save from 2 upserts to 1.
//
// Its version 2 (leanHistoryGiven) takes the snapshot from the input, as
// the API read it to check the opportunity and name the run, instead of
// reading it again in a local activity (a marker less per start, and the
// opportunity and its items read once instead of twice), and remembers the
// mapping locally first. (That local write was once withdrawn for a
// minute-long stall of new conversions at 32 starts at once; the stall was
// the SDK's default pollers, see worker.Pollers.)
const versionLeanHistory = "lean-history"

// The versions of versionLeanHistory.
const (
	leanHistoryFirst workflow.Version = 1
	leanHistoryGiven workflow.Version = 2
)

// versionLazyIdleTimer marks the change that keeps one idle timer running
// across steps, re-armed for the rest of the idle time when it fires, instead
// of cancelling and starting a timer at every step: two events and a timer
// write less per step. Runs started before it restart the timer as before.
const versionLazyIdleTimer = "lazy-idle-timer"

// versionLocalWrites marks the changes to how the save and the close run.
// Version 1 ran them as local activities only: one workflow task per step
// instead of three, but a database outage then held the workflow task open
// for as long as it lasted, so queries timed out and history grew with each
// retry. Version 2 tries locally for a few seconds, then hands the write to
// an ordinary activity that retries durably. Both writes are idempotent, so
// running one again on another path is safe.
const versionLocalWrites = "writes-as-local-activities"

// write runs a write activity and reads its result into out.
func (c *conv) write(ctx workflow.Context, name string, method any, arg any, out any) error {
	durable := func() error {
		return workflow.ExecuteActivity(withOptions(ctx, writeOptions), method, arg).Get(ctx, out)
	}
	version := workflow.Version(2)
	if !c.lean {
		version = workflow.GetVersion(ctx, versionLocalWrites, workflow.DefaultVersion, 2)
	}
	switch version {
	case workflow.DefaultVersion:
		return durable()
	case 1:
		return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localWriteOptionsV1), name, arg).Get(ctx, out)
	}
	err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localWriteOptions), name, arg).Get(ctx, out)
	var appErr *temporal.ApplicationError
	if err == nil || (errors.As(err, &appErr) && appErr.NonRetryable()) {
		return err // done, or refused by a rule: no retry changes that
	}
	workflow.GetLogger(ctx).Warn("write not done locally; retrying it as an activity", "activity", name, "error", err)
	return durable()
}

// decideClose records the answer to the close prompt, closing the opportunity on a yes.
func (c *conv) decideClose(ctx workflow.Context, close bool) error {
	if !close {
		c.state.CloseAnswered(false, false, "")
		return nil
	}
	var res crm.CloseResult
	err := c.write(ctx, closeOpportunityActivity, c.act.CloseOpportunity, crm.CloseOpportunity{
		OrganizationID: c.state.OrganizationID,
		OpportunityID:  c.state.OpportunityID,
		UserID:         c.state.StartedBy.ID,
		Reason:         "opportunity closed as won after order " + c.state.Order.Number,
	}, &res)
	if err != nil {
		var refusal *conversion.Error
		if !errors.As(refusalOf(err), &refusal) || refusal.Kind != conversion.KindForbidden {
			return refusalOf(err)
		}
		// The user lost the right to close since the prompt was shown:
		// the answer is recorded and the conversion still completes.
		res = crm.CloseResult{Closed: false, Note: refusal.Detail}
	}
	c.state.CloseAnswered(true, res.Closed, res.Note)
	return nil
}

// reject turns a rule's refusal into the error an Update returns; the kind
// travels as the error's type and the refusal itself as its details.
func reject(err error) error {
	var refusal *conversion.Error
	if errors.As(err, &refusal) {
		return temporal.NewApplicationErrorWithOptions(refusal.Detail, string(refusal.Kind),
			temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{*refusal}})
	}
	return err
}

// refusalOf finds the refusal an activity reported and returns it as an
// Update error; other activity errors are returned as they are.
func refusalOf(err error) error {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.HasDetails() {
		var refusal conversion.Error
		if appErr.Details(&refusal) == nil && refusal.Kind != "" {
			return reject(&refusal)
		}
	}
	return err
}
