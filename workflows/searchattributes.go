package workflows

import (
	"go.temporal.io/sdk/temporal"
)

// The search attributes every conversion keeps current, so that operators
// can find conversions in the Temporal UI and the API can list a user's
// unfinished ones. The Crm prefix marks them as this product's.
var (
	AttrOpportunityID  = temporal.NewSearchAttributeKeyKeyword("CrmOpportunityId")
	AttrOrganizationID = temporal.NewSearchAttributeKeyKeyword("CrmOrganizationId")
	AttrUserID         = temporal.NewSearchAttributeKeyKeyword("CrmUserId")
	AttrStep           = temporal.NewSearchAttributeKeyKeyword("CrmStep")
	AttrOrderID        = temporal.NewSearchAttributeKeyKeyword("CrmOrderId")
	AttrUpdatedAt      = temporal.NewSearchAttributeKeyTime("CrmUpdatedAt")
	AttrExpiresAt      = temporal.NewSearchAttributeKeyTime("CrmExpiresAt")
)

// SearchAttributes lists the attributes above, for registering them on a cluster.
func SearchAttributes() []temporal.SearchAttributeKey {
	return []temporal.SearchAttributeKey{
		AttrOpportunityID, AttrOrganizationID, AttrUserID, AttrStep, AttrOrderID, AttrUpdatedAt, AttrExpiresAt,
	}
}
