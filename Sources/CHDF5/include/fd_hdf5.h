// Thin C shim over libhdf5 for reading Keras model files. libhdf5 trusts its input: fuzzing found
// Debian's 1.10 overreading the heap on a damaged file (Fuzz/findings/), so every read happens in
// a forked child bounded in time and memory (CIsolation), and what the file holds comes back as
// one snapshot. libhdf5 is opened with dlopen on first use (fd_hdf5_dynamic.h).
#ifndef FD_HDF5_H
#define FD_HDF5_H

#include <stddef.h>
#include <stdint.h>

/// Reads a Keras model file in a forked child: the root's `model_config` and `keras_version`
/// attributes, and every group and dataset under the weights root (`/model_weights` when there is
/// one, else `/`) reached through hard links (soft and external links are not followed), with
/// each group's `weight_names` attribute. Returns 0 with a malloc'd snapshot (free with
/// fd_h5_free), or fd_run_isolated's codes (1: the file is not readable HDF5; 2, 4, 5: no child,
/// out of CPU time, crash) with the reason in `error`.
///
/// The snapshot is a sequence of records in host byte order; a text is a u32 byte count and the
/// bytes, a path is a text starting with '/':
///   'A' object, name, u32 element count, text  a string attribute, elements joined by '\n'
///   'a' object, name, text                     an attribute that exists but did not read (why)
///   'G' path                                    a group
///   'D' path, u32 rank, rank × u64, floats      a dataset read as float32
///   'd' path, text                              a dataset that did not read (why)
int fd_h5_read_keras(const char *path, double cpu_seconds, unsigned long long memory_budget,
                     unsigned char **payload, size_t *size, char *error, size_t error_capacity);

void fd_h5_free(void *pointer);

/// libhdf5's version, e.g. "1.10.8".
const char *fd_h5_version(void);

#endif
