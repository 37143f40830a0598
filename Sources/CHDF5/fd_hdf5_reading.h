// libhdf5 readers shared by fd_hdf5.c and fd_hdf5_snapshot.c (private to this target). Each
// returns a negative value on failure with libhdf5's innermost message in `error`. Called only in
// fd_h5_read_keras's forked child, after fd_h5_load in the parent and fd_h5_silence in the child.
#ifndef FD_HDF5_READING_H
#define FD_HDF5_READING_H

#include "fd_hdf5_dynamic.h"

#include <stddef.h>
#include <stdint.h>

/// Loads libhdf5 (once, under a lock): 1, or 0 with the reason in `error`.
int fd_h5_load(char *error, size_t error_capacity);

/// Switches off libhdf5's printing of its error stack to stderr.
void fd_h5_silence(void);

/// `what`, followed by libhdf5's innermost reason when it recorded one; clears its error stack.
void fd_h5_fail(char *error, size_t capacity, const char *what);

/// Opens an HDF5 file read-only: a file id (>= 0), or -1.
int64_t fd_h5_open_file(const char *path, char *error, size_t error_capacity);

/// The string attribute `name` of `object`, fixed- or variable-length, scalar or 1-D: the
/// elements joined by '\n' into a malloc'd, NUL-terminated buffer. Returns the element count,
/// -2 when there is no such attribute, or -1.
long fd_h5_attribute_text(int64_t file, const char *object, const char *name, char **out, char *error,
                          size_t error_capacity);

/// The rank of the dataset at `path` (up to `capacity` dimensions written to `dims`), or -1.
int fd_h5_dataset_shape(int64_t file, const char *path, int64_t *dims, int capacity, char *error,
                        size_t error_capacity);

/// Reads the dataset at `path` as native floats into `out`, which holds `count` values (the
/// dataset's element count). Returns 0 or -1.
int fd_h5_dataset_floats(int64_t file, const char *path, float *out, size_t count, char *error,
                         size_t error_capacity);

#endif
