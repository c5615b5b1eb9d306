// Package api is the HTTP API v1 of the conversion service (SPEC 5), built
// on Gin: it authenticates the caller with a bearer JWT, reads the CRM
// through a small store interface, and drives each opportunity's conversion
// workflow with Temporal Updates, a cancel signal and a state query.
//
// Handlers are thin: they read the request, call the store or the workflow,
// and render the answer. The rules live in package conversion and in the
// workflow; a refusal comes back as a conversion.Error and is written as an
// RFC 9457 problem (application/problem+json), like every other error here.
package api
