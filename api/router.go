package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/web"
)

// router lists every route of the API.
func (s *Server) router() *gin.Engine {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.ContextWithFallback = true

	r.Use(s.requestID, s.observe, s.recovery)
	r.NoRoute(s.notFound)
	r.NoMethod(s.methodNotAllowed)

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.handle(s.readyz))
	r.GET("/metrics", gin.WrapH(s.metrics.handler()))
	r.GET("/openapi.yaml", serveOpenAPI)

	// The salesperson's pages (package web): HTML for people, talking to
	// /v1 below; not API routes, so not in openapi.yaml. The development
	// sign-in exists only when the configuration says so (crmconvert dev).
	r.GET("/", gin.WrapF(web.Redirect))
	r.GET(web.Prefix+"*path", gin.WrapH(web.Pages()))
	if s.cfg.DevSignIn {
		dev := &web.DevSignIn{Users: web.DemoUsers(), Issue: s.devToken, Logger: s.log}
		r.GET("/dev/users", gin.WrapF(dev.ListUsers))
		r.POST("/dev/token", s.limitBody, gin.WrapF(dev.Token))
	}

	v1 := r.Group("/v1", s.deadline, s.authenticate, s.limitBody, s.requireJSON)
	v1.GET("/me", s.handle(s.me))
	v1.GET("/opportunities", s.handle(s.searchOpportunities))
	v1.GET("/opportunities/:id", s.handle(s.getOpportunity))
	v1.GET("/opportunities/:id/changes", s.handle(s.opportunityChanges))
	v1.GET("/orders", s.handle(s.listOrders))
	v1.GET("/orders/:id", s.handle(s.getOrder))
	v1.PUT("/orders/:id/opportunity", s.handle(s.linkOrder))
	v1.GET("/orders/:id/changes", s.handle(s.orderChanges))

	v1.GET("/conversions", s.handle(s.listConversions))
	v1.POST("/opportunities/:id/conversion", s.handle(s.startConversion))
	v1.GET("/opportunities/:id/conversion", s.handle(s.getConversion))
	v1.DELETE("/opportunities/:id/conversion", s.handle(s.cancelConversion))
	v1.PUT("/opportunities/:id/conversion/mapping", s.handle(s.putMapping))
	v1.PUT("/opportunities/:id/conversion/items", s.handle(s.putItems))
	v1.PATCH("/opportunities/:id/conversion/draft", s.handle(s.patchDraft))
	v1.POST("/opportunities/:id/conversion/save", s.handle(s.save))
	v1.POST("/opportunities/:id/conversion/close-decision", s.handle(s.closeDecision))
	v1.POST("/opportunities/:id/conversion/back", s.handle(s.back))
	return r
}

// handle adapts a handler that returns its error: the error is answered
// once, as a problem, by fail.
func (s *Server) handle(h func(c *gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			s.fail(c, err)
		}
	}
}

// meBody is the caller as GET /v1/me shows them: what the pages need to
// greet them and to say why an action is not theirs to take.
type meBody struct {
	ID             string   `json:"id"`
	OrganizationID string   `json:"organization_id"`
	Name           string   `json:"name"`
	Email          string   `json:"email"`
	Role           string   `json:"role"`
	Permissions    []string `json:"permissions"`
}

// me answers the caller, as the database says now.
func (s *Server) me(c *gin.Context) error {
	u := callerOf(c)
	perms := u.Permissions
	if perms == nil {
		perms = []string{}
	}
	c.JSON(http.StatusOK, meBody{ID: u.ID, OrganizationID: u.OrganizationID, Name: u.Name, Email: u.Email, Role: u.Role, Permissions: perms})
	return nil
}

// devTokenTTL is how long a token of the development sign-in lasts.
const devTokenTTL = 12 * time.Hour

// devToken signs a token for an active user, for the development sign-in
// page (Config.DevSignIn only).
func (s *Server) devToken(ctx context.Context, userID string) (string, error) {
	u, err := s.store.UserByID(ctx, userID)
	switch {
	case errors.Is(err, crm.ErrNotFound) || (err == nil && !u.Active):
		return "", web.ErrUnknownUser
	case err != nil:
		return "", err
	}
	return IssueTokenFor(s.cfg.JWTSecret, u.ID, devTokenTTL, s.cfg.JWTIssuer, s.cfg.JWTAudience)
}
