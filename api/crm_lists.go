package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
)

// The lists of the CRM's objects: keyword search over opportunities, orders
// (of an opportunity), and the change log of an order or an opportunity.
// Each answers one page, {"<objects>": [...], "next_cursor": "..." | null}:
// the next page is asked with ?cursor=<next_cursor> and the same other
// parameters, and ?limit= sets the size of a page (1 to 100, default 20).

// opportunityHitBody is one opportunity found by GET /v1/opportunities.
type opportunityHitBody struct {
	ID                string    `json:"id"`
	Number            string    `json:"number"`
	Name              string    `json:"name"`
	Customer          *ref      `json:"customer"`
	ContactName       string    `json:"contact_name"`
	Owner             ref       `json:"owner"`
	Status            string    `json:"status"`
	Currency          string    `json:"currency"`
	Amount            *string   `json:"amount"`
	ExpectedCloseDate *string   `json:"expected_close_date"`
	UpdatedAt         time.Time `json:"updated_at"`
	// Match says how the keyword matched: number, prefix or contains; null
	// without a keyword.
	Match *string `json:"match"`
}

type opportunityHitList struct {
	Opportunities []opportunityHitBody `json:"opportunities"`
	NextCursor    *string              `json:"next_cursor"`
}

// orderListEntryBody is one order of GET /v1/orders.
type orderListEntryBody struct {
	orderSummaryBody
	Customer    ref            `json:"customer"`
	Opportunity *numberNameRef `json:"opportunity"`
}

type orderListBody struct {
	Orders     []orderListEntryBody `json:"orders"`
	NextCursor *string              `json:"next_cursor"`
}

// changeBody is one entry of a change log: who, when, why, and each changed
// field before and after.
type changeBody struct {
	ID      string      `json:"id"`
	At      time.Time   `json:"at"`
	User    ref         `json:"user"`
	Reason  string      `json:"reason"`
	Changes crm.Changes `json:"changes"`
}

type changeListBody struct {
	Changes    []changeBody `json:"changes"`
	NextCursor *string      `json:"next_cursor"`
}

// searchOpportunities finds the caller's organization's opportunities by
// keyword (?q=) in their number, name and customer's name: the one whose
// number it is first, then prefixes, then the rest. Without a keyword it
// lists them all by number.
func (s *Server) searchOpportunities(c *gin.Context) error {
	page, params, err := readPageQuery(c, "q")
	if err != nil {
		return err
	}
	q := params["q"]
	if !utf8.ValidString(q) || strings.ContainsRune(q, 0) {
		return typeMalformed.with("q must be text (UTF-8, without NUL)",
			conversion.FieldError{Field: "q", Message: "not text"})
	}
	if utf8.RuneCountInString(strings.TrimSpace(q)) > crm.MaxSearchLength {
		return typeMalformed.with(fmt.Sprintf("q may have up to %d characters", crm.MaxSearchLength),
			conversion.FieldError{Field: "q", Message: "too long"})
	}
	hits, err := s.store.SearchOpportunities(c.Request.Context(), callerOf(c).OrganizationID, q, page)
	if err != nil {
		return crmProblem(err)
	}
	out := opportunityHitList{Opportunities: make([]opportunityHitBody, 0, len(hits.Hits)), NextCursor: optional(hits.Next)}
	for _, h := range hits.Hits {
		b := opportunityHitBody{
			ID: h.ID, Number: h.Number, Name: h.Name, ContactName: h.ContactName,
			Owner:  ref{ID: h.OwnerID, Name: h.OwnerName},
			Status: h.Status, Currency: h.Currency,
			ExpectedCloseDate: optional(h.CloseDate()),
			UpdatedAt:         h.UpdatedAt,
			Match:             optional(h.Match),
		}
		if h.CustomerID != "" {
			b.Customer = &ref{ID: h.CustomerID, Name: h.CustomerName}
		}
		if h.Amount != nil {
			b.Amount = new(money(*h.Amount, h.Currency))
		}
		out.Opportunities = append(out.Opportunities, b)
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// listOrders lists the caller's organization's orders, newest first; with
// ?opportunity_id=, those made from or linked to that opportunity.
func (s *Server) listOrders(c *gin.Context) error {
	page, params, err := readPageQuery(c, "opportunity_id")
	if err != nil {
		return err
	}
	var f crm.OrderFilter
	if v, ok := params["opportunity_id"]; ok {
		if f.OpportunityID, err = idParam("opportunity_id", v); err != nil {
			return err
		}
	}
	list, err := s.store.Orders(c.Request.Context(), callerOf(c).OrganizationID, f, page)
	if err != nil {
		return crmProblem(err)
	}
	out := orderListBody{Orders: make([]orderListEntryBody, 0, len(list.Orders)), NextCursor: optional(list.Next)}
	for _, o := range list.Orders {
		b := orderListEntryBody{
			orderSummaryBody: orderSummaryBody{
				ID: o.ID, Number: o.Number, Title: o.Title, Status: o.Status,
				OrderDate: o.OrderDate, Currency: o.Currency,
				Total: money(o.Total, o.Currency), CreatedAt: o.CreatedAt,
			},
			Customer: ref{ID: o.CustomerID, Name: o.CustomerName},
		}
		if o.OpportunityID != "" {
			b.Opportunity = &numberNameRef{ID: o.OpportunityID, Number: o.OpportunityNumber, Name: o.OpportunityName}
		}
		out.Orders = append(out.Orders, b)
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// orderChanges answers the change log of an order, newest first.
func (s *Server) orderChanges(c *gin.Context) error {
	return s.changes(c, crm.ObjectOrder)
}

// opportunityChanges answers the change log of an opportunity, newest first.
func (s *Server) opportunityChanges(c *gin.Context) error {
	return s.changes(c, crm.ObjectOpportunity)
}

func (s *Server) changes(c *gin.Context, objectType string) error {
	id, err := pathID(c, objectType)
	if err != nil {
		return err
	}
	page, _, err := readPageQuery(c)
	if err != nil {
		return err
	}
	log, err := s.store.ChangeLogPage(c.Request.Context(), callerOf(c).OrganizationID, objectType, id, page)
	if err != nil {
		return crmProblem(err)
	}
	out := changeListBody{Changes: make([]changeBody, 0, len(log.Entries)), NextCursor: optional(log.Next)}
	for _, e := range log.Entries {
		changes := e.Changes
		if changes == nil {
			changes = crm.Changes{}
		}
		out.Changes = append(out.Changes, changeBody{
			ID: strconv.FormatInt(e.ID, 10), At: e.At,
			User:   ref{ID: e.UserID, Name: e.UserName},
			Reason: e.Reason, Changes: changes,
		})
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// readPageQuery reads a list's query string: limit, cursor, and the other
// parameters named, each at most once. Any other parameter is refused (400),
// as an unknown field of a body is.
func readPageQuery(c *gin.Context, names ...string) (crm.Page, map[string]string, error) {
	var page crm.Page
	params := map[string]string{}
	for name, values := range c.Request.URL.Query() {
		known := name == "limit" || name == "cursor"
		for _, n := range names {
			known = known || name == n
		}
		switch {
		case !known:
			return page, nil, typeMalformed.with("unknown query parameter "+name,
				conversion.FieldError{Field: name, Message: "not a parameter of this list"})
		case len(values) > 1:
			return page, nil, typeMalformed.with("query parameter "+name+" is given more than once",
				conversion.FieldError{Field: name, Message: "given more than once"})
		}
		params[name] = values[0]
	}
	if v, ok := params["limit"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > crm.MaxPageSize {
			return page, nil, typeMalformed.with(fmt.Sprintf("limit must be a number from 1 to %d", crm.MaxPageSize),
				conversion.FieldError{Field: "limit", Message: "out of range"})
		}
		page.Limit = n
	}
	page.After = params["cursor"]
	return page, params, nil
}

// idParam reads an id sent in a query or body: a UUID, else the request
// breaks a rule (422).
func idParam(field, v string) (string, error) {
	id, err := uuid.Parse(v)
	if err != nil {
		return "", typeInvalid.with(field+" must be an id such as \"e0000000-0000-4000-8000-000000000001\"",
			conversion.FieldError{Field: field, Message: "not an id"})
	}
	return id.String(), nil
}

// crmProblem turns the store's not-found and bad-cursor errors into their
// problems; refusals (*conversion.Error) and other errors go on as they are.
func crmProblem(err error) error {
	var nf *crm.NotFoundError
	switch {
	case errors.As(err, &nf):
		return typeNotFound.with("no " + nf.Object + " " + nf.ID)
	case errors.Is(err, crm.ErrNotFound):
		return typeNotFound.with("not found")
	case errors.Is(err, crm.ErrBadCursor):
		return typeMalformed.with("the cursor is not one this API gave for this list",
			conversion.FieldError{Field: "cursor", Message: "not valid"})
	}
	return err
}
