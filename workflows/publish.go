package workflows

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/crmconvert/crmconvert/conversion"
)

// publishIdentity sets the search attributes that never change: whose
// conversion of which opportunity it is.
func (c *conv) publishIdentity(ctx workflow.Context) {
	c.upsert(ctx,
		AttrOrganizationID.ValueSet(c.state.OrganizationID),
		AttrOpportunityID.ValueSet(c.state.OpportunityID),
		AttrUserID.ValueSet(c.state.StartedBy.ID),
		AttrStep.ValueSet("starting"),
		AttrUpdatedAt.ValueSet(c.state.UpdatedAt),
		AttrExpiresAt.ValueSet(c.state.ExpiresAt),
	)
	workflow.SetCurrentDetails(ctx, conversion.Describe(&c.state))
}

// publish keeps operators' view current: the search attributes that change
// with each step, and a sentence saying where the conversion stands. Both
// are commands of the workflow task already under way, so they cost no
// round trip.
func (c *conv) publish(ctx workflow.Context) {
	updates := []temporal.SearchAttributeUpdate{
		AttrStep.ValueSet(string(c.state.Step)),
		AttrUpdatedAt.ValueSet(c.state.UpdatedAt),
		AttrExpiresAt.ValueSet(c.state.ExpiresAt),
	}
	if c.state.Order != nil {
		updates = append(updates, AttrOrderID.ValueSet(c.state.Order.ID))
	}
	c.upsert(ctx, updates...)
	if c.state.Opportunity != nil && c.steps == 0 {
		c.upsertMemo(ctx)
	}
	workflow.SetCurrentDetails(ctx, conversion.Describe(&c.state))
}

func (c *conv) upsert(ctx workflow.Context, updates ...temporal.SearchAttributeUpdate) {
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		workflow.GetLogger(ctx).Warn("search attributes not updated", "error", err)
	}
}

// Memo keys of a conversion: what a list of conversions shows besides the
// search attributes, so that listing needs no query per conversion.
const (
	MemoOpportunityNumber = "opportunity_number"
	MemoOpportunityName   = "opportunity_name"
	MemoCustomerName      = "customer_name"
	MemoStartedByName     = "started_by_name"
)

func (c *conv) upsertMemo(ctx workflow.Context) {
	opp := c.state.Opportunity
	err := workflow.UpsertMemo(ctx, map[string]any{
		MemoOpportunityNumber: opp.Number,
		MemoOpportunityName:   opp.Name,
		MemoCustomerName:      opp.CustomerName,
		MemoStartedByName:     c.state.StartedBy.Name,
	})
	if err != nil {
		workflow.GetLogger(ctx).Warn("memo not updated", "error", err)
	}
}
