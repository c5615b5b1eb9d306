package devstack

import "syscall"

// childAttr puts a child in its own process group, so that a signal meant for
// the caller's group (Ctrl-C in a terminal) leaves it to Stop, and has the
// kernel kill it if the thread that started it dies. cred, when not nil, is the
// user the child runs as.
func childAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Setpgid:    true,
		Pdeathsig:  syscall.SIGKILL,
		Credential: cred,
	}
}
