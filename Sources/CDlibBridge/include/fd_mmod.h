// Thin extern "C" API over dlib's MMOD CNN face detector (mmod_human_face_detector.dat): the
// network is deserialized by dlib itself, its layers handed out as plain arrays for the Swift
// engine, and dlib's own forward pass kept as the reference the engine is tested against.
#ifndef FD_MMOD_H
#define FD_MMOD_H
#include <stddef.h>
#include <stdint.h>

#include "fd_dlib.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fd_mmod_net fd_mmod_net;

/// The kinds of computational layer the face network is made of.
enum { FD_MMOD_CONVOLUTION = 0, FD_MMOD_AFFINE = 1, FD_MMOD_RELU = 2 };

/// One computational layer, counted from the input side. Pointers stay valid while the net lives.
typedef struct fd_mmod_layer {
    int32_t kind;
    /// Convolution: filters and input channels; affine and ReLU: 0.
    int32_t outputs, inputs;
    int32_t kernel_rows, kernel_cols, stride_y, stride_x, padding_y, padding_x;
    /// Convolution: weights [outputs][inputs][rows][cols] and bias [outputs] (NULL when disabled);
    /// affine: gamma and beta, one per channel (`values` of each).
    const float *weights;
    const float *bias;
    int32_t values;
} fd_mmod_layer;

/// One sliding window of the loss layer, in pixels of the input tensor.
typedef struct fd_mmod_window {
    int32_t width, height;
} fd_mmod_window;

/// Everything but the layers: the input layer's pyramid and the loss layer's decoding.
typedef struct fd_mmod_settings {
    /// Mean red, green and blue (0–255 scale) subtracted before dividing by 256.
    double average_red, average_green, average_blue;
    /// Rows/columns of zeros between pyramid levels and around the tiled canvas.
    int32_t pyramid_padding, pyramid_outer_padding;
    /// N of dlib's pyramid_down<N>: each level is (N − 1)/N the size of the one before.
    int32_t pyramid_down;
    int32_t window_count;
    fd_mmod_window windows[8];
    /// Non-max suppression: a box is dropped when its intersection over the two boxes' bounding
    /// rectangle exceeds `nms_iou`, or covers more than `nms_covered` of either box.
    double nms_iou, nms_covered;
    int32_t bounding_box_regression;
    int32_t layer_count;
} fd_mmod_settings;

/// Loads the network file; NULL with a message (dlib's serialization error) on failure.
fd_mmod_net *fd_mmod_load(const char *path, fd_mmod_settings *settings, char *error, size_t error_size);
void fd_mmod_destroy(fd_mmod_net *net);

/// Layer `index` (0 = nearest the input). Returns 0, or -1 when out of range.
int32_t fd_mmod_layer_at(const fd_mmod_net *net, int32_t index, fd_mmod_layer *out);

/// dlib's own forward pass and decoding, `net(img, threshold)`, on an 8-bit RGB image (`stride`
/// bytes per row). Boxes in image pixels, edges inclusive. Returns the number of detections
/// (only `capacity` written), or -1 with a message. The reference the Swift engine is held to.
int32_t fd_mmod_detect(fd_mmod_net *net, const uint8_t *rgb, int32_t width, int32_t height, int32_t stride,
                       double threshold, fd_detection *out, int32_t capacity, char *error, size_t error_size);

/// dlib's score map for the same image: writes rows × cols floats into `scores` when `capacity`
/// allows, and the map's size into `rows` and `cols`. Returns 0, or -1 with a message.
int32_t fd_mmod_scores(fd_mmod_net *net, const uint8_t *rgb, int32_t width, int32_t height, int32_t stride,
                       float *scores, int64_t capacity, int32_t *rows, int32_t *cols, char *error,
                       size_t error_size);

#ifdef __cplusplus
}
#endif
#endif
