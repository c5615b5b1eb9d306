package crm

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// The kinds of object the change log records changes of.
const (
	ObjectOrder       = "order"
	ObjectOpportunity = "opportunity"
)

// Change is one field's value before and after a change; nil where the field
// had no value.
type Change struct {
	Before any `json:"before"`
	After  any `json:"after"`
}

// Changes are the changed fields of one object, by field name.
type Changes map[string]Change

// ChangeEntry is one entry of the change log: who changed what, when and why.
type ChangeEntry struct {
	ID         int64     `bun:"id" json:"id"`
	ObjectType string    `bun:"object_type" json:"object_type"`
	ObjectID   string    `bun:"object_id" json:"object_id"`
	UserID     string    `bun:"user_id" json:"user_id"`
	UserName   string    `bun:"user_name" json:"user_name"`
	At         time.Time `bun:"at" json:"at"`
	Reason     string    `bun:"reason" json:"reason"`
	Changes    Changes   `bun:"changes,json_use_number" json:"changes"`
}

// changeRow is a new entry of the change log; the database sets its id and
// time (the transaction's).
type changeRow struct {
	bun.BaseModel `bun:"table:changes"`

	OrganizationID string  `bun:"organization_id"`
	ObjectType     string  `bun:"object_type"`
	ObjectID       string  `bun:"object_id"`
	UserID         string  `bun:"user_id"`
	Reason         string  `bun:"reason"`
	Changes        Changes `bun:"changes,type:jsonb"`
}

// appendChanges adds entries to the change log.
func appendChanges(ctx context.Context, db bun.IDB, entries ...*changeRow) error {
	if _, err := db.NewInsert().Model(&entries).Exec(ctx); err != nil {
		return fmt.Errorf("append to the change log: %w", err)
	}
	return nil
}

const selectChanges = `
SELECT ch.id, ch.object_type, ch.object_id, ch.user_id, u.name AS user_name, ch.at,
       ch.reason, ch.changes
FROM changes ch
JOIN users u ON u.id = ch.user_id
WHERE ch.organization_id = ? AND ch.object_type = ? AND ch.object_id = ?
ORDER BY ch.at DESC, ch.id DESC`

// ChangeLog lists the change log of one order or opportunity of the
// organization (objectType ObjectOrder or ObjectOpportunity), newest first.
// An object without entries, or of another organization, has an empty log.
func (s *Store) ChangeLog(ctx context.Context, orgID, objectType, objectID string) ([]ChangeEntry, error) {
	entries := []ChangeEntry{}
	if !validID(orgID) || !validID(objectID) {
		return entries, nil
	}
	if err := s.db.NewRaw(selectChanges, orgID, objectType, objectID).Scan(ctx, &entries); err != nil {
		return nil, fmt.Errorf("read the change log of %s %s: %w", objectType, objectID, err)
	}
	return entries, nil
}
