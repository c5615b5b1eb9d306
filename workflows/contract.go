package workflows

import (
	"fmt"
	"time"

	"github.com/crmconvert/crmconvert/conversion"
)

// The names under which the conversion's handlers are registered; the API
// uses the same constants, so a rename cannot split the two.
const (
	WorkflowName = "Conversion"

	UpdateOpen    = "open"
	UpdateMapping = "mapping"
	UpdateItems   = "items"
	UpdateDraft   = "draft"
	UpdateSave    = "save"
	UpdateClose   = "close_decision"
	UpdateBack    = "back"
	SignalCancel  = "cancel"
	QueryState    = "state"
)

// DefaultIdleTimeout is how long a conversion waits for its user's next step
// before it expires (SPEC 4.2).
const DefaultIdleTimeout = 14 * 24 * time.Hour

// WorkflowID is the id of the conversion of one opportunity. Deriving it from
// the organization and the opportunity is what makes one active conversion
// per opportunity; a later conversion is a new run of the same id.
func WorkflowID(organizationID, opportunityID string) string {
	return fmt.Sprintf("conversion/%s/%s", organizationID, opportunityID)
}

// Input starts a conversion.
type Input struct {
	OrganizationID string          `json:"organization_id"`
	OpportunityID  string          `json:"opportunity_id"`
	StartedBy      conversion.User `json:"started_by"`
	// IdleTimeout is how long the conversion waits for a step; zero means DefaultIdleTimeout.
	IdleTimeout time.Duration `json:"idle_timeout,omitempty"`
	// Snapshot is what the conversion starts from, as the starter read it
	// (StartOptions); nil: the run reads it itself.
	Snapshot *conversion.Snapshot `json:"snapshot,omitempty"`
	// State carries a conversion over continue-as-new; nil for a new one.
	State *conversion.State `json:"state,omitempty"`
	// Answers carries the latest steps' answers over continue-as-new.
	Answers []Answer `json:"answers,omitempty"`
}

// Request is what every step carries: who asks, and the version the caller
// last saw (If-Match), if it cares.
type Request struct {
	Actor     string `json:"actor"`
	IfVersion *int   `json:"if_version,omitempty"`
}

// OpenRequest starts or resumes a conversion.
type OpenRequest struct {
	Actor conversion.User `json:"actor"`
}

// OpenResult is the conversion's state, and whether this call started it.
type OpenResult struct {
	Created bool             `json:"created"`
	State   conversion.State `json:"state"`
}

// MappingRequest is the mapping step.
type MappingRequest struct {
	Request
	Mapping conversion.Mapping `json:"mapping"`
}

// ItemsRequest is the products step.
type ItemsRequest struct {
	Request
	Items []conversion.Pick `json:"items"`
}

// DraftRequest edits the draft.
type DraftRequest struct {
	Request
	Patch conversion.DraftPatch `json:"patch"`
}

// CloseRequest answers the close prompt.
type CloseRequest struct {
	Request
	Close bool `json:"close"`
}

// CancelRequest is the cancel signal's payload. The API has checked that
// Actor may cancel (the starter or an admin) before sending it.
type CancelRequest struct {
	Actor string `json:"actor"`
}
