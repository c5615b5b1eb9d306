package api

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/crmconvert/crmconvert/crm"
)

// orderLinkRequest is the body of PUT /v1/orders/{id}/opportunity.
type orderLinkRequest struct {
	// OpportunityID is required; null unlinks the order.
	OpportunityID *string `json:"opportunity_id"`
	// CloseOpportunity closes the opportunity as won in the same request.
	CloseOpportunity *bool `json:"close_opportunity"`
}

// orderLinkBody answers PUT /v1/orders/{id}/opportunity: the order and its
// opportunity as they are now, and what the request changed.
type orderLinkBody struct {
	Order       orderBody        `json:"order"`
	Opportunity *opportunityBody `json:"opportunity"`
	// Changed is true when the order's opportunity changed.
	Changed bool `json:"changed"`
	// Closed is true when this request closed the opportunity as won.
	Closed bool `json:"closed"`
}

var errNoOrderUpdate = typeForbidden.with("linking an order to an opportunity needs the order:update permission")

// linkOrder sets, changes or removes an order's opportunity, closing the
// opportunity as won if asked and allowed, in one transaction (SPEC 4.3).
func (s *Server) linkOrder(c *gin.Context) error {
	u := callerOf(c)
	if !u.Can(crm.PermOrderUpdate) {
		return errNoOrderUpdate
	}
	orderID, err := pathID(c, "order")
	if err != nil {
		return err
	}
	v, err := readJSON(c)
	if err != nil {
		return err
	}
	if v == nil {
		return typeMalformed.with("the request needs a JSON body")
	}
	var body orderLinkRequest
	if err := decodeValue(v, &body); err != nil {
		return err
	}
	if _, ok := v.(map[string]any)["opportunity_id"]; !ok {
		return required("opportunity_id")
	}
	link := crm.LinkOrder{
		OrganizationID: u.OrganizationID,
		OrderID:        orderID,
		Close:          body.CloseOpportunity != nil && *body.CloseOpportunity,
		UserID:         u.ID,
	}
	if body.OpportunityID != nil {
		if link.OpportunityID, err = idParam("opportunity_id", *body.OpportunityID); err != nil {
			return err
		}
	}

	ctx := c.Request.Context()
	res, err := s.store.LinkOrder(ctx, link)
	if err != nil {
		return crmProblem(err)
	}
	order, err := s.store.Order(ctx, u.OrganizationID, orderID)
	if err != nil {
		return fmt.Errorf("read order %s after linking it: %w", orderID, err)
	}
	out := orderLinkBody{Order: renderOrder(order), Changed: res.Linked, Closed: res.Closed}
	if link.OpportunityID != "" {
		opp, err := s.store.Opportunity(ctx, u.OrganizationID, link.OpportunityID)
		if err != nil {
			return fmt.Errorf("read opportunity %s after linking it: %w", link.OpportunityID, err)
		}
		out.Opportunity = new(renderOpportunity(opp))
	}
	c.JSON(http.StatusOK, out)
	return nil
}
