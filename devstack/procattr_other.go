//go:build unix && !linux

package devstack

import "syscall"

// childAttr puts a child in its own process group. Only Linux can also kill it
// when the caller dies; elsewhere a killed caller leaves the child running.
func childAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Setpgid:    true,
		Credential: cred,
	}
}
