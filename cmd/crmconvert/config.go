package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/crmconvert/crmconvert/worker"
	"github.com/crmconvert/crmconvert/workflows"
)

// config is everything the environment sets; the README's configuration
// table lists the same variables.
type config struct {
	DatabaseURL string
	Temporal    temporalConfig
	HTTPAddr    string
	JWTSecret   string
	IdleTimeout time.Duration
	LogFormat   string // "text" or "json"
	LogLevel    string
	// ShutdownTimeout bounds a graceful stop: the API drains its requests
	// and the worker finishes its running tasks within it.
	ShutdownTimeout time.Duration
	// HealthAddr, when set, makes `worker` serve /healthz and /readyz there
	// (the API serves them on HTTP_ADDR).
	HealthAddr string
	Worker     workerConfig
	Auth       authConfig
}

// authConfig is how the API checks bearer tokens besides AUTH_JWT_SECRET,
// and how many requests each user may send.
type authConfig struct {
	PublicKeyFile string  // AUTH_JWT_PUBLIC_KEY_FILE: RS256 tokens, verified with this PEM public key
	JWKSFile      string  // AUTH_JWKS_FILE: RS256 tokens, verified with the keys of this JWKS file
	Issuer        string  // AUTH_JWT_ISSUER: the only iss accepted, when set
	Audience      string  // AUTH_JWT_AUDIENCE: an aud every token must name, when set
	RateLimit     float64 // HTTP_RATE_LIMIT: requests per second per user; 0 the API's default, negative none
	RateBurst     int     // HTTP_RATE_BURST: requests at once per user; 0 the API's default
}

type temporalConfig struct {
	Address   string
	Namespace string
	TaskQueue string
	APIKey    string
	// TLS turns TLS on with the system's roots when nothing else does
	// (TEMPORAL_TLS=true); a certificate, a CA or an API key imply it.
	TLS           bool
	TLSCert       string
	TLSKey        string
	TLSCA         string
	TLSServerName string
	// Compression of gRPC requests: "gzip" (the SDK's default, for a
	// cluster across a network) or "none" (cheaper on loopback).
	Compression string
}

// workerConfig tunes the worker; zero leaves the SDK's default.
type workerConfig struct {
	MaxConcurrentActivities    int
	MaxConcurrentWorkflowTasks int
	ActivityPollers            int
	WorkflowTaskPollers        int
}

// devJWTSecret signs the demo tokens of `crmconvert dev` when
// AUTH_JWT_SECRET is not set; the other commands refuse to run without one.
const devJWTSecret = "dev-only-secret-do-not-use-in-production"

func loadConfig(getenv func(string) string) (config, error) {
	get := func(name, fallback string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return fallback
	}
	idle, err := parseDuration(get("CONVERSION_IDLE_TIMEOUT", ""), workflows.DefaultIdleTimeout)
	if err != nil {
		return config{}, fmt.Errorf("CONVERSION_IDLE_TIMEOUT: %w", err)
	}
	shutdown, err := parseDuration(get("SHUTDOWN_TIMEOUT", ""), defaultShutdownTimeout)
	if err != nil {
		return config{}, fmt.Errorf("SHUTDOWN_TIMEOUT: %w", err)
	}
	switch c := get("TEMPORAL_GRPC_COMPRESSION", ""); c {
	case "", "gzip", "none":
	default:
		return config{}, fmt.Errorf("TEMPORAL_GRPC_COMPRESSION: %q is not gzip or none", c)
	}
	tlsOn, err := parseBool(get("TEMPORAL_TLS", ""))
	if err != nil {
		return config{}, fmt.Errorf("TEMPORAL_TLS: %w", err)
	}
	var w workerConfig
	for _, knob := range []struct {
		name string
		dst  *int
	}{
		{"WORKER_MAX_CONCURRENT_ACTIVITIES", &w.MaxConcurrentActivities},
		{"WORKER_MAX_CONCURRENT_WORKFLOW_TASKS", &w.MaxConcurrentWorkflowTasks},
		{"WORKER_ACTIVITY_POLLERS", &w.ActivityPollers},
		{"WORKER_WORKFLOW_TASK_POLLERS", &w.WorkflowTaskPollers},
	} {
		if *knob.dst, err = parseCount(get(knob.name, "")); err != nil {
			return config{}, fmt.Errorf("%s: %w", knob.name, err)
		}
	}
	auth, err := loadAuthConfig(get)
	if err != nil {
		return config{}, err
	}
	return config{
		DatabaseURL: get("DATABASE_URL", ""),
		Temporal: temporalConfig{
			Address:       get("TEMPORAL_ADDRESS", ""),
			Namespace:     get("TEMPORAL_NAMESPACE", "default"),
			TaskQueue:     get("TEMPORAL_TASK_QUEUE", worker.DefaultTaskQueue),
			APIKey:        get("TEMPORAL_API_KEY", ""),
			TLS:           tlsOn,
			TLSCert:       get("TEMPORAL_TLS_CERT", ""),
			TLSKey:        get("TEMPORAL_TLS_KEY", ""),
			TLSCA:         get("TEMPORAL_TLS_CA", ""),
			TLSServerName: get("TEMPORAL_TLS_SERVER_NAME", ""),
			Compression:   get("TEMPORAL_GRPC_COMPRESSION", ""),
		},
		HTTPAddr:        get("HTTP_ADDR", ":8080"),
		JWTSecret:       get("AUTH_JWT_SECRET", ""),
		IdleTimeout:     idle,
		LogFormat:       get("LOG_FORMAT", "text"),
		LogLevel:        get("LOG_LEVEL", "info"),
		ShutdownTimeout: shutdown,
		HealthAddr:      get("HEALTH_ADDR", ""),
		Worker:          w,
		Auth:            auth,
	}, nil
}

// loadAuthConfig reads the token and rate-limit settings of the API.
func loadAuthConfig(get func(name, fallback string) string) (authConfig, error) {
	a := authConfig{
		PublicKeyFile: get("AUTH_JWT_PUBLIC_KEY_FILE", ""),
		JWKSFile:      get("AUTH_JWKS_FILE", ""),
		Issuer:        get("AUTH_JWT_ISSUER", ""),
		Audience:      get("AUTH_JWT_AUDIENCE", ""),
	}
	if a.PublicKeyFile != "" && a.JWKSFile != "" {
		return authConfig{}, fmt.Errorf("AUTH_JWT_PUBLIC_KEY_FILE and AUTH_JWKS_FILE: set one of them, not both")
	}
	switch v := get("HTTP_RATE_LIMIT", ""); v {
	case "":
	case "off":
		a.RateLimit = -1
	default:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || !(n > 0) || n > 1e6 {
			return authConfig{}, fmt.Errorf("HTTP_RATE_LIMIT: %q is not a number of requests per second above 0, or off", v)
		}
		a.RateLimit = n
	}
	burst, err := parseCount(get("HTTP_RATE_BURST", ""))
	if err != nil {
		return authConfig{}, fmt.Errorf("HTTP_RATE_BURST: %w", err)
	}
	a.RateBurst = burst
	return a, nil
}

// defaultShutdownTimeout matches the API's default request timeout, so a
// request that started before the stop can still finish.
const defaultShutdownTimeout = 30 * time.Second

func parseBool(s string) (bool, error) {
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("%q is not true or false", s)
	}
	return b, nil
}

// parseCount reads a non-negative number; "" is 0, the SDK's default.
func parseCount(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a number of 0 or more", s)
	}
	return n, nil
}

// parseDuration reads a Go duration ("336h", "90m") or a number of days ("14d").
func parseDuration(s string, fallback time.Duration) (time.Duration, error) {
	if s == "" {
		return fallback, nil
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration", s)
		}
		d = time.Duration(n * float64(24*time.Hour))
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q is not a duration", s)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q must be positive", s)
	}
	return d, nil
}

func (c config) requireServers() error {
	var missing []string
	if c.DatabaseURL == "" {
		missing = append(missing, "DATABASE_URL")
	}
	if c.Temporal.Address == "" {
		missing = append(missing, "TEMPORAL_ADDRESS")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s must be set (or use `crmconvert dev`)", strings.Join(missing, " and "))
	}
	return nil
}
