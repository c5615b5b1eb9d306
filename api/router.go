package api

import (
	"github.com/gin-gonic/gin"
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

	v1 := r.Group("/v1", s.deadline, s.authenticate, s.limitBody, s.requireJSON)
	v1.GET("/opportunities/:id", s.handle(s.getOpportunity))
	v1.GET("/orders/:id", s.handle(s.getOrder))

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
