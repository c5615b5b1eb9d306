package deploy

import (
	"context"
	"maps"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/crmconvert/crmconvert/workflows"
)

// root is the repository, where docker-compose.yml and the Dockerfile are.
const root = ".."

// The services docker-compose.yml must define, long-running or one-shot.
var (
	longRunning = []string{"postgres", "temporal", "temporal-ui", "api", "worker"}
	oneShot     = []string{"temporal-schema", "temporal-setup", "migrate"}
	crmServices = []string{"migrate", "api", "worker"} // the crmconvert image
)

// loadCompose loads docker-compose.yml as `docker compose` would with only
// env set: no variable of this process's environment and no .env file leak
// in, so an empty env shows the file's own defaults.
func loadCompose(t *testing.T, env map[string]string) *types.Project {
	t.Helper()
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root), cli.WithEnv(list))
	require.NoError(t, err)
	p, err := opts.LoadProject(context.Background())
	require.NoError(t, err, "docker-compose.yml does not load")
	return p
}

// overrides sets every variable a deployment is expected to change.
var overrides = map[string]string{
	"POSTGRES_USER":                "ops",
	"POSTGRES_PASSWORD":            "s3cret",
	"CRM_DATABASE":                 "crm_prod",
	"TEMPORAL_DATABASE":            "tmp_main",
	"TEMPORAL_VISIBILITY_DATABASE": "tmp_vis",
	"TEMPORAL_NAMESPACE":           "crm-prod",
	"TEMPORAL_TASK_QUEUE":          "crm-prod-conversion",
	"AUTH_JWT_SECRET":              "a-long-random-secret",
	"HOST_IP":                      "0.0.0.0",
	"API_PORT":                     "18080",
	"TEMPORAL_UI_PORT":             "18233",
	"TEMPORAL_PORT":                "17233",
	"POSTGRES_PORT":                "15432",
	"CRMCONVERT_IMAGE":             "registry.example.com/crmconvert:1.4.2",
}

func TestComposeDefaultsAreConsistent(t *testing.T) {
	p := loadCompose(t, nil)
	checkConsistent(t, p)
	env := p.Services["api"].Environment
	require.Equal(t, "postgres://crm:crm@postgres:5432/crmconvert?sslmode=disable", *env["DATABASE_URL"])
	require.Equal(t, "default", *env["TEMPORAL_NAMESPACE"])
	require.Equal(t, "crm-conversion", *env["TEMPORAL_TASK_QUEUE"])
	require.Equal(t, map[string]string{"api": "127.0.0.1:8080", "temporal-ui": "127.0.0.1:8233", "temporal": "127.0.0.1:7233", "postgres": "127.0.0.1:5432"},
		published(p), "published on loopback by default")
	require.Equal(t, "crmconvert:dev", p.Services["api"].Image)
}

// Every variable reaches every place that needs it, so that changing one
// cannot leave two services disagreeing.
func TestComposeVariablesReachEveryService(t *testing.T) {
	p := loadCompose(t, overrides)
	checkConsistent(t, p)
	env := p.Services["worker"].Environment
	require.Equal(t, "postgres://ops:s3cret@postgres:5432/crm_prod?sslmode=disable", *env["DATABASE_URL"])
	require.Equal(t, "crm-prod", *env["TEMPORAL_NAMESPACE"])
	require.Equal(t, "a-long-random-secret", *p.Services["api"].Environment["AUTH_JWT_SECRET"])
	require.Equal(t, "tmp_vis", *p.Services["temporal"].Environment["VISIBILITY_DBNAME"])
	require.Equal(t, map[string]string{"api": "0.0.0.0:18080", "temporal-ui": "0.0.0.0:18233", "temporal": "0.0.0.0:17233", "postgres": "0.0.0.0:15432"},
		published(p))
	for _, name := range crmServices {
		require.Equal(t, "registry.example.com/crmconvert:1.4.2", p.Services[name].Image, name)
	}
}

// checkConsistent checks what must hold whatever the variables say.
func checkConsistent(t *testing.T, p *types.Project) {
	t.Helper()
	require.ElementsMatch(t, append(slices.Clone(longRunning), oneShot...), slices.Collect(maps.Keys(p.Services)))

	pg := p.Services["postgres"].Environment
	pgUser, pgPassword, crmDB := *pg["POSTGRES_USER"], *pg["POSTGRES_PASSWORD"], *pg["POSTGRES_DB"]
	require.NotEmpty(t, pgPassword)

	// crmconvert's processes: the variables they need, pointing at the
	// compose services, agreeing with each other.
	required := map[string][]string{
		"migrate": {"DATABASE_URL"},
		"api":     {"DATABASE_URL", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_TASK_QUEUE", "AUTH_JWT_SECRET", "HTTP_ADDR"},
		"worker":  {"DATABASE_URL", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_TASK_QUEUE", "HEALTH_ADDR"},
	}
	known := variablesReadByTheBinary(t)
	for name, vars := range required {
		env := p.Services[name].Environment
		for _, v := range vars {
			require.NotNil(t, env[v], "%s needs %s", name, v)
			require.NotEmpty(t, *env[v], "%s needs %s", name, v)
		}
		for v := range env {
			require.Contains(t, known, v, "%s sets %s, which crmconvert does not read", name, v)
		}
		db, err := url.Parse(*env["DATABASE_URL"])
		require.NoError(t, err)
		pw, _ := db.User.Password()
		require.Equal(t, []string{"postgres", "5432", pgUser, pgPassword, "/" + crmDB},
			[]string{db.Hostname(), db.Port(), db.User.Username(), pw, db.Path},
			"%s: DATABASE_URL is the postgres service's database and credentials", name)
	}
	api, worker := p.Services["api"].Environment, p.Services["worker"].Environment
	for _, v := range []string{"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_TASK_QUEUE", "AUTH_JWT_SECRET", "DATABASE_URL"} {
		require.Equal(t, *api[v], *worker[v], "api and worker agree on %s", v)
	}
	require.Equal(t, "temporal:7233", *api["TEMPORAL_ADDRESS"])
	namespace := *api["TEMPORAL_NAMESPACE"]
	require.Equal(t, namespace, *p.Services["temporal-setup"].Environment["NAMESPACE"], "the setup job creates the namespace the processes use")
	require.Equal(t, namespace, *p.Services["temporal-ui"].Environment["TEMPORAL_DEFAULT_NAMESPACE"])
	for _, name := range []string{"temporal-setup", "temporal-ui"} {
		require.Equal(t, "temporal:7233", *p.Services[name].Environment["TEMPORAL_ADDRESS"], name)
	}

	// Temporal's server and its schema job: the same databases, the
	// postgres service's credentials, listening where the others dial.
	server, schema := p.Services["temporal"].Environment, p.Services["temporal-schema"].Environment
	for _, v := range []string{"DB", "DB_PORT", "POSTGRES_SEEDS", "POSTGRES_USER", "POSTGRES_PWD", "DBNAME", "VISIBILITY_DBNAME"} {
		require.NotNil(t, server[v], "temporal needs %s", v)
		require.Equal(t, *server[v], *schema[v], "the schema job sets up what the server uses: %s", v)
	}
	require.Equal(t, "postgres12", *server["DB"])
	require.Equal(t, []string{"postgres", pgUser, pgPassword}, []string{*server["POSTGRES_SEEDS"], *server["POSTGRES_USER"], *server["POSTGRES_PWD"]})
	require.NotEqual(t, crmDB, *server["DBNAME"], "Temporal keeps its own database")
	require.NotEqual(t, *server["DBNAME"], *server["VISIBILITY_DBNAME"])
	require.Equal(t, "0.0.0.0", *server["BIND_ON_IP"], "the frontend must listen beyond the container's loopback")
	require.NotNil(t, server["NUM_HISTORY_SHARDS"], "set at cluster creation; the image's default of 4 is for development")
	require.Regexp(t, `^[1-9]\d*$`, *server["NUM_HISTORY_SHARDS"])

	// Health-check URLs name the ports the processes listen on.
	require.Equal(t, "8080", port(t, *api["HTTP_ADDR"]))
	require.Contains(t, p.Services["api"].HealthCheck.Test, "http://127.0.0.1:8080/readyz")
	require.Equal(t, "8081", port(t, *worker["HEALTH_ADDR"]))
	require.Contains(t, p.Services["worker"].HealthCheck.Test, "http://127.0.0.1:8081/readyz")
	require.Equal(t, uint32(8080), p.Services["api"].Ports[0].Target)

	// The crmconvert services share one image, built from the Dockerfile.
	image := p.Services["api"].Image
	for _, name := range crmServices {
		s := p.Services[name]
		require.Equal(t, image, s.Image, name)
		require.NotNil(t, s.Build, name)
		abs, err := filepath.Abs(root)
		require.NoError(t, err)
		require.Equal(t, abs, s.Build.Context, name)
		require.Equal(t, "Dockerfile", s.Build.Dockerfile, name)
	}
}

// Images of other projects are pinned to a version: no `latest`, no tag-less
// name, a tag that starts with a version number. The admin tools that set up
// Temporal's schema are of the server's version.
func TestComposeImagesArePinned(t *testing.T) {
	p := loadCompose(t, nil)
	version := regexp.MustCompile(`^v?\d+\.\d+(\.\d+)?([-.].*)?$`)
	tags := map[string]string{}
	for name, s := range p.Services {
		if s.Build != nil {
			continue // built here: the Dockerfile's base images are checked below
		}
		repo, tag := splitImage(s.Image)
		require.NotEmpty(t, tag, "%s: image %q has no tag", name, s.Image)
		require.NotEqual(t, "latest", tag, name)
		require.Regexp(t, version, tag, "%s: image %q is not pinned to a version", name, s.Image)
		tags[repo] = tag
	}
	server := tags["temporalio/server"]
	require.True(t, strings.HasPrefix(tags["temporalio/admin-tools"], server+"-"),
		"admin-tools %s is for server %s", tags["temporalio/admin-tools"], server)
	require.True(t, strings.HasPrefix(server, "1.29."), "the server line the dev server (CLI v1.5.1) embeds and the tests run on")
}

func TestComposeHealthChecksAndStartOrder(t *testing.T) {
	p := loadCompose(t, nil)
	for _, name := range longRunning {
		s := p.Services[name]
		require.NotNil(t, s.HealthCheck, "%s has no health check", name)
		require.False(t, s.HealthCheck.Disable, name)
		require.NotEmpty(t, s.HealthCheck.Test, name)
		require.NotEqual(t, "NONE", s.HealthCheck.Test[0], name)
		require.Equal(t, "unless-stopped", s.Restart, name)
	}
	for _, name := range oneShot {
		s := p.Services[name]
		require.Equal(t, "no", s.Restart, "%s runs once per `up`", name)
		require.Empty(t, s.Ports, name)
	}
	// The crmconvert image has no shell: its health check is the binary's
	// own `health` command, at the path the Dockerfile installs it.
	for _, name := range []string{"api", "worker"} {
		require.Equal(t, []string{"CMD", "/crmconvert", "health"}, []string(p.Services[name].HealthCheck.Test[:3]), name)
		require.NotNil(t, p.Services[name].StopGracePeriod, name)
		require.Greater(t, time.Duration(*p.Services[name].StopGracePeriod), 30*time.Second,
			"%s: the grace period before SIGKILL exceeds SHUTDOWN_TIMEOUT's default", name)
	}

	healthy, done := types.ServiceConditionHealthy, types.ServiceConditionCompletedSuccessfully
	crmDeps := map[string]string{"migrate": done, "temporal": healthy, "temporal-setup": done}
	want := map[string]map[string]string{
		"postgres":        {},
		"temporal-schema": {"postgres": healthy},
		"temporal":        {"postgres": healthy, "temporal-schema": done},
		"temporal-setup":  {"temporal": healthy},
		"temporal-ui":     {"temporal": healthy},
		"migrate":         {"postgres": healthy},
		"api":             crmDeps,
		"worker":          crmDeps,
	}
	for name, deps := range want {
		got := map[string]string{}
		for dep, d := range p.Services[name].DependsOn {
			got[dep] = d.Condition
		}
		require.Equal(t, deps, got, "%s starts after", name)
	}
}

// The setup job registers exactly the search attributes the workflow upserts.
func TestComposeRegistersTheWorkflowsSearchAttributes(t *testing.T) {
	p := loadCompose(t, nil)
	got := map[string]string{}
	for _, pair := range strings.Fields(*p.Services["temporal-setup"].Environment["SEARCH_ATTRIBUTES"]) {
		name, typ, ok := strings.Cut(pair, "=")
		require.True(t, ok, pair)
		got[name] = typ
	}
	want := map[string]string{}
	for _, key := range workflows.SearchAttributes() {
		want[key.GetName()] = cliType(t, key.GetValueType())
	}
	require.Equal(t, want, got)
}

// The one-shot Temporal jobs run scripts of deploy/temporal, mounted
// read-only; they exist and parse.
func TestComposeScripts(t *testing.T) {
	p := loadCompose(t, nil)
	dir, err := filepath.Abs("temporal")
	require.NoError(t, err)
	for _, name := range []string{"temporal-schema", "temporal-setup"} {
		s := p.Services[name]
		require.Len(t, s.Volumes, 1, name)
		v := s.Volumes[0]
		require.Equal(t, dir, v.Source, name)
		require.True(t, v.ReadOnly, name)
		require.Len(t, s.Entrypoint, 2, name)
		require.Equal(t, "/bin/sh", s.Entrypoint[0], name)
		script, ok := strings.CutPrefix(s.Entrypoint[1], v.Target+"/")
		require.True(t, ok, "%s runs %s from its mount %s", name, s.Entrypoint[1], v.Target)
		path := filepath.Join(dir, script)
		require.FileExists(t, path)
		out, err := exec.Command("sh", "-n", path).CombinedOutput()
		require.NoError(t, err, "sh -n %s: %s", path, out)
	}
}

// variablesReadByTheBinary lists the environment variable names that appear
// as string literals in the module's code (tests and tools aside): every
// setting crmconvert reads is one of them.
func variablesReadByTheBinary(t *testing.T) []string {
	t.Helper()
	re := regexp.MustCompile(`"([A-Z][A-Z0-9_]+)"`)
	var names []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "bin", "tools", "deploy", "e2e", ".devdata", "node_modules":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			names = append(names, m[1])
		}
		return nil
	})
	require.NoError(t, err)
	require.Contains(t, names, "DATABASE_URL")
	return names
}

func published(p *types.Project) map[string]string {
	out := map[string]string{}
	for name, s := range p.Services {
		for _, port := range s.Ports {
			out[name] = net.JoinHostPort(port.HostIP, port.Published)
		}
	}
	return out
}

func port(t *testing.T, addr string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	return port
}

// splitImage splits "repo:tag" (a registry host may carry a port).
func splitImage(image string) (repo, tag string) {
	i := strings.LastIndex(image, ":")
	if i < 0 || strings.Contains(image[i:], "/") {
		return image, ""
	}
	return image[:i], image[i+1:]
}

// cliType is the `temporal operator search-attribute create --type` name.
func cliType(t *testing.T, v enumspb.IndexedValueType) string {
	names := map[enumspb.IndexedValueType]string{
		enumspb.INDEXED_VALUE_TYPE_TEXT:         "Text",
		enumspb.INDEXED_VALUE_TYPE_KEYWORD:      "Keyword",
		enumspb.INDEXED_VALUE_TYPE_INT:          "Int",
		enumspb.INDEXED_VALUE_TYPE_DOUBLE:       "Double",
		enumspb.INDEXED_VALUE_TYPE_BOOL:         "Bool",
		enumspb.INDEXED_VALUE_TYPE_DATETIME:     "Datetime",
		enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST: "KeywordList",
	}
	name, ok := names[v]
	require.True(t, ok, "no CLI name for %v", v)
	return name
}
