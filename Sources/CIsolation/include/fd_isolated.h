// Runs work on untrusted files in a forked child with a deadline and a memory bound, for the C
// libraries whose readers trust their input (Assimp, libhdf5): a child that crashes, aborts,
// overruns or overreads is reported as an error and the process that asked goes on. The child
// answers through a pipe with a status byte (0 = success) and a payload (the result, or the error
// message). Only C runs in the child: no Swift runtime after fork.
#ifndef FD_ISOLATED_H
#define FD_ISOLATED_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The child's answer as it is built: a malloc'd buffer that grows.
typedef struct fd_isolated_answer {
    unsigned char *data;
    size_t size;
    size_t capacity;
} fd_isolated_answer;

/// Appends `count` bytes; 0 when memory ran out (the child then reports that it did).
int fd_isolated_append(fd_isolated_answer *answer, const void *bytes, size_t count);

/// Replaces the answer with `message` and returns 0, the work's failure value:
/// `return fd_isolated_fail(answer, "…");`.
int fd_isolated_fail(fd_isolated_answer *answer, const char *message);

/// Empties the answer and returns 0: the work's failure value when an append failed, which the
/// parent reports as the child running out of its memory budget.
int fd_isolated_out_of_memory(fd_isolated_answer *answer);

/// The work run in the child: fills `answer` and returns 1 on success, 0 with a message (an
/// empty one meaning memory ran out).
typedef int (*fd_isolated_work)(void *context, fd_isolated_answer *answer);

/// How the child is bounded and how it is named in messages.
typedef struct fd_isolation {
    /// CPU time the child may use, seconds (RLIMIT_CPU, rounded up to whole seconds): a reader
    /// looping on a damaged file is stopped after the same work however loaded the machine is. A
    /// wall-clock deadline alone refused good files when a batch or a test run shared the cores.
    /// The child is also killed after 4 × this + 10 s of wall time, a backstop for a child that
    /// waits instead of computing (a child on a loaded machine gets a fraction of a core).
    double cpu_seconds;
    /// Address space the child may take beyond the parent's, bytes (0: unbounded).
    unsigned long long memory_budget;
    /// The library named in messages ("Assimp", "libhdf5").
    const char *library;
} fd_isolation;

/// Forks, runs `work(context, …)` in the child and collects its answer. The child is killed
/// when the parent dies (PR_SET_PDEATHSIG). Returns 0 with `*payload` (malloc'd, free with
/// fd_isolated_free) and `*size` set; 1 with the child's message in `error`; 2 (no pipe, fork
/// or memory), 4 (CPU time or the wall-clock backstop ran out) or 5 (the child crashed or ended
/// without an answer) with a message in `error`.
int fd_run_isolated(const fd_isolation *how, fd_isolated_work work, void *context, unsigned char **payload,
                    size_t *size, char *error, size_t error_capacity);

void fd_isolated_free(void *pointer);

#ifdef __cplusplus
}
#endif
#endif
