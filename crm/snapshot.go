package crm

import (
	"context"
	"fmt"
	"sync"

	"github.com/crmconvert/crmconvert/conversion"
)

// ConversionSnapshot reads what userID's conversion of the opportunity
// starts from. The three reads are independent and sent at once, so the
// caller waits for one round trip to the database instead of three. An
// opportunity that is not there is ErrNotFound, whatever the other reads met.
func (s *Store) ConversionSnapshot(ctx context.Context, orgID, oppID, userID string) (*conversion.Snapshot, error) {
	var (
		snap                   conversion.Snapshot
		customErr, rememberErr error
		wg                     sync.WaitGroup
	)
	wg.Go(func() { snap.CustomFields, customErr = s.CustomFields(ctx, orgID) })
	wg.Go(func() { snap.Remembered, rememberErr = s.RememberedMapping(ctx, userID) })
	opp, err := s.OpportunitySnapshot(ctx, orgID, oppID)
	wg.Wait()
	switch {
	case err != nil:
		return nil, err
	case customErr != nil:
		return nil, fmt.Errorf("read custom fields: %w", customErr)
	case rememberErr != nil:
		return nil, fmt.Errorf("read remembered mapping: %w", rememberErr)
	}
	snap.Opportunity = opp
	return &snap, nil
}
