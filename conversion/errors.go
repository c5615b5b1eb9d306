package conversion

import (
	"fmt"
	"strings"
)

// Kind classifies why a step was refused; the API turns each into its HTTP status.
type Kind string

// The kinds of refusal.
const (
	KindInvalid   Kind = "Invalid"   // a rule of the step is broken (422)
	KindWrongStep Kind = "WrongStep" // the action does not fit the current step (409)
	KindConflict  Kind = "Conflict"  // another user's conversion, or nothing left to convert (409)
	KindForbidden Kind = "Forbidden" // the caller may not act on this conversion (403)
	KindStale     Kind = "Stale"     // If-Match names an older version (412)
	KindMalformed Kind = "Malformed" // the request cannot be read (400)
	KindNotFound  Kind = "NotFound"  // a referenced object does not exist (404)
)

// FieldError names one field of a request and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a refusal with its kind, a sentence for the user and, for
// KindInvalid, the fields at fault.
type Error struct {
	Kind   Kind         `json:"kind"`
	Detail string       `json:"detail"`
	Fields []FieldError `json:"fields,omitempty"`
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Detail
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return e.Detail + " (" + strings.Join(parts, "; ") + ")"
}

// Refuse makes an Error of the given kind.
func Refuse(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

// fieldErrors collects field errors and turns them into one Error.
type fieldErrors []FieldError

func (fe *fieldErrors) add(field, format string, args ...any) {
	*fe = append(*fe, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// err is nil when nothing was collected.
func (fe fieldErrors) err(detail string) error {
	if len(fe) == 0 {
		return nil
	}
	return &Error{Kind: KindInvalid, Detail: detail, Fields: fe}
}
