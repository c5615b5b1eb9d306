package crm

import (
	"errors"

	"github.com/crmconvert/crmconvert/conversion"
)

// ErrNotFound is returned for an object that does not exist or belongs to
// another organization; callers cannot tell the two apart, by design.
var ErrNotFound = errors.New("not found")

// NewOrder is an order to write from a conversion's draft.
type NewOrder struct {
	// ConversionKey identifies the conversion (workflow id and first run id);
	// it is unique on orders, so writing the same conversion twice returns
	// the order the first write made.
	ConversionKey  string
	OrganizationID string
	OpportunityID  string
	CreatedBy      string
	Draft          conversion.Draft
}

// SavedOrder is the order a conversion wrote (or had written before).
type SavedOrder struct {
	ID     string `json:"id"`
	Number string `json:"number"`
	// Created is false when the order existed already (a retried save).
	Created bool `json:"created"`
	// MayClose is true when the opportunity is still open and the creator is
	// its owner or an admin: the conversion then asks whether to close it.
	MayClose bool `json:"may_close"`
}

// CloseOpportunity asks to close an opportunity as won.
type CloseOpportunity struct {
	OrganizationID string
	OpportunityID  string
	UserID         string
	// Reason goes into the change log ("opportunity closed as won").
	Reason string
}

// CloseResult says whether the opportunity was closed, and if not, why.
type CloseResult struct {
	Closed bool   `json:"closed"`
	Note   string `json:"note,omitempty"`
}
