package main

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/workflows"
)

// pollInterval is how often the signal-and-poll client asks; shorter than
// browsers usually poll, which favours the pattern.
const pollInterval = 20 * time.Millisecond

// stepTimeout bounds the wait for one step to show: a signal cannot be
// refused, so a refused step shows only as a state that never moves.
const stepTimeout = 30 * time.Second

// signalledConversion runs the same conversion as ours in the
// signal-and-poll pattern of Temporal's order-management reference app: the
// opportunity read as the API reads it and the workflow started (with
// workflows.SignalledConversion, which does our workflow's work behind each
// step), then each step sent as a signal and the state query polled until
// the state's version moves past the one seen before.
func signalledConversion(ctx context.Context, c client.Client, store *crm.Store, queue, org string, user conversion.User, opp, item string, rec *recorder) error {
	start := time.Now()
	snap, err := store.ConversionSnapshot(ctx, org, opp, user.ID)
	if err != nil {
		return fmt.Errorf("read opportunity %s: %w", opp, err)
	}
	opts, in := workflows.StartOptions(queue, org, snap, user, 0)
	if _, err := c.ExecuteWorkflow(ctx, opts, workflows.SignalledWorkflowName, in); err != nil {
		return fmt.Errorf("start %s: %w", opts.ID, err)
	}
	st, err := poll(ctx, c, opts.ID, workflows.QueryState, func(st conversion.State) bool { return st.Loaded() })
	if err != nil {
		return err
	}
	rec.named("start", time.Since(start))
	for i, s := range conversionSteps(user, item) {
		start := time.Now()
		if err := c.SignalWorkflow(ctx, opts.ID, "", s.name, s.arg); err != nil {
			return fmt.Errorf("%s on %s: %w", s.name, opts.ID, err)
		}
		seen := st.Version
		if st, err = poll(ctx, c, opts.ID, workflows.QueryState, func(st conversion.State) bool { return st.Version > seen }); err != nil {
			return fmt.Errorf("%s on %s: %w", s.name, opts.ID, err)
		}
		rec.named(ourSteps[i+1], time.Since(start))
	}
	return nil
}

// poll asks the workflow's query every pollInterval until shown says the
// answer shows the step, and returns that answer; it gives up after
// stepTimeout.
func poll[T any](ctx context.Context, c client.Client, id, query string, shown func(T) bool) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	for {
		var answer T
		v, err := c.QueryWorkflow(ctx, id, "", query)
		if err != nil {
			return answer, err
		}
		if err := v.Get(&answer); err != nil {
			return answer, err
		}
		if shown(answer) {
			return answer, nil
		}
		select {
		case <-ctx.Done():
			return answer, fmt.Errorf("step not seen on %s: %w", id, ctx.Err())
		case <-time.After(pollInterval):
		}
	}
}
