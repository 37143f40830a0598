// See include/fd_hdf5.h: what a Keras model file holds, read in a forked, bounded child.
#include "fd_hdf5.h"

#include "fd_hdf5_reading.h"
#include "fd_isolated.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// The largest dataset the child reads, values (1 GiB of floats): no Keras layer facedetail runs
/// comes near it, and a damaged shape must not become an allocation.
#define FD_H5_MOST_VALUES ((uint64_t)1 << 28)

typedef struct {
    const char *path;
    int64_t file;
    const char *root;
    fd_isolated_answer *answer;
    int out_of_memory;
} snapshot;

static int put(snapshot *s, const void *bytes, size_t count) {
    if (s->out_of_memory) return 0;
    if (!fd_isolated_append(s->answer, bytes, count)) s->out_of_memory = 1;
    return !s->out_of_memory;
}

static int put_u32(snapshot *s, uint32_t value) { return put(s, &value, 4); }

static int put_text(snapshot *s, const char *text) {
    size_t n = strlen(text);
    return put_u32(s, (uint32_t)n) && put(s, text, n);
}

/// An 'A' record (the attribute's elements joined by '\n'), or an 'a' record with the reason.
static void put_attribute(snapshot *s, const char *object, const char *name) {
    char error[512] = "";
    char *text = NULL;
    long count = fd_h5_attribute_text(s->file, object, name, &text, error, sizeof error);
    if (count == -2) return;  // absent
    int ok = put(s, count >= 0 ? "A" : "a", 1) && put_text(s, object) && put_text(s, name);
    if (ok && count >= 0) ok = put_u32(s, (uint32_t)count) && put_text(s, text ? text : "");
    if (ok && count < 0) put_text(s, error);
    free(text);
}

/// A 'D' record (shape, then the values as floats), or a 'd' record with the reason.
static void put_dataset(snapshot *s, const char *path) {
    char error[512] = "";
    int64_t dims[8];
    int rank = fd_h5_dataset_shape(s->file, path, dims, 8, error, sizeof error);
    uint64_t count = 1;
    for (int i = 0; i < rank && count <= FD_H5_MOST_VALUES; i++) {
        if (dims[i] < 0 || (dims[i] > 0 && count > FD_H5_MOST_VALUES / (uint64_t)dims[i])) count = FD_H5_MOST_VALUES + 1;
        else count *= (uint64_t)dims[i];
    }
    if (rank >= 0 && count > FD_H5_MOST_VALUES) {
        snprintf(error, sizeof error, "the dataset's shape holds more than %llu values",
                 (unsigned long long)FD_H5_MOST_VALUES);
        rank = -1;
    }
    float *values = NULL;
    if (rank >= 0) {
        values = malloc(count ? count * sizeof(float) : 1);
        if (!values) {
            s->out_of_memory = 1;
            return;
        }
        if (fd_h5_dataset_floats(s->file, path, values, (size_t)count, error, sizeof error) != 0) rank = -1;
    }
    if (rank < 0) {
        (void)(put(s, "d", 1) && put_text(s, path) && put_text(s, error));
    } else if (put(s, "D", 1) && put_text(s, path) && put_u32(s, (uint32_t)rank)) {
        int ok = 1;
        for (int i = 0; i < rank && ok; i++) {
            uint64_t d = (uint64_t)dims[i];
            ok = put(s, &d, 8);
        }
        if (ok) put(s, values, (size_t)count * sizeof(float));
    }
    free(values);
}

/// H5Lvisit's callback: each hard link under the weights root, once. Soft and external links are
/// not followed (an external link would open another file).
static herr_t visit(hid_t group, const char *name, const H5L_info_t *info, void *data) {
    (void)group;
    snapshot *s = data;
    if (info->type != H5L_TYPE_HARD) return 0;
    size_t n = strlen(s->root) + strlen(name) + 2;
    char *path = malloc(n);
    if (!path) {
        s->out_of_memory = 1;
        return -1;
    }
    snprintf(path, n, "%s/%s", strcmp(s->root, "/") == 0 ? "" : s->root, name);
    hid_t object = H5Oopen((hid_t)s->file, path, H5P_DEFAULT);
    H5I_type_t type = object < 0 ? H5I_BADID : H5Iget_type(object);
    if (object >= 0) H5Oclose(object);
    H5Eclear2(H5E_DEFAULT);
    if (type == H5I_GROUP) {
        if (put(s, "G", 1) && put_text(s, path)) put_attribute(s, path, "weight_names");
    } else if (type == H5I_DATASET) {
        put_dataset(s, path);
    }
    free(path);
    return s->out_of_memory ? -1 : 0;
}

static int read_snapshot(void *context, fd_isolated_answer *answer) {
    snapshot *s = context;
    s->answer = answer;
    char error[512] = "";
    fd_h5_silence();
    s->file = fd_h5_open_file(s->path, error, sizeof error);
    if (s->file < 0) return fd_isolated_fail(answer, error);
    put_attribute(s, "/", "model_config");
    put_attribute(s, "/", "keras_version");
    int nested = H5Lexists((hid_t)s->file, "/model_weights", H5P_DEFAULT) > 0;
    H5Eclear2(H5E_DEFAULT);
    s->root = nested ? "/model_weights" : "/";
    if (nested && put(s, "G", 1) && put_text(s, s->root)) put_attribute(s, s->root, "weight_names");
    herr_t walked = H5Lvisit_by_name((hid_t)s->file, s->root, H5_INDEX_NAME, H5_ITER_INC, visit, s, H5P_DEFAULT);
    if (s->out_of_memory) return fd_isolated_out_of_memory(answer);
    if (walked < 0) {
        fd_h5_fail(error, sizeof error, "cannot list the file's groups");
        return fd_isolated_fail(answer, error);
    }
    return 1;
}

int fd_h5_read_keras(const char *path, double cpu_seconds, unsigned long long memory_budget,
                     unsigned char **payload, size_t *size, char *error, size_t error_capacity) {
    *payload = NULL;
    *size = 0;
    // Loaded in the parent: dlopen in a child forked from a threaded process could find the
    // loader's lock held by a thread that no longer exists.
    if (!fd_h5_load(error, error_capacity)) return 2;
    snapshot s = {path, -1, "/", NULL, 0};
    fd_isolation how = {cpu_seconds, memory_budget, "libhdf5"};
    return fd_run_isolated(&how, read_snapshot, &s, payload, size, error, error_capacity);
}
