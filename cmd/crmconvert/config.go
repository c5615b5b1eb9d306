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
}

type temporalConfig struct {
	Address   string
	Namespace string
	TaskQueue string
	APIKey    string
	TLSCert   string
	TLSKey    string
	TLSCA     string
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
	return config{
		DatabaseURL: get("DATABASE_URL", ""),
		Temporal: temporalConfig{
			Address:   get("TEMPORAL_ADDRESS", ""),
			Namespace: get("TEMPORAL_NAMESPACE", "default"),
			TaskQueue: get("TEMPORAL_TASK_QUEUE", worker.DefaultTaskQueue),
			APIKey:    get("TEMPORAL_API_KEY", ""),
			TLSCert:   get("TEMPORAL_TLS_CERT", ""),
			TLSKey:    get("TEMPORAL_TLS_KEY", ""),
			TLSCA:     get("TEMPORAL_TLS_CA", ""),
		},
		HTTPAddr:    get("HTTP_ADDR", ":8080"),
		JWTSecret:   get("AUTH_JWT_SECRET", ""),
		IdleTimeout: idle,
		LogFormat:   get("LOG_FORMAT", "text"),
		LogLevel:    get("LOG_LEVEL", "info"),
	}, nil
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
