// How the dlib shims turn C++ exceptions into a status and a message (private to this target).
#ifndef FD_GUARD_HPP
#define FD_GUARD_HPP
#include <cstdio>
#include <exception>
#include <string>

namespace fd {

inline void put_error(char *error, size_t size, const std::string &message) {
    if (error == nullptr || size == 0) return;
    std::snprintf(error, size, "%s", message.c_str());
}

/// Runs `body`, turning any C++ exception into a message in `error` and the `failure` value.
template <typename Body, typename Result>
Result guarded(char *error, size_t error_size, Result failure, Body body) {
    try {
        return body();
    } catch (const std::exception &e) {
        put_error(error, error_size, e.what());
    } catch (...) {
        put_error(error, error_size, "unknown dlib error");
    }
    return failure;
}

}  // namespace fd
#endif
