// Package activities holds the conversion's side effects: reading the
// opportunity, remembering a user's field mapping, writing the order and
// closing the opportunity. Each may run more than once, so each is
// idempotent; errors that retrying cannot fix are marked non-retryable.
package activities
