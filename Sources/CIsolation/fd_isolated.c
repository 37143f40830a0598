// See include/fd_isolated.h.
#define _GNU_SOURCE
#include "fd_isolated.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int fd_isolated_append(fd_isolated_answer *answer, const void *bytes, size_t count) {
    if (count > SIZE_MAX - answer->size) return 0;
    if (answer->size + count > answer->capacity) {
        size_t capacity = answer->capacity ? answer->capacity : 4096;
        while (capacity < answer->size + count) capacity = capacity > SIZE_MAX / 2 ? answer->size + count : capacity * 2;
        unsigned char *grown = realloc(answer->data, capacity);
        if (!grown) return 0;
        answer->data = grown;
        answer->capacity = capacity;
    }
    if (count) memcpy(answer->data + answer->size, bytes, count);
    answer->size += count;
    return 1;
}

int fd_isolated_fail(fd_isolated_answer *answer, const char *message) {
    answer->size = 0;
    fd_isolated_append(answer, message, strlen(message));
    return 0;
}

int fd_isolated_out_of_memory(fd_isolated_answer *answer) {
    free(answer->data);
    *answer = (fd_isolated_answer){NULL, 0, 0};
    return 0;
}

void fd_isolated_free(void *pointer) { free(pointer); }

static int write_all(int fd, const void *data, size_t n) {
    const unsigned char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return 0;
        }
        p += w;
        n -= (size_t)w;
    }
    return 1;
}

static int say(char *error, size_t capacity, int code, const char *format, ...) __attribute__((format(printf, 4, 5)));
static int say(char *error, size_t capacity, int code, const char *format, ...) {
    if (error && capacity) {
        va_list arguments;
        va_start(arguments, format);
        vsnprintf(error, capacity, format, arguments);
        va_end(arguments);
    }
    return code;
}

/// Whole CPU-seconds the child may use: `cpu_seconds` rounded up, at least 1.
static rlim_t cpu_limit(const fd_isolation *how) {
    double seconds = how->cpu_seconds < 1 ? 1 : how->cpu_seconds;
    return seconds > 1e9 ? (rlim_t)1e9 : (rlim_t)ceil(seconds);
}

/// Ties the child to its parent (SIGKILL when the parent dies, kill -9 included; the check after
/// prctl covers a parent already gone), bounds its CPU time (SIGXCPU at the limit, SIGKILL a
/// second later should a library catch that), writes no core file (a crashed reader's address
/// space can be gigabytes), and bounds its address space to the parent's plus the budget, so a
/// damaged count fails an allocation instead of swapping the machine.
static void confine(pid_t parent, const fd_isolation *how) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(3);
    // The forking thread may be a dispatch worker, which blocks asynchronous signals, or run
    // under a handler of the parent's (libFuzzer's): SIGXCPU must end the child at the limit.
    signal(SIGXCPU, SIG_DFL);
    sigset_t xcpu;
    sigemptyset(&xcpu);
    sigaddset(&xcpu, SIGXCPU);
    sigprocmask(SIG_UNBLOCK, &xcpu, NULL);
    struct rlimit cpu = {cpu_limit(how), cpu_limit(how) + 1};
    setrlimit(RLIMIT_CPU, &cpu);
    struct rlimit core = {0, 0};
    setrlimit(RLIMIT_CORE, &core);
    unsigned long long budget = how->memory_budget;
    if (budget == 0) return;
    unsigned long long pages = 0;
    FILE *statm = fopen("/proc/self/statm", "r");
    if (statm) {
        if (fscanf(statm, "%llu", &pages) != 1) pages = 0;
        fclose(statm);
    }
    rlim_t limit = (rlim_t)(pages * (unsigned long long)sysconf(_SC_PAGESIZE) + budget);
    struct rlimit bound = {limit, limit};
    setrlimit(RLIMIT_AS, &bound);
}

/// Closes every descriptor the child inherited but standard input, output, error and `keep` (its
/// answer pipe). Without this a child held whatever the parent had open, a file another thread
/// was writing included (a concurrent exec of that file then failed with ETXTBSY), for as long as
/// the library took. The work opens its files by path.
static void close_inherited(int keep) {
    unsigned above = keep < 3 ? 3 : (unsigned)keep + 1;
    int below_closed = keep <= 3 || close_range(3, (unsigned)keep - 1, 0) == 0;
    if (below_closed && close_range(above, ~0U, 0) == 0) return;
    long most = sysconf(_SC_OPEN_MAX);  // close_range needs Linux 5.9
    for (int fd = 3; fd < (most > 0 && most < 65536 ? most : 65536); fd++) {
        if (fd != keep) close(fd);
    }
}

static void run_child(const fd_isolation *how, fd_isolated_work work, void *context, int out) {
    fd_isolated_answer answer = {NULL, 0, 0};
    unsigned char status = work(context, &answer) ? 0 : 1;
    if (status == 1 && answer.size == 0) {
        char message[200];
        snprintf(message, sizeof message,
                 "%s needed more than the %llu MB it may use (the file's counts are probably damaged)", how->library,
                 how->memory_budget >> 20);
        fd_isolated_fail(&answer, message);
    }
    uint64_t n = answer.size;
    int ok = write_all(out, &status, 1) && write_all(out, &n, 8) && write_all(out, answer.data, answer.size);
    _exit(ok ? 0 : 3);
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int fd_run_isolated(const fd_isolation *how, fd_isolated_work work, void *context, unsigned char **payload,
                    size_t *size, char *error, size_t error_capacity) {
    *payload = NULL;
    *size = 0;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return say(error, error_capacity, 2, "pipe: %s", strerror(errno));
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return say(error, error_capacity, 2, "fork failed: %s", strerror(errno));
    }
    if (pid == 0) {
        confine(parent, how);
        close_inherited(fds[1]);
        run_child(how, work, context, fds[1]);
    }
    close(fds[1]);
    fd_isolated_answer received = {NULL, 0, 0};
    double wall_seconds = 4 * (double)cpu_limit(how) + 10;
    double deadline = now_seconds() + wall_seconds;
    int timed_out = 0, short_of_memory = 0;
    unsigned char chunk[65536];
    for (;;) {
        double left = deadline - now_seconds();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        struct pollfd p = {fds[0], POLLIN, 0};
        int r = poll(&p, 1, left > 1 ? 1000 : (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) continue;
        ssize_t got = read(fds[0], chunk, sizeof chunk);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        if (!fd_isolated_append(&received, chunk, (size_t)got)) {
            short_of_memory = 1;
            break;
        }
    }
    close(fds[0]);
    if (timed_out || short_of_memory) kill(pid, SIGKILL);
    int status = 0;
    struct rusage usage;
    memset(&usage, 0, sizeof usage);
    while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    double cpu_used = (double)usage.ru_utime.tv_sec + (double)usage.ru_stime.tv_sec +
                      ((double)usage.ru_utime.tv_usec + (double)usage.ru_stime.tv_usec) / 1e6;
    int code = 0;
    if (short_of_memory) {
        code = say(error, error_capacity, 2, "out of memory for %s's answer", how->library);
    } else if (timed_out) {
        code = say(error, error_capacity, 4,
                   "%s did not finish within %.0f s of wall time (the file is probably truncated or malformed)",
                   how->library, wall_seconds);
    } else if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGXCPU ||
                                       (WTERMSIG(status) == SIGKILL && cpu_used >= (double)cpu_limit(how)))) {
        // SIGKILL with the CPU time used up is the hard limit's; another (the OOM killer's under a
        // cgroup's memory limit) is reported as the crash it is, below.
        code = say(error, error_capacity, 4,
                   "%s did not finish within %llu s of CPU time (the file is probably truncated or malformed)",
                   how->library, (unsigned long long)cpu_limit(how));
    } else if (WIFSIGNALED(status)) {
        int signal = WTERMSIG(status);
        code = say(error, error_capacity, 5, "%s crashed reading the file (%s)", how->library,
                   signal == SIGABRT ? "an internal assertion failed" : strsignal(signal));
    } else if (received.size < 9) {
        code = say(error, error_capacity, 5, "%s's reader process ended without an answer", how->library);
    } else {
        uint64_t n;
        memcpy(&n, received.data + 1, 8);
        if (received.size - 9 != n) {
            code = say(error, error_capacity, 5, "%s's reader process sent a short answer", how->library);
        } else if (received.data[0] != 0) {
            code = say(error, error_capacity, 1, "%.*s", (int)(n > 4000 ? 4000 : n), (const char *)received.data + 9);
        } else {
            memmove(received.data, received.data + 9, n);
            *payload = received.data;
            *size = (size_t)n;
            return 0;
        }
    }
    free(received.data);
    return code;
}
