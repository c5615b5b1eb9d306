package crm

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
)

// validID reports whether id can be a row's id. Ids are UUIDs: anything else
// names no row, and is answered as not found rather than sent to PostgreSQL,
// which would reject it with a syntax error.
func validID(id string) bool {
	_, err := uuid.Parse(id)
	return err == nil
}

// NotFoundError is ErrNotFound naming what was not found: an object that
// does not exist in the caller's organization.
type NotFoundError struct {
	Object string // "order", "opportunity", "user", ...
	ID     string
}

func (e *NotFoundError) Error() string { return e.Object + " " + e.ID + ": " + ErrNotFound.Error() }

// Unwrap makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Unwrap() error { return ErrNotFound }

// notFound is the error for an object that does not exist in the caller's
// organization.
func notFound(object, id string) error {
	return &NotFoundError{Object: object, ID: id}
}

// noRows turns sql.ErrNoRows into notFound, and wraps any other error.
func noRows(err error, object, id string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(object, id)
	}
	return fmt.Errorf("read %s %s: %w", object, id, err)
}

// PostgreSQL's error codes of broken constraints.
const (
	foreignKeyViolation = "23503"
	uniqueViolation     = "23505"
)

// violates reports whether err is a unique violation of the named constraint.
func violates(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == uniqueViolation && pgErr.ConstraintName == constraint
}

// violatesForeignKey reports whether err is a reference to a missing row.
func violatesForeignKey(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == foreignKeyViolation
}
