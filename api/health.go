package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"
)

// healthz answers as long as the process serves.
func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz checks that PostgreSQL and Temporal answer; a 503 names the ones
// that do not.
func (s *Server) readyz(c *gin.Context) error {
	checks := []struct {
		name  string
		check func(ctx context.Context) error
	}{
		{"postgres", s.store.Ping},
		{"temporal", func(ctx context.Context) error {
			_, err := s.temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
			return err
		}},
	}
	errs := make([]error, len(checks))
	var wg sync.WaitGroup
	for i, ch := range checks {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.ReadyTimeout)
			defer cancel()
			errs[i] = ch.check(ctx)
		})
	}
	wg.Wait()
	var down []string
	for i, err := range errs {
		if err != nil {
			down = append(down, checks[i].name)
			s.log.WarnContext(c.Request.Context(), "not ready", "dependency", checks[i].name, "error", err)
		}
	}
	if len(down) > 0 {
		p := typeUnavailable.with(fmt.Sprintf("not ready: %s unreachable", strings.Join(down, " and ")))
		p.retryAfter = retryUnavailable
		return p
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "postgres": "ok", "temporal": "ok"})
	return nil
}
