package crm

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/crmconvert/crmconvert/conversion"
)

// CloseOpportunity closes an opportunity as won (SPEC 3 and 4.1 step 6), in
// one transaction with its row locked, and records it in the change log.
//
// Only its owner or an admin may: anyone else gets a *conversion.Error of
// KindForbidden. An opportunity that is no longer open stays as it is and the
// result says why; one this user already closed as won counts as closed, so
// that a retried close answers as the first one did. An opportunity or user
// of another organization is ErrNotFound.
func (s *Store) CloseOpportunity(ctx context.Context, c CloseOpportunity) (CloseResult, error) {
	var res CloseResult
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		res, err = closeOpportunity(ctx, tx, c)
		return err
	})
	if err != nil {
		return CloseResult{}, fmt.Errorf("close opportunity %s: %w", c.OpportunityID, err)
	}
	return res, nil
}

func closeOpportunity(ctx context.Context, tx bun.Tx, c CloseOpportunity) (CloseResult, error) {
	opp, err := lockOpportunity(ctx, tx, c.OrganizationID, c.OpportunityID)
	if err != nil {
		return CloseResult{}, err
	}
	user, err := userInOrganization(ctx, tx, c.OrganizationID, c.UserID)
	if err != nil {
		return CloseResult{}, err
	}
	if !mayCloseAs(user, opp.OwnerID) {
		return CloseResult{}, conversion.Refuse(conversion.KindForbidden,
			"only the owner of opportunity %s or an admin may close it", opp.Number)
	}
	switch {
	case opp.Status == StatusWon && opp.ClosedBy == user.ID:
		return CloseResult{Closed: true}, nil
	case opp.Status != StatusOpen:
		return CloseResult{Closed: false, Note: "the opportunity is already " + opp.Status}, nil
	}

	_, err = tx.NewUpdate().
		Table("opportunities").
		Set("status = ?", StatusWon).
		Set("closed_at = now()").
		Set("closed_by = ?", user.ID).
		Set("updated_at = now()").
		Where("id = ?", opp.ID).
		Exec(ctx)
	if err != nil {
		return CloseResult{}, fmt.Errorf("mark opportunity %s won: %w", opp.Number, err)
	}
	reason := c.Reason
	if reason == "" {
		reason = "opportunity closed as won"
	}
	err = appendChanges(ctx, tx, &changeRow{
		OrganizationID: c.OrganizationID, ObjectType: ObjectOpportunity, ObjectID: opp.ID, UserID: user.ID,
		Reason:  reason,
		Changes: Changes{"status": {Before: StatusOpen, After: StatusWon}},
	})
	if err != nil {
		return CloseResult{}, err
	}
	return CloseResult{Closed: true}, nil
}

// mayCloseAs is the rule of SPEC 3 on who may close an opportunity: its
// owner, or an admin. Closing also needs the opportunity to be open.
func mayCloseAs(u *User, ownerID string) bool {
	return u.ID == ownerID || u.IsAdmin()
}
