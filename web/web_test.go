package web

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestPagesServeIndexForEveryRoute(t *testing.T) {
	h := Pages()
	for _, path := range []string{"/app/", "/app/opportunities", "/app/opportunities/e0000000-0000-4000-8000-000000000001/convert", "/app/orders/x", "/app/signin"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `<script type="module" src="/app/assets/app.js">`) {
			t.Errorf("GET %s = %d %.60q", path, rec.Code, rec.Body.String())
		}
		if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", path, ct)
		}
	}
}

func TestPagesServeAssetsWithTheirTypes(t *testing.T) {
	h := Pages()
	for path, want := range map[string]string{
		"/app/assets/app.js":             "text/javascript; charset=utf-8",
		"/app/assets/views/wizard.js":    "text/javascript; charset=utf-8",
		"/app/assets/app.css":            "text/css; charset=utf-8",
		"/app/assets/icon.svg":           "image/svg+xml",
		"/app/assets/no-such-file.js":    "",
		"/app/assets/../index.html":      "",
		"/app/assets/views/../../app.js": "",
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if want == "" {
			if rec.Code != http.StatusNotFound {
				t.Errorf("GET %s = %d, want 404", path, rec.Code)
			}
			continue
		}
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != want {
			t.Errorf("GET %s = %d %q, want 200 %q", path, rec.Code, rec.Header().Get("Content-Type"), want)
		}
	}
}

func TestPagesHeaders(t *testing.T) {
	h := Pages()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/app/assets/app.js", nil))
	for name, want := range map[string]string{
		"Content-Security-Policy": contentSecurityPolicy,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-cache",
	} {
		if got := rec.Header().Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	etag := rec.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	req := httptest.NewRequest(http.MethodGet, "/app/assets/app.js", nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/app/", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /app/ = %d, want 405", rec.Code)
	}
}

// TestPagesFetchNothingElsewhere keeps the pages self-contained: no URL of
// another origin in any embedded file, no inline script or style (the CSP
// forbids them), and every module they import is embedded.
func TestPagesFetchNothingElsewhere(t *testing.T) {
	external := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|import\s*\(?\s*["'](https?:)?//`)
	imports := regexp.MustCompile(`(?m)^\s*(?:import|export)[^'"]*from\s+'([^']+)'|^import\s+'([^']+)'`)
	p := Pages().(*pages)
	err := fs.WalkDir(static, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, _ := static.ReadFile(name)
		text := string(body)
		if loc := external.FindStringIndex(text); loc != nil {
			t.Errorf("%s loads from another origin: %q", name, text[loc[0]:min(loc[1]+40, len(text))])
		}
		if strings.HasSuffix(name, ".html") {
			if regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`).MatchString(text) || strings.Contains(text, "<style") || strings.Contains(text, " style=") {
				t.Errorf("%s has inline script or style, which the Content-Security-Policy refuses", name)
			}
		}
		if strings.HasSuffix(name, ".js") {
			dir := name[:strings.LastIndex(name, "/")]
			for _, m := range imports.FindAllStringSubmatch(text, -1) {
				spec := m[1] + m[2]
				target := strings.TrimPrefix(cleanJoin(dir, spec), "static/")
				if _, ok := p.files[target]; !ok {
					t.Errorf("%s imports %s, which is not embedded", name, spec)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func cleanJoin(dir, rel string) string {
	parts := strings.Split(dir, "/")
	for _, seg := range strings.Split(rel, "/") {
		switch seg {
		case ".", "":
		case "..":
			parts = parts[:len(parts)-1]
		default:
			parts = append(parts, seg)
		}
	}
	return strings.Join(parts, "/")
}

func TestRedirect(t *testing.T) {
	rec := httptest.NewRecorder()
	Redirect(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusFound || rec.Header().Get("Location") != "/app/" {
		t.Fatalf("GET / = %d %q", rec.Code, rec.Header().Get("Location"))
	}
}

func TestDemoUsers(t *testing.T) {
	users := DemoUsers()
	if len(users) < 5 {
		t.Fatalf("%d demo users", len(users))
	}
	for _, u := range users {
		if u.ID == "" || u.Name == "" || u.Email == "" || u.Role == "" || u.Organization == "" || u.Permissions == nil {
			t.Errorf("incomplete demo user %+v", u)
		}
	}
}

func TestDevSignIn(t *testing.T) {
	d := &DevSignIn{
		Users:  []DevUser{{ID: "u1", Name: "Ann", Email: "ann@x.test", Role: "member", Permissions: []string{}, Organization: "X"}},
		Logger: slog.New(slog.DiscardHandler),
		Issue: func(_ context.Context, id string) (string, error) {
			switch id {
			case "u1":
				return "token-for-u1", nil
			case "boom":
				return "", errors.New("database down")
			}
			return "", ErrUnknownUser
		},
	}
	rec := httptest.NewRecorder()
	d.ListUsers(rec, httptest.NewRequest(http.MethodGet, "/dev/users", nil))
	var list struct{ Users []DevUser }
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || len(list.Users) != 1 || list.Users[0].Name != "Ann" {
		t.Fatalf("GET /dev/users = %d %s", rec.Code, rec.Body)
	}

	for _, tc := range []struct {
		contentType, body string
		status            int
		want              string
	}{
		{"application/json", `{"user_id":"u1"}`, 200, `"token":"token-for-u1"`},
		{"application/json", `{"user_id":"nobody"}`, 422, `"field":"user_id"`},
		{"application/json", `{"user_id":""}`, 400, `"field":"user_id"`},
		{"application/json", `{"user":"u1"}`, 400, `malformed-request`},
		{"application/json", `{"user_id":"u1"} {}`, 400, `malformed-request`},
		{"application/json", `{"user_id":"boom"}`, 500, `problems/internal`},
		{"text/plain", `{"user_id":"u1"}`, 415, `unsupported-media-type`},
		{"application/json", `{"user_id":"` + strings.Repeat("x", 5000) + `"}`, 400, `malformed-request`},
	} {
		req := httptest.NewRequest(http.MethodPost, "/dev/token", strings.NewReader(tc.body))
		req.Header.Set("Content-Type", tc.contentType)
		rec := httptest.NewRecorder()
		d.Token(rec, req)
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("POST /dev/token %.40s = %d %s, want %d with %s", tc.body, rec.Code, rec.Body, tc.status, tc.want)
		}
		if tc.status != 200 && rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("POST /dev/token %.40s: Content-Type %q", tc.body, rec.Header().Get("Content-Type"))
		}
	}
}
