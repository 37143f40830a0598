// Runs Assimp work in a forked child with a deadline: Debian builds Assimp with its internal
// asserts on, and truncated files make it abort or loop forever; a child that dies or overruns is
// reported as an error instead. The child answers through a pipe with a status byte (0 = success)
// and a payload (the result, or the error message).
#pragma once
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <cstdlib>
#include <fstream>
#include <poll.h>
#include <string>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace fdbridge {

inline bool writeAll(int fd, const void *data, size_t n) {
    const auto *p = static_cast<const unsigned char *>(data);
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) { if (errno == EINTR) continue; return false; }
        p += w; n -= size_t(w);
    }
    return true;
}

inline int failWith(char *error, size_t cap, const std::string &message, int code) {
    std::snprintf(error, cap, "%s", message.c_str());
    return code;
}

/// The memory Assimp's child may take on top of the parent's address space, bytes: 8 GiB, or
/// FACEDETAIL_ASSIMP_MEMORY_MB. A header claiming 1.3 billion vertices (assimp-testmodels'
/// OutOfMemory.off) otherwise grows the child to 16 GB before it fails.
inline rlim_t childMemoryBudget() {
    if (const char *mb = std::getenv("FACEDETAIL_ASSIMP_MEMORY_MB")) {
        char *end = nullptr;
        unsigned long long v = std::strtoull(mb, &end, 10);
        if (end != mb && *end == '\0' && v > 0) return rlim_t(v) << 20;
    }
    return rlim_t(8) << 30;
}

/// Assimp's error string in words for users: it reports an allocation beyond the child's
/// limit as "std::bad_alloc".
inline std::string importFailure(const std::string &assimpError) {
    if (assimpError.empty()) return "Assimp could not read the file";
    if (assimpError.find("bad_alloc") == std::string::npos) return assimpError;
    return "Assimp needed more than the " + std::to_string((unsigned long long)(childMemoryBudget() >> 20)) +
           " MB it may use (FACEDETAIL_ASSIMP_MEMORY_MB raises it; the file's counts are probably damaged)";
}

/// Ties the forked child to its parent and bounds it: SIGKILL when the parent dies (kill -9
/// included; the check after prctl covers a parent already gone), and an address-space limit of
/// the parent's size plus `childMemoryBudget()`, so allocations beyond it fail (std::bad_alloc)
/// instead of swapping the machine.
inline void confineChild(pid_t parent) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(3);
    unsigned long long pages = 0;
    std::ifstream statm("/proc/self/statm");
    statm >> pages;
    rlim_t limit = rlim_t(pages) * rlim_t(sysconf(_SC_PAGESIZE)) + childMemoryBudget();
    struct rlimit r{limit, limit};
    setrlimit(RLIMIT_AS, &r);
}

/// Forks, runs `work` in the child (it fills the payload and returns true on success) and collects
/// the answer. Returns 0 with `payload` set, 1 with the child's error message, or 2–5 (no pipe or
/// fork, timeout, crash, short answer) with a message in `error`.
inline int runIsolated(double timeout_seconds, const std::function<bool(std::vector<unsigned char> &)> &work,
                       std::vector<unsigned char> &payload, char *error, size_t error_capacity) {
    int fds[2];
    if (pipe(fds) != 0) return failWith(error, error_capacity, std::string("pipe: ") + std::strerror(errno), 2);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) { close(fds[0]); close(fds[1]); return failWith(error, error_capacity, "fork failed", 2); }
    if (pid == 0) {
        confineChild(parent);
        close(fds[0]);
        std::vector<unsigned char> answer;
        unsigned char status = 1;
        try {
            status = work(answer) ? 0 : 1;
        } catch (const std::bad_alloc &) {
            std::string m = importFailure("std::bad_alloc");
            answer.assign(m.begin(), m.end());
        } catch (const std::exception &e) {
            std::string m = e.what();
            answer.assign(m.begin(), m.end());
        } catch (...) {
            const char *m = "Assimp threw an unknown exception";
            answer.assign(m, m + std::strlen(m));
        }
        uint64_t n = answer.size();
        bool ok = writeAll(fds[1], &status, 1) && writeAll(fds[1], &n, 8) && writeAll(fds[1], answer.data(), answer.size());
        _exit(ok ? 0 : 3);
    }
    close(fds[1]);
    std::vector<unsigned char> received;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
    bool timedOut = false;
    unsigned char chunk[65536];
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) { timedOut = true; break; }
        pollfd p{fds[0], POLLIN, 0};
        int r = poll(&p, 1, int(left > 1000 ? 1000 : left));
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) continue;
        ssize_t got = read(fds[0], chunk, sizeof chunk);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        received.insert(received.end(), chunk, chunk + got);
    }
    close(fds[0]);
    if (timedOut) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (timedOut) {
        char msg[160];
        std::snprintf(msg, sizeof msg, "Assimp did not finish within %.0f s (the file is probably truncated or malformed)", timeout_seconds);
        return failWith(error, error_capacity, msg, 4);
    }
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        std::string why = sig == SIGABRT ? "an internal assertion failed" : strsignal(sig);
        return failWith(error, error_capacity, "Assimp crashed reading the file (" + why + ")", 5);
    }
    if (received.size() < 9) return failWith(error, error_capacity, "Assimp's reader process ended without an answer", 5);
    uint64_t n;
    std::memcpy(&n, received.data() + 1, 8);
    if (received.size() != 9 + n) return failWith(error, error_capacity, "Assimp's reader process sent a short answer", 5);
    if (received[0] != 0) return failWith(error, error_capacity, std::string(received.begin() + 9, received.end()), 1);
    payload.assign(received.begin() + 9, received.end());
    return 0;
}

/// Copies `payload` into a malloc'd `fd_buffer`-style pair; false without memory.
inline bool handOut(const std::vector<unsigned char> &payload, unsigned char **data, size_t *size) {
    *data = static_cast<unsigned char *>(std::malloc(payload.size() ? payload.size() : 1));
    if (*data == nullptr) return false;
    std::memcpy(*data, payload.data(), payload.size());
    *size = payload.size();
    return true;
}

} // namespace fdbridge
