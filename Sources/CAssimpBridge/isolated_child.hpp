// Runs Assimp work in a forked child (CIsolation's fd_run_isolated) with a CPU-time bound and a
// memory bound: Debian builds Assimp with its internal asserts on, and truncated files make it abort,
// loop forever or allocate without end; a child that dies or overruns is reported as an error
// instead. This header adapts C++ work (a std::function filling a byte vector, exceptions caught)
// to the C interface.
#pragma once
#include "fd_isolated.h"

#include <cstdlib>
#include <functional>
#include <new>
#include <string>
#include <vector>

namespace fdbridge {

/// The memory Assimp's child may take on top of the parent's address space, bytes: 8 GiB, or
/// FACEDETAIL_ASSIMP_MEMORY_MB. A header claiming 1.3 billion vertices (assimp-testmodels'
/// OutOfMemory.off) otherwise grows the child to 16 GB before it fails.
inline unsigned long long childMemoryBudget() {
    if (const char *mb = std::getenv("FACEDETAIL_ASSIMP_MEMORY_MB")) {
        char *end = nullptr;
        unsigned long long v = std::strtoull(mb, &end, 10);
        if (end != mb && *end == '\0' && v > 0) return v << 20;
    }
    return 8ull << 30;
}

/// Assimp's error string in words for users: it reports an allocation beyond the child's
/// limit as "std::bad_alloc".
inline std::string importFailure(const std::string &assimpError) {
    if (assimpError.empty()) return "Assimp could not read the file";
    if (assimpError.find("bad_alloc") == std::string::npos) return assimpError;
    return "Assimp needed more than the " + std::to_string(childMemoryBudget() >> 20) +
           " MB it may use (FACEDETAIL_ASSIMP_MEMORY_MB raises it; the file's counts are probably damaged)";
}

using IsolatedWork = std::function<bool(std::vector<unsigned char> &)>;

/// The child's side: runs the work, turning exceptions into messages.
inline int runWorkInChild(void *context, fd_isolated_answer *answer) {
    const auto &work = *static_cast<const IsolatedWork *>(context);
    std::vector<unsigned char> bytes;
    bool ok = false;
    try {
        ok = work(bytes);
    } catch (const std::bad_alloc &) {
        return fd_isolated_fail(answer, importFailure("std::bad_alloc").c_str());
    } catch (const std::exception &e) {
        return fd_isolated_fail(answer, e.what());
    } catch (...) {
        return fd_isolated_fail(answer, "Assimp threw an unknown exception");
    }
    if (!fd_isolated_append(answer, bytes.data(), bytes.size())) return fd_isolated_out_of_memory(answer);
    return ok ? 1 : 0;
}

/// Runs `work` in a child bounded by `cpu_seconds` and `childMemoryBudget()`. Returns 0 with
/// the malloc'd result in `data`/`size`, 1 with the child's error message, or 2, 4, 5 (no fork,
/// out of CPU time, crash) with a message in `error` (fd_run_isolated's codes).
inline int runIsolated(double cpu_seconds, const IsolatedWork &work, unsigned char **data, size_t *size,
                       char *error, size_t error_capacity) {
    fd_isolation how{cpu_seconds, childMemoryBudget(), "Assimp"};
    return fd_run_isolated(&how, runWorkInChild, const_cast<IsolatedWork *>(&work), data, size, error,
                           error_capacity);
}

} // namespace fdbridge
