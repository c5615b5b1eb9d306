package workflows

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/crmconvert/crmconvert/conversion"
)

// StepStarting is the step operators see before the opportunity is loaded.
const StepStarting = "starting"

// identity is the search attributes that never change: whose conversion of
// which opportunity it is.
func identity(organizationID, opportunityID, userID string) []temporal.SearchAttributeUpdate {
	return []temporal.SearchAttributeUpdate{
		AttrOrganizationID.ValueSet(organizationID),
		AttrOpportunityID.ValueSet(opportunityID),
		AttrUserID.ValueSet(userID),
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

// StartMemo is the memo of the conversion of opp started by startedBy. The
// starter gives it (StartOptions), which costs the run no change of its
// properties; else the workflow sets it once the opportunity is loaded.
func StartMemo(opp *conversion.Opportunity, startedBy string) map[string]any {
	return map[string]any{
		MemoOpportunityNumber: opp.Number,
		MemoOpportunityName:   opp.Name,
		MemoCustomerName:      opp.CustomerName,
		MemoStartedByName:     startedBy,
	}
}

// publishIdentity sets the identity attributes with the step: as the first
// thing a run did before versionLeanHistory (step "starting"), and since
// then when a run ends without having loaded its opportunity, so that
// operators still find it by user and opportunity.
func (c *conv) publishIdentity(ctx workflow.Context, step string) {
	c.upsert(ctx, append(identity(c.state.OrganizationID, c.state.OpportunityID, c.state.StartedBy.ID),
		AttrStep.ValueSet(step),
		AttrUpdatedAt.ValueSet(c.state.UpdatedAt),
		AttrExpiresAt.ValueSet(c.state.ExpiresAt))...)
	workflow.SetCurrentDetails(ctx, conversion.Describe(&c.state))
}

// publish keeps operators' view current: the search attributes that change
// with each step, and a sentence saying where the conversion stands. Both
// are commands of the workflow task already under way, so they cost no
// round trip, and there is one upsert per step, each being a write to
// visibility.
func (c *conv) publish(ctx workflow.Context) {
	updates := []temporal.SearchAttributeUpdate{
		AttrStep.ValueSet(string(c.state.Step)),
		AttrUpdatedAt.ValueSet(c.state.UpdatedAt),
		AttrExpiresAt.ValueSet(c.state.ExpiresAt),
	}
	if c.state.Order != nil {
		updates = append(updates, AttrOrderID.ValueSet(c.state.Order.ID))
	}
	first := c.state.Opportunity != nil && c.steps == 0
	if first && c.lean && !workflow.GetTypedSearchAttributes(ctx).ContainsKey(AttrOrganizationID) {
		// The identity goes with the first step's upsert, which costs no
		// write of its own. The API does not give it at the start: a start
		// naming search attributes fails while the namespace does not know
		// them yet (they are registered by the worker), where an upsert's
		// workflow task is retried until it does.
		updates = append(updates, identity(c.state.OrganizationID, c.state.OpportunityID, c.state.StartedBy.ID)...)
	}
	c.upsert(ctx, updates...)
	if first && (!c.lean || !startedWithMemo(ctx)) {
		c.upsertMemo(ctx)
	}
	workflow.SetCurrentDetails(ctx, conversion.Describe(&c.state))
}

func startedWithMemo(ctx workflow.Context) bool {
	_, ok := workflow.GetInfo(ctx).Memo.GetFields()[MemoOpportunityNumber]
	return ok
}

func (c *conv) upsert(ctx workflow.Context, updates ...temporal.SearchAttributeUpdate) {
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		workflow.GetLogger(ctx).Warn("search attributes not updated", "error", err)
	}
}

func (c *conv) upsertMemo(ctx workflow.Context) {
	if err := workflow.UpsertMemo(ctx, StartMemo(c.state.Opportunity, c.state.StartedBy.Name)); err != nil {
		workflow.GetLogger(ctx).Warn("memo not updated", "error", err)
	}
}
