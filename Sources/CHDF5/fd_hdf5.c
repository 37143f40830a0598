// The readers fd_hdf5_snapshot.c's child uses (fd_hdf5_reading.h), and loading libhdf5. Errors:
// libhdf5's automatic printing is switched off, and the deepest entry of its error stack (the
// library's most specific reason) becomes the message. Only the forked child calls into libhdf5,
// single-threaded; the parent only loads it, under a lock.
#include "fd_hdf5.h"

#include "fd_hdf5_reading.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t library = PTHREAD_MUTEX_INITIALIZER;

struct fd_h5_library fd_h5;
/// Why the library could not be opened ("" once it is).
static char load_failure[512] = "not loaded yet";

/// Opens libhdf5 and fills `fd_h5` (under the lock, once).
static void load_locked(void) {
    static int tried = 0;
    if (tried) return;
    tried = 1;
    void *handle = dlopen("libhdf5_serial.so.103", RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(load_failure, sizeof load_failure, "cannot load libhdf5 (Debian's libhdf5-103-1): %s", dlerror());
        return;
    }
#define FD_H5_LOOKUP(name)                                                                                \
    if (!(fd_h5.p_##name = (__typeof__(fd_h5.p_##name))dlsym(handle, #name))) {                                      \
        snprintf(load_failure, sizeof load_failure, "libhdf5 has no %s", #name);                           \
        return;                                                                                           \
    }
    FD_H5_FUNCTIONS(FD_H5_LOOKUP)
#undef FD_H5_LOOKUP
    if (fd_h5.p_H5open() < 0 || !(fd_h5.native_float = (hid_t *)dlsym(handle, "H5T_NATIVE_FLOAT_g")) ||
        !(fd_h5.c_s1 = (hid_t *)dlsym(handle, "H5T_C_S1_g"))) {
        snprintf(load_failure, sizeof load_failure, "libhdf5 did not start");
        return;
    }
    load_failure[0] = 0;
}

int fd_h5_load(char *error, size_t error_capacity) {
    pthread_mutex_lock(&library);
    load_locked();
    int loaded = load_failure[0] == 0;
    if (!loaded) snprintf(error, error_capacity, "%s", load_failure);
    pthread_mutex_unlock(&library);
    return loaded;
}

void fd_h5_silence(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

typedef struct {
    char *text;
    size_t capacity;
} message_sink;

static herr_t innermost(unsigned n, const H5E_error2_t *entry, void *data) {
    (void)n;
    message_sink *sink = (message_sink *)data;
    if (entry->desc && entry->desc[0]) snprintf(sink->text, sink->capacity, "%s", entry->desc);
    return 0;
}

void fd_h5_fail(char *error, size_t capacity, const char *what) {
    if (!error || capacity == 0) return;
    char reason[256] = "";
    message_sink sink = {reason, sizeof reason};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, innermost, &sink);
    H5Eclear2(H5E_DEFAULT);
    if (reason[0])
        snprintf(error, capacity, "%s: %s", what, reason);
    else
        snprintf(error, capacity, "%s", what);
}

int64_t fd_h5_open_file(const char *path, char *error, size_t error_capacity) {
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) fd_h5_fail(error, error_capacity, "not a readable HDF5 file");
    return file < 0 ? -1 : (int64_t)file;
}

long fd_h5_attribute_text(int64_t file, const char *object, const char *name, char **out,
                            char *error, size_t error_capacity) {
    *out = NULL;
    long result = -1;
    hid_t attribute = -1, type = -1, space = -1, memtype = -1;
    char **variable = NULL;
    char *fixed = NULL;
    if (H5Aexists_by_name((hid_t)file, object, name, H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return -2;
    }
    attribute = H5Aopen_by_name((hid_t)file, object, name, H5P_DEFAULT, H5P_DEFAULT);
    if (attribute < 0) goto failed;
    type = H5Aget_type(attribute);
    if (type < 0) goto failed;
    if (H5Tget_class(type) != H5T_STRING) {
        snprintf(error, error_capacity, "attribute '%s' on '%s' is not a string", name, object);
        goto done;
    }
    space = H5Aget_space(attribute);
    if (space < 0) goto failed;
    hssize_t count = H5Sget_simple_extent_npoints(space);
    if (count < 0 || H5Sget_simple_extent_ndims(space) > 1) {
        snprintf(error, error_capacity, "attribute '%s' on '%s' is not a string or a list of strings", name, object);
        goto done;
    }
    size_t total = 1;
    char **pieces = NULL;
    size_t *lengths = NULL;
    if (H5Tis_variable_str(type) > 0) {
        variable = calloc((size_t)count + 1, sizeof(char *));
        memtype = H5Tcopy(H5T_C_S1);
        H5Tset_size(memtype, H5T_VARIABLE);
        if (!variable || H5Aread(attribute, memtype, variable) < 0) goto failed;
        pieces = variable;
    } else {
        size_t size = H5Tget_size(type);
        if (size == 0 || (size_t)count > (SIZE_MAX - 1) / size) {
            snprintf(error, error_capacity, "attribute '%s' on '%s' has an impossible size", name, object);
            goto done;
        }
        fixed = calloc((size_t)count * size + 1, 1);
        memtype = H5Tcopy(H5T_C_S1);
        H5Tset_size(memtype, size);
        H5Tset_strpad(memtype, H5T_STR_NULLPAD);
        if (!fixed || H5Aread(attribute, memtype, fixed) < 0) goto failed;
        pieces = calloc((size_t)count + 1, sizeof(char *));
        lengths = calloc((size_t)count + 1, sizeof(size_t));
        for (hssize_t i = 0; i < count; i++) {
            pieces[i] = fixed + i * size;
            size_t n = 0;
            while (n < size && pieces[i][n]) n++;
            lengths[i] = n;
        }
    }
    for (hssize_t i = 0; i < count; i++) total += (lengths ? lengths[i] : (pieces[i] ? strlen(pieces[i]) : 0)) + 1;
    char *joined = malloc(total);
    size_t at = 0;
    for (hssize_t i = 0; i < count; i++) {
        size_t n = lengths ? lengths[i] : (pieces[i] ? strlen(pieces[i]) : 0);
        if (n) memcpy(joined + at, pieces[i], n);
        at += n;
        if (i + 1 < count) joined[at++] = '\n';
    }
    joined[at] = 0;
    *out = joined;
    result = (long)count;
    if (variable) H5Dvlen_reclaim(memtype, space, H5P_DEFAULT, variable);
    if (!variable) free(pieces);
    free(lengths);
    goto done;
failed:
    fd_h5_fail(error, error_capacity, "cannot read the attribute");
done:
    free(variable);
    free(fixed);
    if (memtype >= 0) H5Tclose(memtype);
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    if (attribute >= 0) H5Aclose(attribute);
    return result;
}

int fd_h5_dataset_shape(int64_t file, const char *path, int64_t *dims, int capacity, char *error,
                        size_t error_capacity) {
    hid_t dataset = H5Dopen2((hid_t)file, path, H5P_DEFAULT);
    if (dataset < 0) {
        fd_h5_fail(error, error_capacity, "cannot open the dataset");
        return -1;
    }
    hid_t space = H5Dget_space(dataset);
    int rank = space < 0 ? -1 : H5Sget_simple_extent_ndims(space);
    if (rank < 0 || rank > capacity) {
        if (rank > capacity) snprintf(error, error_capacity, "rank %d is more than %d", rank, capacity);
        else fd_h5_fail(error, error_capacity, "cannot read the dataset's shape");
        rank = -1;
    } else {
        hsize_t extent[32];
        H5Sget_simple_extent_dims(space, extent, NULL);
        for (int i = 0; i < rank; i++) dims[i] = (int64_t)extent[i];
    }
    if (space >= 0) H5Sclose(space);
    H5Dclose(dataset);
    return rank;
}

int fd_h5_dataset_floats(int64_t file, const char *path, float *out, size_t count, char *error,
                      size_t error_capacity) {
    hid_t dataset = H5Dopen2((hid_t)file, path, H5P_DEFAULT);
    if (dataset < 0) {
        fd_h5_fail(error, error_capacity, "cannot open the dataset");
        return -1;
    }
    int result = -1;
    hid_t space = H5Dget_space(dataset);
    hid_t type = H5Dget_type(dataset);
    if (space < 0 || type < 0) {
        fd_h5_fail(error, error_capacity, "cannot read the dataset's type");
    } else if (H5Tget_class(type) != H5T_FLOAT && H5Tget_class(type) != H5T_INTEGER) {
        snprintf(error, error_capacity, "the dataset is not numeric");
    } else if ((size_t)H5Sget_simple_extent_npoints(space) != count) {
        snprintf(error, error_capacity, "the dataset holds %lld values, expected %zu",
                 (long long)H5Sget_simple_extent_npoints(space), count);
    } else if (H5Dread(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0) {
        fd_h5_fail(error, error_capacity, "cannot read the dataset");
    } else {
        result = 0;
    }
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    H5Dclose(dataset);
    return result;
}

void fd_h5_free(void *pointer) { free(pointer); }

const char *fd_h5_version(void) { return H5_VERS_INFO; }
