// Package conversion holds the rules of converting an opportunity into an
// order: the fields that can be mapped and their compatibility, the mapping
// proposal and preview, remaining quantities, line totals, and the state of a
// conversion with its steps.
//
// Everything here is a plain, deterministic function of its inputs, so the
// workflow (in its validators and handlers), the HTTP API and the tests all
// share one implementation of each rule.
package conversion
