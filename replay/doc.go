// Package replay keeps recorded histories of the conversion workflow, one
// per path through it (straight through, back, cancel, expiry, the close
// prompt answered yes and no, continue-as-new, refused steps), and its test
// replays every one of them against the workflow code of today: a change
// that would break a conversion already under way fails it.
//
// The histories are recorded by `go run ./replay/record` (see HISTORIES.md),
// which drives each path against a real Temporal dev server and PostgreSQL.
package replay
