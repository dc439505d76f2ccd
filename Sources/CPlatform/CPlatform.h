// The few Linux declarations the Glibc module does not export: signalfd(2), prctl(2) and pipe2(2). Header only
// (a system-library module): nothing is compiled or linked but glibc itself.
//
// prctl is variadic, and Swift imports no variadic C function: the static inline wrappers below give
// it fixed arguments. Platform's Processes.swift, Signals.swift and Pipes.swift are the only users.

#ifndef CPLATFORM_H
#define CPLATFORM_H

#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>

/// prctl(PR_SET_CHILD_SUBREAPER, on): orphaned descendants are re-parented to the caller.
static inline int cplatform_set_child_subreaper(int on) {
    return prctl(PR_SET_CHILD_SUBREAPER, (unsigned long)on, 0UL, 0UL, 0UL);
}

/// prctl(PR_GET_CHILD_SUBREAPER, &value).
static inline int cplatform_get_child_subreaper(int *value) {
    return prctl(PR_GET_CHILD_SUBREAPER, (unsigned long)value, 0UL, 0UL, 0UL);
}

/// pipe2(2), which <unistd.h> declares only under _GNU_SOURCE (glibc has it since 2.9).
int pipe2(int pipefd[2], int flags);

#endif
