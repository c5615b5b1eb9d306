package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
)

// Store is what the activities need of the CRM's database.
type Store interface {
	ConversionSnapshot(ctx context.Context, orgID, oppID, userID string) (*conversion.Snapshot, error)
	RememberMapping(ctx context.Context, userID string, m conversion.Mapping) error
	CreateOrder(ctx context.Context, o crm.NewOrder) (crm.SavedOrder, error)
	CloseOpportunity(ctx context.Context, c crm.CloseOpportunity) (crm.CloseResult, error)
}

// Activities are registered on the worker as one struct, so that each
// activity's name is its method's name.
type Activities struct {
	Store Store
}

// SnapshotInput names the opportunity to read, and the user whose remembered
// mapping to propose.
type SnapshotInput struct {
	OrganizationID string `json:"organization_id"`
	OpportunityID  string `json:"opportunity_id"`
	UserID         string `json:"user_id"`
}

// LoadSnapshot reads what a conversion starts from (crm.ConversionSnapshot).
// Conversions started since version 2 of lean-history are given it by the
// API instead; runs started before read it here.
func (a *Activities) LoadSnapshot(ctx context.Context, in SnapshotInput) (conversion.Snapshot, error) {
	snap, err := a.Store.ConversionSnapshot(ctx, in.OrganizationID, in.OpportunityID, in.UserID)
	if err != nil { // an opportunity that is gone is a refusal, not a retry
		return conversion.Snapshot{}, classify(fmt.Errorf("read the snapshot of opportunity %s: %w", in.OpportunityID, err))
	}
	return *snap, nil
}

// RememberInput is a user's accepted mapping.
type RememberInput struct {
	UserID  string             `json:"user_id"`
	Mapping conversion.Mapping `json:"mapping"`
}

// RememberMapping keeps the user's mapping for their next conversion.
func (a *Activities) RememberMapping(ctx context.Context, in RememberInput) error {
	if err := a.Store.RememberMapping(ctx, in.UserID, in.Mapping); err != nil {
		return fmt.Errorf("remember mapping of user %s: %w", in.UserID, err)
	}
	return nil
}

// SaveOrder writes the order, its items and its change-log entries in one
// transaction keyed by the conversion key: a retry returns the order the
// first attempt wrote.
func (a *Activities) SaveOrder(ctx context.Context, o crm.NewOrder) (crm.SavedOrder, error) {
	saved, err := a.Store.CreateOrder(ctx, o)
	if err != nil {
		return crm.SavedOrder{}, classify(fmt.Errorf("save order of conversion %s: %w", o.ConversionKey, err))
	}
	return saved, nil
}

// CloseOpportunity closes the opportunity as won, if it is still open and the
// user may.
func (a *Activities) CloseOpportunity(ctx context.Context, c crm.CloseOpportunity) (crm.CloseResult, error) {
	res, err := a.Store.CloseOpportunity(ctx, c)
	if err != nil {
		return crm.CloseResult{}, classify(fmt.Errorf("close opportunity %s: %w", c.OpportunityID, err))
	}
	return res, nil
}

// classify marks the errors that no retry can fix as non-retryable, keeping
// a rule's refusal (its kind and fields) for the workflow to pass on to the
// user. Anything else, a lost connection say, is retried.
func classify(err error) error {
	var refusal *conversion.Error
	switch {
	case errors.As(err, &refusal):
		return temporal.NewNonRetryableApplicationError(refusal.Detail, string(refusal.Kind), err, *refusal)
	case errors.Is(err, crm.ErrNotFound):
		return temporal.NewNonRetryableApplicationError(err.Error(), string(conversion.KindNotFound), err,
			*conversion.Refuse(conversion.KindNotFound, "%s", err.Error()))
	default:
		return err
	}
}
