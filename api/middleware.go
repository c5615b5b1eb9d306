package api

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

// maxBodyBytes is the largest request body the API reads.
const maxBodyBytes = 1 << 20

// maxRequestIDLength bounds a request id sent by the client.
const maxRequestIDLength = 128

const headerRequestID = "X-Request-ID"

type requestIDKey struct{}

// requestID takes the client's X-Request-ID when it is a sane one, else makes
// one, and sends it back, with the headers every answer carries: no content
// sniffing, and no caching of answers that hold a user's data.
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader(headerRequestID)
	if !printable(id, maxRequestIDLength) {
		id = uuid.NewString()
	}
	c.Set(requestIDKey{}, id)
	c.Header(headerRequestID, id)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "no-store")
	c.Next()
}

func requestIDOf(c *gin.Context) string {
	v, _ := c.Get(requestIDKey{})
	id, _ := v.(string)
	return id
}

// printable reports whether s is 1 to max visible ASCII characters or spaces.
func printable(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// observe logs every request and counts it in the metrics. It never logs
// headers, so the Authorization header stays out of the logs.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	took := time.Since(start)
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	s.metrics.observe(route, c.Request.Method, status, took)

	attrs := []any{
		"method", c.Request.Method,
		"path", c.Request.URL.Path,
		"route", route,
		"status", status,
		"bytes", c.Writer.Size(),
		"took", took,
		"request_id", requestIDOf(c),
	}
	if u := callerOrNil(c); u != nil {
		attrs = append(attrs, "user_id", u.ID)
	}
	if wid := c.GetString(workflowIDKey); wid != "" {
		attrs = append(attrs, "workflow_id", wid)
	}
	s.log.InfoContext(c.Request.Context(), "request", attrs...)
}

// recovery turns a panic into a 500 problem and logs it with its stack.
func (s *Server) recovery(c *gin.Context) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
			panic(v)
		}
		s.log.ErrorContext(c.Request.Context(), "panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()),
			"request_id", requestIDOf(c))
		if !c.Writer.Written() {
			s.writeProblem(c, typeInternal.with("something went wrong on our side; the request id helps us find it"))
		}
		c.Abort()
	}()
	c.Next()
}

// deadline bounds the request's work by Config.RequestTimeout.
func (s *Server) deadline(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.RequestTimeout)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}

// limitBody refuses bodies over maxBodyBytes: at once when Content-Length
// says so, else when the handler reads past the limit.
func (s *Server) limitBody(c *gin.Context) {
	if c.Request.ContentLength > maxBodyBytes {
		s.fail(c, &http.MaxBytesError{Limit: maxBodyBytes})
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes)
	c.Next()
}

// requireJSON refuses a body that does not say it is JSON.
func (s *Server) requireJSON(c *gin.Context) {
	if !hasBody(c.Request) {
		c.Next()
		return
	}
	mediaType, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mediaType != "application/json" {
		s.fail(c, typeMediaType.with("send the body as application/json"))
		return
	}
	c.Next()
}

func hasBody(r *http.Request) bool {
	return r.ContentLength > 0 || (r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody)
}

// notFound answers requests for paths the API does not have.
func (s *Server) notFound(c *gin.Context) {
	s.fail(c, typeNotFound.with("there is nothing at "+c.Request.URL.Path))
}

// methodNotAllowed answers a known path asked with a method it does not take;
// gin has set the Allow header.
func (s *Server) methodNotAllowed(c *gin.Context) {
	s.fail(c, typeMethod.with(c.Request.Method+" is not allowed here; allowed: "+c.Writer.Header().Get("Allow")))
}
