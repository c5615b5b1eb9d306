package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/crmconvert/crmconvert/crm/demo"
)

// DevUser is a user the development sign-in page offers.
type DevUser struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Email        string   `json:"email"`
	Role         string   `json:"role"`
	Permissions  []string `json:"permissions"`
	Organization string   `json:"organization"`
}

// DemoUsers are the users of the demo data (crm/demo) that `crmconvert dev`
// loads, in the file's order.
func DemoUsers() []DevUser {
	var data struct {
		Organizations []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"organizations"`
		Users []struct {
			DevUser
			OrganizationID string `json:"organization_id"`
		} `json:"users"`
	}
	if err := json.Unmarshal(demo.JSON, &data); err != nil {
		panic("web: demo data: " + err.Error()) // cannot happen: it is compiled in and tested
	}
	orgs := map[string]string{}
	for _, o := range data.Organizations {
		orgs[o.ID] = o.Name
	}
	users := make([]DevUser, 0, len(data.Users))
	for _, u := range data.Users {
		du := u.DevUser
		du.Organization = orgs[u.OrganizationID]
		if du.Permissions == nil {
			du.Permissions = []string{}
		}
		users = append(users, du)
	}
	return users
}

// ErrUnknownUser is what DevSignIn.Issue returns for an id that names no
// active user.
var ErrUnknownUser = errors.New("no active user has that id")

// maxTokenRequest bounds the body of POST /dev/token.
const maxTokenRequest = 4 << 10

// DevSignIn serves the development sign-in page's two endpoints: GET
// /dev/users (the demo users to pick from) and POST /dev/token (a bearer
// token for the user picked). The API mounts them only when its
// configuration says development mode (`crmconvert dev`), never in
// `crmconvert api`: anyone who can reach them can act as any user.
type DevSignIn struct {
	// Users are the users the page offers.
	Users []DevUser
	// Issue signs a token for the user, or returns ErrUnknownUser.
	Issue func(ctx context.Context, userID string) (string, error)
	// Logger receives unexpected errors. Default slog.Default().
	Logger *slog.Logger
}

// ListUsers answers GET /dev/users: {"users": [...]}.
func (d *DevSignIn) ListUsers(w http.ResponseWriter, r *http.Request) {
	users := d.Users
	if users == nil {
		users = []DevUser{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": users})
}

// Token answers POST /dev/token {"user_id": "..."} with {"token": "..."}.
func (d *DevSignIn) Token(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeProblem(w, r, http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
			"send the body as application/json", nil)
		return
	}
	var body struct {
		UserID string `json:"user_id"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxTokenRequest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || !errors.Is(dec.Decode(&struct{}{}), io.EOF) {
		writeProblem(w, r, http.StatusBadRequest, "malformed-request", "The request cannot be read",
			`the body must be {"user_id": "..."}`, nil)
		return
	}
	id := strings.TrimSpace(body.UserID)
	if id == "" {
		writeProblem(w, r, http.StatusBadRequest, "malformed-request", "The request cannot be read",
			"user_id is required", []fieldError{{"user_id", "required"}})
		return
	}
	token, err := d.Issue(r.Context(), id)
	switch {
	case errors.Is(err, ErrUnknownUser):
		writeProblem(w, r, http.StatusUnprocessableEntity, "invalid", "The request breaks a rule",
			"no active user has the id "+id, []fieldError{{"user_id", "no active user has this id"}})
		return
	case err != nil:
		logger := d.Logger
		if logger == nil {
			logger = slog.Default()
		}
		logger.ErrorContext(r.Context(), "dev sign-in", "error", err.Error(), "request_id", w.Header().Get("X-Request-ID"))
		writeProblem(w, r, http.StatusInternalServerError, "internal", "Internal error",
			"the token could not be issued", nil)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"token": token, "token_type": "Bearer"})
}

type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// writeProblem answers an RFC 9457 problem, as the API does.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, slug, title, detail string, fields []fieldError) {
	p := struct {
		Type      string       `json:"type"`
		Title     string       `json:"title"`
		Status    int          `json:"status"`
		Detail    string       `json:"detail,omitempty"`
		Instance  string       `json:"instance,omitempty"`
		RequestID string       `json:"request_id,omitempty"`
		Errors    []fieldError `json:"errors,omitempty"`
	}{"https://crmconvert.dev/problems/" + slug, title, status, detail, r.URL.Path, w.Header().Get("X-Request-ID"), fields}
	raw, err := json.Marshal(p)
	if err != nil {
		panic(fmt.Sprintf("web: encode problem: %v", err)) // plain strings: cannot fail
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_, _ = w.Write(raw)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("web: encode answer: %v", err)) // plain values: cannot fail
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(raw)
}
