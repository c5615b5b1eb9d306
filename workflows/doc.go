// Package workflows holds the conversion workflow: one durable run per
// opportunity being converted, which waits for the user between steps,
// receives each step as a validated Update, and ends completed, cancelled or
// expired. Everything here is deterministic; side effects live in package
// activities.
package workflows
