package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/crmconvert/crmconvert/crm"
)

// getOpportunity shows an opportunity of the caller's organization with its
// items, what remains of each, and the orders made from it.
func (s *Server) getOpportunity(c *gin.Context) error {
	id, err := pathID(c, "opportunity")
	if err != nil {
		return err
	}
	opp, err := s.store.Opportunity(c.Request.Context(), callerOf(c).OrganizationID, id)
	if errors.Is(err, crm.ErrNotFound) {
		return typeNotFound.with("no opportunity " + id)
	}
	if err != nil {
		return fmt.Errorf("read opportunity %s: %w", id, err)
	}
	c.JSON(http.StatusOK, renderOpportunity(opp))
	return nil
}

// getOrder shows an order of the caller's organization with its items and totals.
func (s *Server) getOrder(c *gin.Context) error {
	id, err := pathID(c, "order")
	if err != nil {
		return err
	}
	o, err := s.store.Order(c.Request.Context(), callerOf(c).OrganizationID, id)
	if errors.Is(err, crm.ErrNotFound) {
		return typeNotFound.with("no order " + id)
	}
	if err != nil {
		return fmt.Errorf("read order %s: %w", id, err)
	}
	c.JSON(http.StatusOK, renderOrder(o))
	return nil
}
