package crm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/crmconvert/crmconvert/conversion"
)

// mappingPreference is the last mapping a user accepted.
type mappingPreference struct {
	bun.BaseModel `bun:"table:mapping_preferences"`

	UserID    string             `bun:"user_id,pk"`
	Mapping   conversion.Mapping `bun:"mapping,type:jsonb"`
	UpdatedAt time.Time          `bun:"updated_at"`
}

// RememberedMapping is the mapping the user accepted last, nil if none.
func (s *Store) RememberedMapping(ctx context.Context, userID string) (conversion.Mapping, error) {
	if !validID(userID) {
		return nil, notFound("user", userID)
	}
	pref := new(mappingPreference)
	err := s.db.NewSelect().Model(pref).Where("user_id = ?", userID).Scan(ctx)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read remembered mapping of user %s: %w", userID, err)
	}
	return pref.Mapping, nil
}

// RememberMapping keeps m as the user's mapping, replacing the one before.
func (s *Store) RememberMapping(ctx context.Context, userID string, m conversion.Mapping) error {
	if !validID(userID) {
		return notFound("user", userID)
	}
	if m == nil {
		m = conversion.Mapping{}
	}
	pref := &mappingPreference{UserID: userID, Mapping: m, UpdatedAt: time.Now()}
	_, err := s.db.NewInsert().Model(pref).
		On("CONFLICT (user_id) DO UPDATE").
		Set("mapping = EXCLUDED.mapping").
		Set("updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if violatesForeignKey(err) {
		return notFound("user", userID)
	}
	if err != nil {
		return fmt.Errorf("remember mapping of user %s: %w", userID, err)
	}
	return nil
}
