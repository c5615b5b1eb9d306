package api

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/workflows"
)

// Listing limits. SQL visibility stores (the dev server's, PostgreSQL's,
// MySQL's) cannot ORDER BY a custom attribute, so the API reads a user's
// unfinished conversions whole, up to maxListed, and orders them itself.
const (
	maxListed      = 1000
	visibilityPage = 200
)

// conversionSummary is one row of GET /v1/conversions.
type conversionSummary struct {
	WorkflowID   string            `json:"workflow_id"`
	Opportunity  numberNameRef     `json:"opportunity"`
	CustomerName string            `json:"customer_name"`
	Step         string            `json:"step"`
	StartedBy    ref               `json:"started_by"`
	StartedAt    time.Time         `json:"started_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
	ExpiresAt    time.Time         `json:"expires_at"`
	OrderID      *string           `json:"order_id"`
	Links        map[string]string `json:"links"`
}

type conversionList struct {
	Conversions []conversionSummary `json:"conversions"`
	NextCursor  *string             `json:"next_cursor"`
}

// listConversions answers the caller's unfinished conversions, newest
// activity first, from Temporal's visibility store. Visibility is eventually
// consistent: a step taken a moment ago may show its previous step for about
// a second; the conversion itself (GET .../conversion) is always current.
func (s *Server) listConversions(c *gin.Context) error {
	u := callerOf(c)
	q, err := parseListQuery(c)
	if err != nil {
		return err
	}
	query := fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running' AND %s = '%s'",
		workflows.WorkflowName, workflows.AttrOrganizationID.GetName(), u.OrganizationID)
	if q.organization {
		if !u.IsAdmin() {
			return typeForbidden.with("only an admin may list the whole organization's conversions")
		}
	} else {
		query += fmt.Sprintf(" AND %s = '%s'", workflows.AttrUserID.GetName(), u.ID)
	}
	if q.step != "" {
		query += fmt.Sprintf(" AND %s = '%s'", workflows.AttrStep.GetName(), q.step)
	}
	all, err := s.visible(c.Request.Context(), query)
	if err != nil {
		return err
	}
	slices.SortFunc(all, func(a, b conversionSummary) int {
		return cmp.Or(b.UpdatedAt.Compare(a.UpdatedAt), strings.Compare(a.WorkflowID, b.WorkflowID))
	})
	page := all
	if page == nil {
		page = []conversionSummary{} // an empty list, not null
	}
	if q.after != nil {
		at := slices.IndexFunc(all, func(cs conversionSummary) bool { return q.after.before(cs) })
		if at < 0 {
			at = len(all)
		}
		page = all[at:]
	}
	out := conversionList{Conversions: page}
	if len(page) > q.limit {
		out.Conversions = page[:q.limit]
		next := encodeCursor(out.Conversions[q.limit-1])
		out.NextCursor = &next
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// visible reads the conversions the visibility query finds, up to maxListed.
func (s *Server) visible(ctx context.Context, query string) ([]conversionSummary, error) {
	var out []conversionSummary
	var token []byte
	for {
		resp, err := s.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: query, PageSize: visibilityPage, NextPageToken: token,
		})
		if err != nil {
			return nil, fmt.Errorf("list conversions: %w", err)
		}
		for _, ex := range resp.GetExecutions() {
			out = append(out, summaryOf(ex.GetExecution().GetWorkflowId(), ex.GetStartTime().AsTime(),
				ex.GetSearchAttributes().GetIndexedFields(), ex.GetMemo().GetFields()))
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 || len(out) >= maxListed {
			return out, nil
		}
	}
}

func summaryOf(workflowID string, started time.Time, attrs, memo map[string]*commonpb.Payload) conversionSummary {
	text := func(fields map[string]*commonpb.Payload, name string) string {
		var v string
		if p, ok := fields[name]; ok {
			_ = converter.GetDefaultDataConverter().FromPayload(p, &v)
		}
		return v
	}
	when := func(name string) time.Time {
		t, _ := time.Parse(time.RFC3339Nano, text(attrs, name))
		return t
	}
	cs := conversionSummary{
		WorkflowID: workflowID,
		Opportunity: numberNameRef{
			ID:     text(attrs, workflows.AttrOpportunityID.GetName()),
			Number: text(memo, workflows.MemoOpportunityNumber),
			Name:   text(memo, workflows.MemoOpportunityName),
		},
		CustomerName: text(memo, workflows.MemoCustomerName),
		Step:         text(attrs, workflows.AttrStep.GetName()),
		StartedBy:    ref{ID: text(attrs, workflows.AttrUserID.GetName()), Name: text(memo, workflows.MemoStartedByName)},
		StartedAt:    started.UTC(),
		UpdatedAt:    when(workflows.AttrUpdatedAt.GetName()).UTC(),
		ExpiresAt:    when(workflows.AttrExpiresAt.GetName()).UTC(),
	}
	if id := text(attrs, workflows.AttrOrderID.GetName()); id != "" {
		cs.OrderID = &id
	}
	cs.Links = map[string]string{"conversion": "/v1/opportunities/" + cs.Opportunity.ID + "/conversion"}
	return cs
}

// listQuery is what GET /v1/conversions may be asked.
type listQuery struct {
	step         string
	organization bool
	limit        int
	after        *cursor
}

// listableSteps are the steps an unfinished conversion can be at.
var listableSteps = []conversion.Step{conversion.StepMapping, conversion.StepProducts, conversion.StepDraft, conversion.StepClosePrompt}

func parseListQuery(c *gin.Context) (listQuery, error) {
	page, params, err := readPageQuery(c, "step", "scope")
	if err != nil {
		return listQuery{}, err
	}
	q := listQuery{limit: cmp.Or(page.Limit, crm.DefaultPageSize)}
	if step := params["step"]; step != "" {
		if !slices.Contains(listableSteps, conversion.Step(step)) {
			return q, typeMalformed.with("step must be one of mapping, products, draft, close_prompt",
				conversion.FieldError{Field: "step", Message: "not a step of an unfinished conversion"})
		}
		q.step = step
	}
	switch cmp.Or(params["scope"], "mine") {
	case "mine":
	case "organization":
		q.organization = true
	default:
		return q, typeMalformed.with("scope must be mine or organization", conversion.FieldError{Field: "scope", Message: "not a scope"})
	}
	if page.After != "" {
		cur, err := decodeCursor(page.After)
		if err != nil {
			return q, typeMalformed.with("the cursor is not one this API gave", conversion.FieldError{Field: "cursor", Message: "not valid"})
		}
		q.after = cur
	}
	return q, nil
}

// cursor is the position after the last row of a page: rows are ordered by
// last activity, newest first, then by workflow id.
type cursor struct {
	UpdatedAt  time.Time `json:"u"`
	WorkflowID string    `json:"w"`
}

// before reports whether the cursor's row comes before cs, so cs is on a later page.
func (k *cursor) before(cs conversionSummary) bool {
	if d := cs.UpdatedAt.Compare(k.UpdatedAt); d != 0 {
		return d < 0
	}
	return cs.WorkflowID > k.WorkflowID
}

func encodeCursor(cs conversionSummary) string {
	raw, _ := json.Marshal(cursor{UpdatedAt: cs.UpdatedAt, WorkflowID: cs.WorkflowID})
	return base64.RawURLEncoding.EncodeToString(raw)
}

func decodeCursor(s string) (*cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	var k cursor
	if err := json.Unmarshal(raw, &k); err != nil || k.WorkflowID == "" {
		return nil, fmt.Errorf("bad cursor")
	}
	return &k, nil
}
