package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// readOptions are for reading the opportunity: quick, retried without end
// while the database is down, since the user waits on a conversion that
// cannot start without it.
var readOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 15 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    200 * time.Millisecond,
		BackoffCoefficient: 2,
		MaximumInterval:    10 * time.Second,
	},
}

// writeOptions are for the writes: each is idempotent, so it is retried with
// backoff until it succeeds or a rule refuses it (a non-retryable error).
var writeOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    500 * time.Millisecond,
		BackoffCoefficient: 2,
		MaximumInterval:    30 * time.Second,
	},
}

// localReadOptions are for reading the opportunity in the worker itself:
// retried for a minute, after which the conversion cannot start (the API
// answers 503 and the user may try again).
var localReadOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout:    10 * time.Second,
	ScheduleToCloseTimeout: time.Minute,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    200 * time.Millisecond,
		BackoffCoefficient: 2,
		MaximumInterval:    5 * time.Second,
	},
}

// localWriteOptions are for the save and the close run in the worker: a
// few quick tries within the workflow task, enough for a passing blip;
// past them the write goes to an ordinary activity (writeOptions), which
// waits out a longer outage without holding the task.
var localWriteOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout:    5 * time.Second,
	ScheduleToCloseTimeout: 5 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    200 * time.Millisecond,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Second,
	},
}

// localWriteOptionsV1 are the local writes' options of runs started under
// version 1 of versionLocalWrites (local only, retried for days).
var localWriteOptionsV1 = workflow.LocalActivityOptions{
	StartToCloseTimeout:    30 * time.Second,
	ScheduleToCloseTimeout: 7 * 24 * time.Hour,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    500 * time.Millisecond,
		BackoffCoefficient: 2,
		MaximumInterval:    30 * time.Second,
	},
}

// The registered names of the activities run locally: a local activity
// given a method value would run it on the workflow's nil receiver instead
// of the worker's registered Activities.
const (
	loadSnapshotActivity     = "LoadSnapshot"
	saveOrderActivity        = "SaveOrder"
	closeOpportunityActivity = "CloseOpportunity"
	rememberMappingActivity  = "RememberMapping"
)

func withOptions(ctx workflow.Context, o workflow.ActivityOptions) workflow.Context {
	return workflow.WithActivityOptions(ctx, o)
}
