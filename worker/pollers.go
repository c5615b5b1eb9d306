package worker

import sdkworker "go.temporal.io/sdk/worker"

// Pollers is how a worker polls each of its task queues: autoscaling, from
// one poll up to max (0: the SDK's maximum, 100), following the server's
// hints.
//
// The SDK's default (a fixed two pollers, each choosing between the
// workflow task queue and the worker's sticky queue) sends every poll to the
// sticky queue while the last sticky task it took said more were waiting.
// When that hint is stale, no poll reaches the ordinary queue until a sticky
// poll comes back empty, a minute later: under load, new conversions' first
// workflow tasks then wait that long (seen as 503s at 32 starts at once),
// and Updates of running ones now and then wait seconds. Autoscaling keeps
// at least one poll on each queue.
func Pollers(max int) sdkworker.PollerBehavior {
	return sdkworker.NewPollerBehaviorAutoscaling(sdkworker.PollerBehaviorAutoscalingOptions{MaximumNumberOfPollers: max})
}

// withPollers gives opts autoscaling pollers where it names no way of polling.
func withPollers(opts sdkworker.Options) sdkworker.Options {
	if opts.WorkflowTaskPollerBehavior == nil && opts.MaxConcurrentWorkflowTaskPollers == 0 {
		opts.WorkflowTaskPollerBehavior = Pollers(0)
	}
	if opts.ActivityTaskPollerBehavior == nil && opts.MaxConcurrentActivityTaskPollers == 0 {
		opts.ActivityTaskPollerBehavior = Pollers(0)
	}
	return opts
}
