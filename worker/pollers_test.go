package worker

import (
	"testing"

	"github.com/stretchr/testify/require"
	sdkworker "go.temporal.io/sdk/worker"
)

func TestOptionsThatNameNoPollingGetAutoscalingPollers(t *testing.T) {
	opts := withPollers(sdkworker.Options{})
	require.Equal(t, Pollers(0), opts.WorkflowTaskPollerBehavior)
	require.Equal(t, Pollers(0), opts.ActivityTaskPollerBehavior)

	fixed := withPollers(sdkworker.Options{MaxConcurrentWorkflowTaskPollers: 4, ActivityTaskPollerBehavior: Pollers(2)})
	require.Nil(t, fixed.WorkflowTaskPollerBehavior, "a fixed number of pollers is kept")
	require.Equal(t, 4, fixed.MaxConcurrentWorkflowTaskPollers)
	require.Equal(t, Pollers(2), fixed.ActivityTaskPollerBehavior)
}
