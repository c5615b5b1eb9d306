package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// The benchmark's smoke mode, as CI runs it: every mode completes its
// conversions without an error and the table is printed. The figures are
// not judged here: this machine is shared and noisy.
func TestSmoke(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), options{levels: []int{1, 2}, modes: allModes, conversions: 2, rounds: 2}, &out)
	require.NoError(t, err, out.String())
	t.Log(out.String())
	for _, want := range []string{"floor", "signal+poll-empty", "signal+poll ", "ours-sdk", "ours ", "ours/floor p50", "ours/poll cps"} {
		require.Contains(t, out.String(), want)
	}
}

func TestScaleSmoke(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), options{scale: 20, cacheSize: 5}, &out)
	require.NoError(t, err, out.String())
	t.Log(out.String())
	require.Contains(t, out.String(), "resume (GET state) the oldest conversion")
}
