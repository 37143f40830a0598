// dlib's shape predictor as flat arrays (for our memory-mappable copy), and the transforms its
// predictor applies, exactly as dlib computes them. Errors come back as NULL plus a message.
#ifndef FD_SHAPE_FOREST_H
#define FD_SHAPE_FOREST_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A predictor's sizes: every cascade has `trees` trees of `splits` splits (`splits + 1` leaves of
/// 2 × `parts` floats) and samples `features` pixels.
typedef struct fd_shape_forest_layout {
    int32_t parts, cascades, trees, splits, features;
} fd_shape_forest_layout;

typedef struct fd_shape_forest fd_shape_forest;

/// Reads a dlib shape-predictor file (serialisation version 1) whose cascades and trees all have
/// one shape. NULL with a message on failure.
fd_shape_forest *fd_shape_forest_read(const char *path, fd_shape_forest_layout *layout, char *error,
                                      size_t error_size);
void fd_shape_forest_destroy(fd_shape_forest *forest);

/// Copies the arrays out, cascade by cascade, tree by tree: initial shape (2 × parts), anchor part
/// per feature, delta x, y per feature, split feature pairs, split thresholds, leaves.
void fd_shape_forest_copy(const fd_shape_forest *forest, float *initial_shape, uint32_t *anchors, float *deltas,
                          uint32_t *split_features, float *thresholds, float *leaves);

/// dlib's similarity transform between two shapes of `values` floats (x, y pairs), its 2 × 2 matrix
/// cast to float row by row, as the predictor uses it.
void fd_shape_similarity(const float *from, const float *to, int32_t values, float m[4]);

/// dlib's map from the unit square to the rectangle: m00, m01, m10, m11, b.x, b.y.
void fd_shape_unnormalizing(int64_t left, int64_t top, int64_t right, int64_t bottom, double m[6]);

#ifdef __cplusplus
}
#endif
#endif
