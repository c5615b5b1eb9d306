package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{"", 14 * 24 * time.Hour, false},
		{"14d", 14 * 24 * time.Hour, false},
		{"1.5d", 36 * time.Hour, false},
		{"90m", 90 * time.Minute, false},
		{"0s", 0, true},
		{"-1d", 0, true},
		{"two weeks", 0, true},
	}
	for _, tc := range cases {
		got, err := parseDuration(tc.in, 14*24*time.Hour)
		if tc.bad {
			require.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}

func TestLoadConfig(t *testing.T) {
	env := map[string]string{"TEMPORAL_ADDRESS": " temporal:7233 ", "CONVERSION_IDLE_TIMEOUT": "2d"}
	cfg, err := loadConfig(func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, "temporal:7233", cfg.Temporal.Address)
	require.Equal(t, "default", cfg.Temporal.Namespace)
	require.Equal(t, "crm-conversion", cfg.Temporal.TaskQueue)
	require.Equal(t, 48*time.Hour, cfg.IdleTimeout)
	require.EqualError(t, cfg.requireServers(), "DATABASE_URL must be set (or use `crmconvert dev`)")

	env["CONVERSION_IDLE_TIMEOUT"] = "soon"
	_, err = loadConfig(func(k string) string { return env[k] })
	require.ErrorContains(t, err, "CONVERSION_IDLE_TIMEOUT")
}
