// Reads a dlib file once in a forked, bounded child before this process reads it (private to this
// target). dlib's deserializers trust the counts they read: fuzzing found a damaged detector file
// asking for 2^59 bytes, and a count of a few billion would be allocated and filled before
// anything failed. A file the child cannot read within its time and memory is refused with the
// child's reason; one it read is read here again, doing the same bounded work.
#ifndef FD_PROBE_HPP
#define FD_PROBE_HPP
#include "fd_isolated.h"

#include <dlib/serialize.h>

#include <cstdio>
#include <exception>
#include <new>

namespace fd {

/// CPU time and memory the probing child may take: the MMOD network (0.7 MB) reads in
/// milliseconds; `facedetail model face-finder`, which reads the 68-point predictor (99 MB) twice
/// and writes its own file, takes 2.3-3.6 CPU-seconds (6.6-6.9 under ASan; /usr/bin/time).
constexpr double probe_cpu_seconds = 10;
constexpr unsigned long long probe_memory = 2ull << 30;

/// Whether `path` deserializes as a `T` in a child; false with the reason in `error`.
template <typename T> bool read_in_child_first(const char *path, char *error, size_t error_size) {
    fd_isolated_work work = +[](void *context, fd_isolated_answer *answer) -> int {
        try {
            T object;
            dlib::deserialize(static_cast<const char *>(context)) >> object;
            return 1;
        } catch (const std::bad_alloc &) {
            char message[120];
            snprintf(message, sizeof message, "the file's counts ask for more memory than %llu MB (it is damaged)",
                     probe_memory >> 20);
            return fd_isolated_fail(answer, message);
        } catch (const std::exception &e) {
            return fd_isolated_fail(answer, e.what());
        } catch (...) {
            return fd_isolated_fail(answer, "unknown dlib error");
        }
    };
    fd_isolation how{probe_cpu_seconds, probe_memory, "dlib"};
    unsigned char *payload = nullptr;
    size_t size = 0;
    int code = fd_run_isolated(&how, work, const_cast<char *>(path), &payload, &size, error, error_size);
    fd_isolated_free(payload);
    return code == 0;
}

}  // namespace fd
#endif
