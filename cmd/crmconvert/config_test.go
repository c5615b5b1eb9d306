package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmconvert/crmconvert/worker"
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

func TestLoadConfigDeployment(t *testing.T) {
	env := map[string]string{
		"TEMPORAL_ADDRESS":                     "prod.a1b2c.tmprl.cloud:7233",
		"TEMPORAL_NAMESPACE":                   "prod.a1b2c",
		"TEMPORAL_API_KEY":                     "secret-key",
		"TEMPORAL_TLS":                         "true",
		"TEMPORAL_TLS_SERVER_NAME":             "temporal.internal",
		"SHUTDOWN_TIMEOUT":                     "45s",
		"HEALTH_ADDR":                          ":8081",
		"WORKER_MAX_CONCURRENT_ACTIVITIES":     "20",
		"WORKER_MAX_CONCURRENT_WORKFLOW_TASKS": "10",
		"WORKER_ACTIVITY_POLLERS":              "4",
		"WORKER_WORKFLOW_TASK_POLLERS":         "3",
	}
	cfg, err := loadConfig(func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, "prod.a1b2c", cfg.Temporal.Namespace)
	require.Equal(t, "secret-key", cfg.Temporal.APIKey)
	require.True(t, cfg.Temporal.TLS)
	require.Equal(t, "temporal.internal", cfg.Temporal.TLSServerName)
	require.Equal(t, 45*time.Second, cfg.ShutdownTimeout)
	require.Equal(t, ":8081", cfg.HealthAddr)
	require.Equal(t, workerConfig{MaxConcurrentActivities: 20, MaxConcurrentWorkflowTasks: 10, ActivityPollers: 4, WorkflowTaskPollers: 3}, cfg.Worker)

	opts := workerOptions(cfg)
	require.Equal(t, 45*time.Second, opts.WorkerStopTimeout, "running tasks get the shutdown timeout to finish")
	require.Equal(t, 20, opts.MaxConcurrentActivityExecutionSize)
	require.Equal(t, 10, opts.MaxConcurrentWorkflowTaskExecutionSize)
	require.Equal(t, worker.Pollers(4), opts.ActivityTaskPollerBehavior, "autoscaling up to the number given")
	require.Equal(t, worker.Pollers(3), opts.WorkflowTaskPollerBehavior)

	defaults, err := loadConfig(func(string) string { return "" })
	require.NoError(t, err)
	require.Equal(t, 30*time.Second, defaults.ShutdownTimeout)
	require.False(t, defaults.Temporal.TLS)
	require.Equal(t, workerConfig{}, defaults.Worker, "zero: the SDK's defaults")
	require.Equal(t, 30*time.Second, workerOptions(defaults).WorkerStopTimeout)

	for name, bad := range map[string]string{
		"TEMPORAL_TLS":                     "maybe",
		"SHUTDOWN_TIMEOUT":                 "0s",
		"WORKER_MAX_CONCURRENT_ACTIVITIES": "-1",
		"WORKER_ACTIVITY_POLLERS":          "many",
	} {
		_, err := loadConfig(func(k string) string {
			if k == name {
				return bad
			}
			return ""
		})
		require.ErrorContains(t, err, name)
	}
}
