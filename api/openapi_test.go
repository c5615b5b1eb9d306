package api

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/crmconvert/crmconvert/web"
)

// TestOpenAPIDescribesEveryRoute fails when a route is missing from
// openapi.yaml, or the document describes a path and method that is no route.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	var doc struct {
		OpenAPI string                    `yaml:"openapi"`
		Paths   map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("parse openapi.yaml: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths {
		for method := range item {
			if method == "parameters" || method == "summary" || method == "description" {
				continue
			}
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}

	param := regexp.MustCompile(`:(\w+)`)
	routes := map[string]bool{}
	// With the development sign-in, whose two routes are documented too.
	for _, r := range New(Config{DevSignIn: true}, Deps{}).router().Routes() {
		// The pages (package web) are HTML for people, not the API: the
		// redirect from / and everything under /app/.
		if r.Path == "/" || strings.HasPrefix(r.Path, web.Prefix) {
			continue
		}
		routes[r.Method+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
	}

	for _, route := range slices.Sorted(maps.Keys(routes)) {
		if !documented[route] {
			t.Errorf("route %s is not in openapi.yaml", route)
		}
	}
	for _, op := range slices.Sorted(maps.Keys(documented)) {
		if !routes[op] {
			t.Errorf("openapi.yaml describes %s, which is no route", op)
		}
	}
}

func TestOpenAPIIsServed(t *testing.T) {
	rec := httptest.NewRecorder()
	New(Config{}, Deps{}).Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi.yaml", nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), "openapi: 3.0.3") {
		t.Fatalf("GET /openapi.yaml = %d %.40q", rec.Code, rec.Body.String())
	}
}
