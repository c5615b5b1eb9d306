package replay

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/workflows"
)

// histories lists every recorded history, of every version of the workflow.
func histories(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*", "*.json"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), len(Paths())+2, "the recorded histories are missing: see HISTORIES.md")
	return files
}

// Today's workflow code replays every recorded history: a conversion under
// way on any earlier version would carry on after a deploy.
func TestReplayRecordedHistories(t *testing.T) {
	for _, file := range histories(t) {
		t.Run(filepath.Base(filepath.Dir(file))+"/"+filepath.Base(file), func(t *testing.T) {
			replayer := worker.NewWorkflowReplayer()
			replayer.RegisterWorkflowWithOptions(workflows.Conversion, workflow.RegisterOptions{Name: workflows.WorkflowName})
			require.NoError(t, replayer.ReplayWorkflowHistoryFromJSONFile(nil, file))
		})
	}
}

// The replayer is not a test that cannot fail: a workflow that does not
// make the recorded commands is caught.
func TestReplayCatchesAChangedCommandSequence(t *testing.T) {
	skipsTheSnapshot := func(ctx workflow.Context, in workflows.Input) (conversion.State, error) {
		return conversion.State{}, workflow.Sleep(ctx, 0)
	}
	replayer := worker.NewWorkflowReplayer()
	replayer.RegisterWorkflowWithOptions(skipsTheSnapshot, workflow.RegisterOptions{Name: workflows.WorkflowName})
	file := filepath.Join("testdata", "histories", "v1", "straight-close-yes.json")
	_, err := os.Stat(file)
	require.NoError(t, err)
	err = replayer.ReplayWorkflowHistoryFromJSONFile(nil, file)
	require.Error(t, err)
	require.Contains(t, err.Error(), "TMPRL1100", "the SDK's code for a non-deterministic workflow")
}
