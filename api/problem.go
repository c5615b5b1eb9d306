package api

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/crmconvert/crmconvert/conversion"
)

// problemBase prefixes the slug of every problem type.
const problemBase = "https://crmconvert.dev/problems/"

const problemContentType = "application/problem+json"

// Problem is an RFC 9457 problem detail, the body of every error answer.
// It is an error, so handlers simply return it.
type Problem struct {
	Type      string                  `json:"type"`
	Title     string                  `json:"title"`
	Status    int                     `json:"status"`
	Detail    string                  `json:"detail,omitempty"`
	Instance  string                  `json:"instance,omitempty"`
	RequestID string                  `json:"request_id,omitempty"`
	Errors    []conversion.FieldError `json:"errors,omitempty"`

	retryAfter time.Duration
}

func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

// problemType is one kind of problem: its status, slug and title.
type problemType struct {
	status int
	slug   string
	title  string
}

// The problem types the API answers with.
var (
	typeMalformed    = problemType{http.StatusBadRequest, "malformed-request", "The request cannot be read"}
	typeUnauthorized = problemType{http.StatusUnauthorized, "unauthorized", "Authentication required"}
	typeForbidden    = problemType{http.StatusForbidden, "forbidden", "Not allowed"}
	typeNotFound     = problemType{http.StatusNotFound, "not-found", "Not found"}
	typeMethod       = problemType{http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed"}
	typeWrongStep    = problemType{http.StatusConflict, "wrong-step", "Not possible at this step"}
	typeConflict     = problemType{http.StatusConflict, "conflict", "Conflict"}
	typeStale        = problemType{http.StatusPreconditionFailed, "stale", "The conversion has changed"}
	typeTooLarge     = problemType{http.StatusRequestEntityTooLarge, "payload-too-large", "Request body too large"}
	typeMediaType    = problemType{http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type"}
	typeInvalid      = problemType{http.StatusUnprocessableEntity, "invalid", "The request breaks a rule"}
	typeTooMany      = problemType{http.StatusTooManyRequests, "too-many-requests", "Too many requests"}
	typeInternal     = problemType{http.StatusInternalServerError, "internal", "Internal error"}
	typeUnavailable  = problemType{http.StatusServiceUnavailable, "unavailable", "Service unavailable"}
)

// kindProblemTypes gives the problem type of each kind of refusal.
var kindProblemTypes = map[conversion.Kind]problemType{
	conversion.KindInvalid:   typeInvalid,
	conversion.KindWrongStep: typeWrongStep,
	conversion.KindConflict:  typeConflict,
	conversion.KindForbidden: typeForbidden,
	conversion.KindStale:     typeStale,
	conversion.KindMalformed: typeMalformed,
	conversion.KindNotFound:  typeNotFound,
}

// maxFieldErrors bounds the field errors a problem lists, so that a body of
// a thousand bad fields does not answer with a thousand errors.
const maxFieldErrors = 50

// with makes a problem of this type.
func (t problemType) with(detail string, fields ...conversion.FieldError) *Problem {
	if len(fields) > maxFieldErrors {
		detail += " (the first " + strconv.Itoa(maxFieldErrors) + " of " + strconv.Itoa(len(fields)) + " field errors are listed)"
		fields = fields[:maxFieldErrors:maxFieldErrors]
	}
	return &Problem{Type: problemBase + t.slug, Title: t.title, Status: t.status, Detail: detail, Errors: fields}
}

// retryAfter is how long a client should wait before it tries again.
const (
	retryUnavailable = 5 * time.Second
	retryTooMany     = time.Second
)

// problemOf turns an error into the problem to answer with; nil when the
// error is none the client can act on (a 500).
func problemOf(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	if r := refusalOf(err); r != nil {
		return kindProblemTypes[r.Kind].with(r.Detail, r.Fields...)
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return typeTooLarge.with("the body is over " + strconv.FormatInt(tooLarge.Limit, 10) + " bytes")
	}
	var exhausted *serviceerror.ResourceExhausted
	if errors.As(err, &exhausted) {
		p := typeTooMany.with("too many requests for this conversion at once: try again shortly")
		p.retryAfter = retryTooMany
		return p
	}
	if dependencyDown(err) {
		p := typeUnavailable.with("a service this request needs is unreachable: try again shortly")
		p.retryAfter = retryUnavailable
		return p
	}
	return nil
}

// refusalOf finds a rule's refusal in err: a conversion.Error, or the
// Temporal application error a workflow made of one (its type is the kind,
// its details the refusal).
func refusalOf(err error) *conversion.Error {
	var refusal *conversion.Error
	if errors.As(err, &refusal) {
		if _, known := kindProblemTypes[refusal.Kind]; known {
			return refusal
		}
		return nil
	}
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return nil
	}
	kind := conversion.Kind(appErr.Type())
	if _, known := kindProblemTypes[kind]; !known {
		return nil
	}
	// A pointer to a pointer decodes the details whether they are payloads
	// (from the server) or the values themselves (in-process tests).
	if !appErr.HasDetails() || appErr.Details(&refusal) != nil || refusal == nil || refusal.Kind != kind {
		refusal = &conversion.Error{Kind: kind, Detail: appErr.Message()}
	}
	return refusal
}

// dependencyDown reports whether err says Temporal or PostgreSQL could not be
// reached in time.
func dependencyDown(err error) bool {
	var (
		unavailable *serviceerror.Unavailable
		deadline    *serviceerror.DeadlineExceeded
		netErr      net.Error
	)
	return errors.As(err, &unavailable) ||
		errors.As(err, &deadline) ||
		errors.As(err, &netErr) ||
		errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, sql.ErrConnDone) ||
		postgresUnavailable(err)
}

// postgresUnavailable reports whether err is PostgreSQL saying that it
// cannot serve now: the connection is lost (SQLSTATE class 08), or the
// server is shutting down, has crashed or is starting (57P01 to 57P03).
// A pooled connection hears 57P01 on its next use after the server stops.
func postgresUnavailable(err error) bool {
	var pgErr interface{ SQLState() string }
	if !errors.As(err, &pgErr) {
		return false
	}
	switch code := pgErr.SQLState(); {
	case strings.HasPrefix(code, "08"), code == "57P01", code == "57P02", code == "57P03":
		return true
	}
	return false
}

// fail answers the request with the problem err stands for, and logs what
// the client cannot fix. It is where every error of a request is handled.
func (s *Server) fail(c *gin.Context, err error) {
	p := problemOf(err)
	switch {
	case p == nil && errors.Is(err, context.Canceled) && c.Request.Context().Err() != nil:
		s.log.InfoContext(c.Request.Context(), "request abandoned by the client", "error", err, "request_id", requestIDOf(c))
		p = typeUnavailable.with("the request was abandoned")
	case p == nil:
		s.log.ErrorContext(c.Request.Context(), "request failed", "error", err, "request_id", requestIDOf(c))
		p = typeInternal.with("something went wrong on our side; the request id helps us find it")
	case p.Status >= http.StatusInternalServerError:
		s.log.WarnContext(c.Request.Context(), "dependency unavailable", "error", err, "request_id", requestIDOf(c))
	}
	s.writeProblem(c, p)
}

// writeProblem writes p as the answer and stops the handler chain.
func (s *Server) writeProblem(c *gin.Context, p *Problem) {
	out := *p
	out.Instance = c.Request.URL.Path
	out.RequestID = requestIDOf(c)
	if out.retryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(int((out.retryAfter+time.Second-1)/time.Second)))
	}
	if out.Status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="crmconvert"`)
	}
	body, err := json.Marshal(out)
	if err != nil { // a Problem always marshals; keep the status regardless
		body = []byte(`{"title":"Internal error","status":500}`)
	}
	c.Abort()
	c.Data(out.Status, problemContentType, body)
}
