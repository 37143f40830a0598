// Thin C shim over libhdf5 for reading Keras weights files: HDF5's type and property constants are
// macros Swift cannot import, and its error stack prints to stderr unless silenced. Every call
// returns a negative value on failure with libhdf5's innermost message in `error`.
#ifndef FD_HDF5_H
#define FD_HDF5_H

#include <stddef.h>
#include <stdint.h>

/// Opens an HDF5 file read-only; returns a file id (>= 0) or -1.
int64_t fd_h5_open(const char *path, char *error, size_t error_capacity);

void fd_h5_close(int64_t file);

/// Reads the string attribute `name` of the object at `object` ("/" for the root), fixed- or
/// variable-length, scalar or 1-D: the elements joined by '\n' into a malloc'd, NUL-terminated
/// buffer (free with fd_h5_free). Returns the element count (0 for an empty array), or -1.
long fd_h5_string_attribute(int64_t file, const char *object, const char *name, char **out,
                            char *error, size_t error_capacity);

/// Whether a link `path` exists (every group on the way must exist too): 1, 0, or -1.
int fd_h5_exists(int64_t file, const char *path, char *error, size_t error_capacity);

/// The rank of the dataset at `path` (up to `capacity` dimensions written to `dims`), or -1.
int fd_h5_dataset_shape(int64_t file, const char *path, int64_t *dims, int capacity, char *error,
                        size_t error_capacity);

/// Reads the dataset at `path` as native floats into `out`, which holds `count` values (the
/// dataset's element count). Returns 0 or -1.
int fd_h5_read_floats(int64_t file, const char *path, float *out, size_t count, char *error,
                      size_t error_capacity);

void fd_h5_free(void *pointer);

/// libhdf5's version, e.g. "1.10.8".
const char *fd_h5_version(void);

#endif
