package crm

import (
	"context"
	"fmt"
	"strconv"
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
WHERE ch.organization_id = ? AND ch.object_type = ? AND ch.object_id = ?`

// newestFirst orders the change log, newest first; entries of one
// transaction share its time and come in the reverse of their writing.
const newestFirst = `
ORDER BY ch.at DESC, ch.id DESC`

// ChangeLog lists the change log of one order or opportunity of the
// organization (objectType ObjectOrder or ObjectOpportunity), newest first.
// An object without entries, or of another organization, has an empty log.
func (s *Store) ChangeLog(ctx context.Context, orgID, objectType, objectID string) ([]ChangeEntry, error) {
	entries := []ChangeEntry{}
	if !validID(orgID) || !validID(objectID) {
		return entries, nil
	}
	if err := s.db.NewRaw(selectChanges+newestFirst, orgID, objectType, objectID).Scan(ctx, &entries); err != nil {
		return nil, fmt.Errorf("read the change log of %s %s: %w", objectType, objectID, err)
	}
	return entries, nil
}

// ChangePage is one page of a change log.
type ChangePage struct {
	Entries []ChangeEntry
	// Next is the cursor of the next page, "" on the last one.
	Next string
}

// ChangeLogPage lists one page of the change log of an order or opportunity
// of the organization (objectType ObjectOrder or ObjectOpportunity), newest
// first. An object of another organization, or none, is ErrNotFound; a
// cursor of another log is ErrBadCursor.
func (s *Store) ChangeLogPage(ctx context.Context, orgID, objectType, objectID string, page Page) (ChangePage, error) {
	scope := "changes/" + objectType + "/" + objectID
	key, err := decodeCursor(page.After, scope, 2)
	if err != nil {
		return ChangePage{}, err
	}
	if err := s.exists(ctx, objectType, orgID, objectID); err != nil {
		return ChangePage{}, err
	}
	q := selectChanges
	args := []any{orgID, objectType, objectID}
	if key != nil {
		at, err := time.Parse(time.RFC3339Nano, key[0])
		id, idErr := strconv.ParseInt(key[1], 10, 64)
		if err != nil || idErr != nil {
			return ChangePage{}, ErrBadCursor
		}
		q += " AND (ch.at, ch.id) < (?, ?)"
		args = append(args, at, id)
	}
	size := page.size()
	q += newestFirst + " LIMIT " + strconv.Itoa(size+1)
	res := ChangePage{Entries: []ChangeEntry{}}
	if err := s.db.NewRaw(q, args...).Scan(ctx, &res.Entries); err != nil {
		return ChangePage{}, fmt.Errorf("read the change log of %s %s: %w", objectType, objectID, err)
	}
	entries, more := pageOf(res.Entries, size)
	res.Entries = entries
	if more {
		last := entries[len(entries)-1]
		res.Next = encodeCursor(scope, last.At.Format(time.RFC3339Nano), strconv.FormatInt(last.ID, 10))
	}
	return res, nil
}
