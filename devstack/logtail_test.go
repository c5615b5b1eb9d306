package devstack

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A server that crashes prints the panic's message above a stack longer
// than the tail an error quotes: the error quotes both.
func TestLogTailQuotesTheCrash(t *testing.T) {
	var log strings.Builder
	log.WriteString("time=... level=INFO msg=starting\npanic: failed assigning ephemeral port: no ports\n\ngoroutine 1 [running]:\n")
	for i := range 40 {
		fmt.Fprintf(&log, "frame%d()\n\t/src/f.go:%d\n", i, i)
	}
	path := writeLog(t, log.String())

	got := logTail(path)
	assert.Contains(t, got, "the crash in "+path+":\n\tpanic: failed assigning ephemeral port: no ports")
	assert.Contains(t, got, "frame39()", "the tail is still quoted")
	assert.NotContains(t, logTail(writeLog(t, "all fine\n")), "the crash")
}

func writeLog(t *testing.T, text string) string {
	path := filepath.Join(t.TempDir(), "server.log")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}
