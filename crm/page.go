package crm

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// The sizes of a page of a list.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// ErrBadCursor is returned for a cursor that this service did not make for
// the list it is sent to.
var ErrBadCursor = errors.New("bad cursor")

// Page asks for one page of a list: up to Limit entries (DefaultPageSize
// when 0, at most MaxPageSize) after the cursor After, which is the Next of
// the previous page ("" for the first page).
//
// Lists are paged by key (keyset pagination), not by offset: a page starts
// right after the last entry of the previous one, so entries added or removed
// meanwhile neither repeat nor go missing, and a deep page costs what the
// first one does.
type Page struct {
	Limit int
	After string
}

func (p Page) size() int {
	if p.Limit <= 0 {
		return DefaultPageSize
	}
	return min(p.Limit, MaxPageSize)
}

// cursor is what a page's Next holds: the sort key of the page's last entry,
// and the list it belongs to, so that a cursor of one list (or one query) is
// refused by another.
type cursor struct {
	Scope string   `json:"s"`
	Key   []string `json:"k"`
}

// encodeCursor makes the opaque cursor of a list's position.
func encodeCursor(scope string, key ...string) string {
	raw, err := json.Marshal(cursor{Scope: scope, Key: key})
	if err != nil { // a struct of strings always marshals
		panic(fmt.Sprintf("encode cursor: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

// decodeCursor reads a cursor of the list scope with n key values; nil for
// no cursor, ErrBadCursor for one that is not of this list.
func decodeCursor(s, scope string, n int) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, ErrBadCursor
	}
	var c cursor
	if err := json.Unmarshal(raw, &c); err != nil || c.Scope != scope || len(c.Key) != n {
		return nil, ErrBadCursor
	}
	return c.Key, nil
}

// pageOf cuts rows, read with a limit of size+1, to the page's size, and
// says whether more follow.
func pageOf[T any](rows []T, size int) ([]T, bool) {
	if len(rows) > size {
		return rows[:size], true
	}
	return rows, false
}
