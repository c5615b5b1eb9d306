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
	steps := []struct {
		name      string
		handler   any
		validator any
	}{
		{UpdateMapping, c.setMapping, c.validateMapping},
		{UpdateItems, c.setItems, c.validateItems},
		{UpdateDraft, c.editDraft, c.validateDraft},
		{UpdateSave, c.saveOrder, c.validateSave},
		{UpdateClose, c.closeDecision, c.validateClose},
		{UpdateBack, c.back, c.validateBack},
	}
	for _, s := range steps {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, s.name, s.handler,
			workflow.UpdateHandlerOptions{Validator: s.validator}); err != nil {
			return err
		}
	}
	return nil
}

// gate is the check every step's validator and handler start with.
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

func (c *conv) validateMapping(ctx workflow.Context, req MappingRequest) error {
	if err := c.gate(req.Request, conversion.ActionMapping); err != nil {
		return reject(err)
	}
	return reject(c.state.ValidateMapping(req.Mapping))
}

func (c *conv) setMapping(ctx workflow.Context, req MappingRequest) (conversion.State, error) {
	if err := c.validateMapping(ctx, req); err != nil {
		return conversion.State{}, err
	}
	if err := c.state.SetMapping(req.Mapping, c.today(ctx)); err != nil {
		return conversion.State{}, reject(err)
	}
	c.stepped(ctx)
	c.rememberMapping(ctx, req.Mapping)
	return c.state, nil
}

func (c *conv) validateItems(ctx workflow.Context, req ItemsRequest) error {
	if err := c.gate(req.Request, conversion.ActionItems); err != nil {
		return reject(err)
	}
	return reject(c.state.ValidatePicks(req.Items))
}

func (c *conv) setItems(ctx workflow.Context, req ItemsRequest) (conversion.State, error) {
	if err := c.validateItems(ctx, req); err != nil {
		return conversion.State{}, err
	}
	if err := c.state.SetPicks(req.Items, c.today(ctx)); err != nil {
		return conversion.State{}, reject(err)
	}
	c.stepped(ctx)
	return c.state, nil
}

func (c *conv) validateDraft(ctx workflow.Context, req DraftRequest) error {
	if err := c.gate(req.Request, conversion.ActionDraft); err != nil {
		return reject(err)
	}
	return reject(c.state.ValidatePatch(req.Patch))
}

func (c *conv) editDraft(ctx workflow.Context, req DraftRequest) (conversion.State, error) {
	if err := c.validateDraft(ctx, req); err != nil {
		return conversion.State{}, err
	}
	if err := c.state.ApplyPatch(req.Patch, c.today(ctx)); err != nil {
		return conversion.State{}, reject(err)
	}
	c.stepped(ctx)
	return c.state, nil
}

func (c *conv) validateSave(ctx workflow.Context, req Request) error {
	if err := c.gate(req, conversion.ActionSave); err != nil {
		return reject(err)
	}
	return reject(c.state.ValidateSave())
}

func (c *conv) saveOrder(ctx workflow.Context, req Request) (conversion.State, error) {
	if err := c.validateSave(ctx, req); err != nil {
		return conversion.State{}, err
	}
	if err := c.save(ctx); err != nil {
		return conversion.State{}, err
	}
	c.stepped(ctx)
	return c.state, nil
}

func (c *conv) validateClose(ctx workflow.Context, req CloseRequest) error {
	return reject(c.gate(req.Request, conversion.ActionCloseDecide))
}

func (c *conv) closeDecision(ctx workflow.Context, req CloseRequest) (conversion.State, error) {
	if err := c.validateClose(ctx, req); err != nil {
		return conversion.State{}, err
	}
	c.state.Saving = true // no other step while the answer is carried out
	err := c.decideClose(ctx, req.Close)
	c.state.Saving = false
	if err != nil {
		return conversion.State{}, err
	}
	c.stepped(ctx)
	return c.state, nil
}

func (c *conv) validateBack(ctx workflow.Context, req Request) error {
	return reject(c.gate(req, conversion.ActionBack))
}

func (c *conv) back(ctx workflow.Context, req Request) (conversion.State, error) {
	if err := c.validateBack(ctx, req); err != nil {
		return conversion.State{}, err
	}
	if err := c.state.Back(); err != nil {
		return conversion.State{}, reject(err)
	}
	c.stepped(ctx)
	return c.state, nil
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
