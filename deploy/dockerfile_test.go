package deploy

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// What can be checked of the Dockerfile without building it: pinned base
// images, a Go toolchain of go.mod's version, the build done by
// scripts/build-static.sh (which the e2e tests build and run), a non-root
// final image whose entrypoint is where compose's health checks call it, and
// a .dockerignore that keeps the sources the build needs.
func TestDockerfile(t *testing.T) {
	lines := dockerfileInstructions(t)
	var froms, runs []string
	var user, entrypoint, copyTo string
	for _, l := range lines {
		op, arg, _ := strings.Cut(l, " ")
		switch strings.ToUpper(op) {
		case "FROM":
			froms = append(froms, arg)
		case "RUN":
			runs = append(runs, arg)
		case "USER":
			user = arg
		case "ENTRYPOINT":
			entrypoint = arg
		case "COPY":
			if strings.HasPrefix(arg, "--from=build ") {
				f := strings.Fields(arg)
				copyTo = f[len(f)-1]
			}
		}
	}
	require.Len(t, froms, 2, "a build stage and a final stage")

	build := regexp.MustCompile(`^--platform=\$BUILDPLATFORM golang:(\d+\.\d+)\.\d+-[a-z]+ AS build$`).FindStringSubmatch(froms[0])
	require.NotNil(t, build, "build stage: %q", froms[0])
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	goLine := regexp.MustCompile(`(?m)^go (\d+\.\d+)(\.\d+)?$`).FindStringSubmatch(string(mod))
	require.NotNil(t, goLine, "go.mod's go line")
	require.Equal(t, goLine[1], build[1], "golang:%s builds go.mod's go %s", build[1], goLine[1])

	require.Regexp(t, `^gcr\.io/distroless/static-debian\d+:nonroot(@sha256:[0-9a-f]{64})?$`, froms[1], "final stage")
	require.Regexp(t, `^[1-9]\d*:[1-9]\d*$`, user, "a numeric non-root user, which Kubernetes' runAsNonRoot can verify")
	require.Equal(t, `["/crmconvert"]`, entrypoint)
	require.Equal(t, "/crmconvert", copyTo)
	require.True(t, strings.Contains(strings.Join(runs, "\n"), "scripts/build-static.sh /out/crmconvert"),
		"the image is built by the script checked outside Docker")
	require.FileExists(t, filepath.Join(root, "scripts", "build-static.sh"))

	ignore, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	require.NoError(t, err)
	for _, l := range strings.Split(string(ignore), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		for _, needed := range []string{"go.mod", "go.sum", "scripts", "cmd", "api", "crm", "workflows", "activities", "worker", "conversion", "devstack"} {
			require.NotEqual(t, needed, strings.Trim(l, "/"), ".dockerignore leaves out %s, which the build needs", needed)
		}
		require.NotContains(t, []string{"*", "**", "*.go", "**/*.go", "*.sql", "**/*.sql", "*.json", "**/*.json", "*.yaml", "**/*.yaml"}, l,
			"embedded files and sources must reach the build")
	}
}

// dockerfileInstructions reads the Dockerfile's instructions, one a line,
// without comments and with continuation lines joined.
func dockerfileInstructions(t *testing.T) []string {
	t.Helper()
	file, err := os.Open(filepath.Join(root, "Dockerfile"))
	require.NoError(t, err)
	defer file.Close()
	var out []string
	var cur strings.Builder
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if more, ok := strings.CutSuffix(l, "\\"); ok {
			cur.WriteString(more + " ")
			continue
		}
		cur.WriteString(l)
		out = append(out, cur.String())
		cur.Reset()
	}
	require.NoError(t, sc.Err())
	return out
}
