// Package devstack starts the throwaway PostgreSQL and the Temporal dev server
// that `crmconvert dev` and the integration tests run against.
//
// Both servers run as child processes of the calling program, each in its own
// process group, listening on 127.0.0.1 only. On Linux the kernel kills them
// if the calling program dies, so a killed test run leaves no servers behind.
// Their output goes to a log file whose last lines are quoted in errors.
package devstack
