package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

// httpUser is one simulated salesperson speaking to the API.
type httpUser struct {
	base   string
	token  string
	client *http.Client
}

// errUnavailable is a 503 answer: a dependency of the API did not answer in time.
var errUnavailable = errors.New("503 service unavailable")

// call sends one request and checks its status (one of want) and that the
// answer is JSON; its latency is a step's. Like the floor's client, it does
// not decode what it does not use.
func (u *httpUser) call(ctx context.Context, method, path string, body any, want ...int) error {
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.base+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+u.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := u.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if !slices.Contains(want, resp.StatusCode) {
		err := fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		if resp.StatusCode == http.StatusServiceUnavailable {
			err = fmt.Errorf("%w: %w", errUnavailable, err)
		}
		return err
	}
	if !json.Valid(raw) {
		return fmt.Errorf("%s %s: the answer is not JSON: %.200s", method, path, raw)
	}
	return nil
}

// benchMapping is the mapping step's body: the pairs ours-sdk sends too.
var benchMapping = map[string]any{"mapping": sdkMapping}

// convert runs one whole conversion through the HTTP API: start, the three
// steps, save, and the close prompt answered.
func (u *httpUser) convert(ctx context.Context, opp, item string, rec *recorder) error {
	path := "/v1/opportunities/" + opp + "/conversion"
	steps := []struct {
		name         string
		method, path string
		body         any
		want         int
	}{
		{"start", http.MethodPost, path, nil, http.StatusCreated},
		{"mapping", http.MethodPut, path + "/mapping", benchMapping, http.StatusOK},
		{"items", http.MethodPut, path + "/items", map[string]any{"items": []map[string]string{{"opportunity_item_id": item, "quantity": "1"}}}, http.StatusOK},
		{"draft", http.MethodPatch, path + "/draft", map[string]any{"notes": "benchmark"}, http.StatusOK},
		{"save", http.MethodPost, path + "/save", nil, http.StatusOK},
		{"close", http.MethodPost, path + "/close-decision", map[string]any{"close": true}, http.StatusOK},
	}
	for _, s := range steps {
		start := time.Now()
		if err := u.call(ctx, s.method, s.path, s.body, s.want); err != nil {
			return err
		}
		rec.named(s.name, time.Since(start))
	}
	return nil
}

// ourSteps names the steps of convert, in order.
var ourSteps = []string{"start", "mapping", "items", "draft", "save", "close"}
