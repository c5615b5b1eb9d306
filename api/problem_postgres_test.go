package api

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// PostgreSQL stopping or unreachable is a dependency down (503 with
// Retry-After), however the driver reports it; its other errors are not.
func TestProblemOfPostgresUnavailable(t *testing.T) {
	for code, want := range map[string]int{
		"57P01": http.StatusServiceUnavailable, // admin_shutdown: what a pooled connection hears after a stop
		"57P02": http.StatusServiceUnavailable, // crash_shutdown
		"57P03": http.StatusServiceUnavailable, // cannot_connect_now: starting or shutting down
		"08006": http.StatusServiceUnavailable, // connection_failure
		"08001": http.StatusServiceUnavailable, // sqlclient_unable_to_establish_sqlconnection
		"23505": 0,                             // unique_violation: a bug, not an outage
		"42P01": 0,                             // undefined_table
	} {
		err := fmt.Errorf("read user x: %w", &pgconn.PgError{Severity: "FATAL", Code: code, Message: "..."})
		p := problemOf(err)
		switch {
		case want == 0 && p != nil:
			t.Errorf("SQLSTATE %s: problem %d, want none (500)", code, p.Status)
		case want != 0 && (p == nil || p.Status != want || p.retryAfter == 0):
			t.Errorf("SQLSTATE %s: problem %+v, want %d with Retry-After", code, p, want)
		}
	}
}
