package api

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"testing"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/crmconvert/crmconvert/conversion"
)

func TestProblemOf(t *testing.T) {
	invalid := &conversion.Error{Kind: conversion.KindInvalid, Detail: "the mapping is not valid",
		Fields: []conversion.FieldError{{Field: "mapping[0].target", Message: "unknown order field"}}}
	fromWorkflow := temporal.NewApplicationErrorWithOptions(invalid.Detail, string(invalid.Kind),
		temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{invalid}})

	tests := []struct {
		name       string
		err        error
		status     int
		slug       string
		fields     int
		retryAfter bool
	}{
		{"refusal", invalid, 422, "invalid", 1, false},
		{"refusal from the workflow, wrapped", fmt.Errorf("mapping: %w", fromWorkflow), 422, "invalid", 1, false},
		{"application error without details", temporal.NewApplicationError("since 10:00", string(conversion.KindConflict)), 409, "conflict", 0, false},
		{"wrong step", conversion.Refuse(conversion.KindWrongStep, "no"), 409, "wrong-step", 0, false},
		{"forbidden", conversion.Refuse(conversion.KindForbidden, "no"), 403, "forbidden", 0, false},
		{"stale", conversion.Refuse(conversion.KindStale, "no"), 412, "stale", 0, false},
		{"malformed", conversion.Refuse(conversion.KindMalformed, "no"), 400, "malformed-request", 0, false},
		{"not found", conversion.Refuse(conversion.KindNotFound, "no"), 404, "not-found", 0, false},
		{"body too large", &http.MaxBytesError{Limit: maxBodyBytes}, 413, "payload-too-large", 0, false},
		{"Temporal unavailable", serviceerror.NewUnavailable("connection refused"), 503, "unavailable", 0, true},
		{"Temporal deadline", serviceerror.NewDeadlineExceeded("late"), 503, "unavailable", 0, true},
		{"our deadline", fmt.Errorf("update: %w", context.DeadlineExceeded), 503, "unavailable", 0, true},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, 503, "unavailable", 0, true},
		{"too many updates", serviceerror.NewResourceExhausted(0, "limit"), 429, "too-many-requests", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := problemOf(tt.err)
			if p == nil {
				t.Fatalf("problemOf(%v) = nil", tt.err)
			}
			if p.Status != tt.status || p.Type != problemBase+tt.slug || len(p.Errors) != tt.fields || (p.retryAfter > 0) != tt.retryAfter {
				t.Errorf("problemOf(%v) = %d %s, %d field errors, retry after %v; want %d %s, %d, %v",
					tt.err, p.Status, p.Type, len(p.Errors), p.retryAfter, tt.status, tt.slug, tt.fields, tt.retryAfter)
			}
		})
	}

	for _, err := range []error{errors.New("boom"), temporal.NewApplicationError("x", "SomethingElse")} {
		if p := problemOf(err); p != nil {
			t.Errorf("problemOf(%v) = %+v, want nil (a 500)", err, p)
		}
	}
}
