package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/crmconvert/crmconvert/conversion"
)

// SignalledWorkflowName is the name SignalledConversion is registered under.
const SignalledWorkflowName = "SignalledConversion"

// SignalledConversion is Conversion with each step sent as a signal of the
// step's name instead of an Update, and its outcome read by polling the
// state query: the signal-and-poll pattern of Temporal's order-management
// reference app, with exactly Conversion's work behind every step. The
// product does not run it. The benchmark does (cmd/bench, mode
// signal+poll), to compare the two patterns doing the same conversion.
//
// What the pattern gives up shows here: a signal cannot be refused, so a
// step its rules refuse is only logged, and the polling client sees no
// change instead of a reason; and a caller learns of its step's outcome only
// at its next poll.
func SignalledConversion(ctx workflow.Context, in Input) (conversion.State, error) {
	c := newConversion(ctx, in)
	c.bySignal = true
	if err := c.setup(ctx); err != nil {
		return conversion.State{}, err
	}
	return c.run(ctx)
}

// listen applies each signal of the step's name with the step's handler,
// one after the other, as they arrive.
func listen[R any](ctx workflow.Context, name string, do func(workflow.Context, R) error) {
	ch := workflow.GetSignalChannel(ctx, name)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var req R
			ch.Receive(ctx, &req)
			if err := do(ctx, req); err != nil {
				workflow.GetLogger(ctx).Warn("step refused", "step", name, "error", err)
			}
		}
	})
}
