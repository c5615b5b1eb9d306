package deploy

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/crmconvert/crmconvert/devstack"
	"github.com/crmconvert/crmconvert/workflows"
)

// The compose file's temporal-setup job, run as the job runs it (the same
// script, the settings compose gives it, the `temporal` CLI of the same
// line as the admin-tools image's) against a dev server instead of the
// compose one: it creates the namespace and registers the workflow's search
// attributes, and a second run changes nothing.
func TestSetupNamespaceScript(t *testing.T) {
	ctx := context.Background()
	bin, err := devstack.TemporalBinary(ctx)
	require.NoError(t, err)
	srv, err := devstack.StartTemporal(ctx, devstack.TemporalOptions{Binary: bin, UIPort: -1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Stop(context.Background()) })

	job := loadCompose(t, nil).Services["temporal-setup"]
	const namespace = "crm-compose"
	env := os.Environ()
	for k, v := range job.Environment {
		env = append(env, k+"="+*v)
	}
	env = append(env,
		"TEMPORAL_ADDRESS="+srv.Address(),
		"NAMESPACE="+namespace,
		"PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
	)
	for run := 1; run <= 2; run++ {
		cmd := exec.Command("sh", filepath.Join("temporal", "setup-namespace.sh"))
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "run %d:\n%s", run, out)
		t.Logf("run %d:\n%s", run, out)
	}

	c, err := client.Dial(client.Options{HostPort: srv.Address(), Namespace: namespace})
	require.NoError(t, err)
	defer c.Close()
	list, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	require.NoError(t, err)
	for _, key := range workflows.SearchAttributes() {
		require.Equal(t, key.GetValueType(), list.GetCustomAttributes()[key.GetName()], key.GetName())
	}
}
