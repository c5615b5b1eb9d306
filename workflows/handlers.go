package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/crmconvert/crmconvert/conversion"
)

// setup registers every handler before the workflow's first blocking call,
// so that no Update, query or signal that arrives with the start is missed.
func (c *conv) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (conversion.State, error) {
		return c.state, nil
	}); err != nil {
		return err
	}
	c.listenForCancel(ctx)

	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateOpen, c.open,
		workflow.UpdateHandlerOptions{Validator: c.validateOpen}); err != nil {
		return err
	}
	for _, register := range []func(workflow.Context) error{
		step(c, UpdateMapping, c.validateMapping, c.setMapping),
		step(c, UpdateItems, c.validateItems, c.setItems),
		step(c, UpdateDraft, c.validateDraft, c.editDraft),
		step(c, UpdateSave, c.validateSave, c.saveOrder),
		step(c, UpdateClose, c.validateClose, c.closeDecision),
		step(c, UpdateBack, c.validateBack, c.back),
	} {
		if err := register(ctx); err != nil {
			return err
		}
	}
	return nil
}

// step makes the registration of one step's Update. Every step answers the
// conversion's new state, and runs the same way: an Update id answered
// before (in an earlier run, before continue-as-new) gets its first answer
// again; else validate, apply, then record the step.
func step[R any](c *conv, name string, validate func(R) error, apply func(workflow.Context, R) error) func(workflow.Context) error {
	do := func(ctx workflow.Context, req R) error {
		if err := validate(req); err != nil {
			return reject(err)
		}
		if err := apply(ctx, req); err != nil {
			return reject(err)
		}
		c.stepped(ctx)
		return nil
	}
	handler := func(ctx workflow.Context, req R) (conversion.State, error) {
		if st, ok := c.answered(ctx); ok {
			return st, nil
		}
		if err := do(ctx, req); err != nil {
			return conversion.State{}, err
		}
		c.answer(ctx)
		return c.state, nil
	}
	validator := func(ctx workflow.Context, req R) error {
		if _, ok := c.answered(ctx); ok {
			return nil
		}
		return reject(validate(req))
	}
	return func(ctx workflow.Context) error {
		if c.bySignal {
			listen(ctx, name, do)
			return nil
		}
		return workflow.SetUpdateHandlerWithOptions(ctx, name, handler,
			workflow.UpdateHandlerOptions{Validator: validator})
	}
}

// gate is the check every step starts with.
func (c *conv) gate(req Request, a conversion.Action) error {
	if !c.state.Loaded() {
		return conversion.Refuse(conversion.KindWrongStep, "the conversion is still starting")
	}
	return c.state.Check(req.Actor, a, req.IfVersion)
}

// validateOpen lets only the user who started the conversion resume it.
func (c *conv) validateOpen(ctx workflow.Context, req OpenRequest) error {
	switch {
	case req.Actor.ID != c.state.StartedBy.ID:
		return reject(conversion.Refuse(conversion.KindConflict,
			"this opportunity is being converted by %s since %s",
			c.state.StartedBy.Name, c.state.StartedAt.UTC().Format("2006-01-02 15:04 MST")))
	case c.state.Step.Ended():
		return reject(conversion.Refuse(conversion.KindConflict, "the conversion is %s; start again", c.state.Step))
	}
	return nil
}

// open answers start and resume alike, once the snapshot is in.
func (c *conv) open(ctx workflow.Context, req OpenRequest) (OpenResult, error) {
	created := !c.opened
	c.opened = true
	if err := workflow.Await(ctx, func() bool { return c.state.Loaded() || c.loadErr != nil }); err != nil {
		return OpenResult{}, err
	}
	if c.loadErr != nil {
		return OpenResult{}, c.loadErr
	}
	return OpenResult{Created: created, State: c.state}, nil
}

func (c *conv) validateMapping(req MappingRequest) error {
	if err := c.gate(req.Request, conversion.ActionMapping); err != nil {
		return err
	}
	return c.state.ValidateMapping(req.Mapping)
}

func (c *conv) setMapping(ctx workflow.Context, req MappingRequest) error {
	if err := c.state.SetMapping(req.Mapping, c.today(ctx)); err != nil {
		return err
	}
	c.rememberMapping(ctx, req.Mapping)
	return nil
}

func (c *conv) validateItems(req ItemsRequest) error {
	if err := c.gate(req.Request, conversion.ActionItems); err != nil {
		return err
	}
	return c.state.ValidatePicks(req.Items)
}

func (c *conv) setItems(ctx workflow.Context, req ItemsRequest) error {
	return c.state.SetPicks(req.Items, c.today(ctx))
}

func (c *conv) validateDraft(req DraftRequest) error {
	if err := c.gate(req.Request, conversion.ActionDraft); err != nil {
		return err
	}
	return c.state.ValidatePatch(req.Patch)
}

func (c *conv) editDraft(ctx workflow.Context, req DraftRequest) error {
	return c.state.ApplyPatch(req.Patch, c.today(ctx))
}

func (c *conv) validateSave(req Request) error {
	if err := c.gate(req, conversion.ActionSave); err != nil {
		return err
	}
	return c.state.ValidateSave()
}

func (c *conv) saveOrder(ctx workflow.Context, req Request) error {
	return c.save(ctx)
}

func (c *conv) validateClose(req CloseRequest) error {
	return c.gate(req.Request, conversion.ActionCloseDecide)
}

func (c *conv) closeDecision(ctx workflow.Context, req CloseRequest) error {
	c.state.Saving = true // no other step while the answer is carried out
	defer func() { c.state.Saving = false }()
	return c.decideClose(ctx, req.Close)
}

func (c *conv) validateBack(req Request) error {
	return c.gate(req, conversion.ActionBack)
}

func (c *conv) back(ctx workflow.Context, req Request) error {
	return c.state.Back()
}

// listenForCancel ends the conversion on the cancel signal, at any step that
// allows it. Once the order is saved there is nothing left to cancel.
func (c *conv) listenForCancel(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, SignalCancel)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var req CancelRequest
			if !ch.Receive(ctx, &req) {
				return
			}
			if c.state.Saving || !c.state.Step.Allows(conversion.ActionCancel) {
				workflow.GetLogger(ctx).Info("cancel ignored", "step", c.state.Step, "by", req.Actor)
				continue
			}
			c.state.End(conversion.StepCancelled)
			c.stepped(ctx)
		}
	})
}
