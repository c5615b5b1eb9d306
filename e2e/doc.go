// Package e2e drives the built crmconvert binary the way its users do: the
// one-command dev stack stopped and started again mid-conversion, and the
// API and worker as separate processes with the worker replaced half-way.
// It has tests only.
package e2e
