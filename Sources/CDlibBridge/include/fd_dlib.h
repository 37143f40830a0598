// Thin extern "C" API over dlib's frontal HOG face detector and 68-point shape predictor.
// Every C++ exception is caught here and turned into a status code plus a message.
#ifndef FD_DLIB_H
#define FD_DLIB_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One detection in the pixels of the image handed in (rectangle edges inclusive, as dlib has them).
typedef struct fd_detection {
    double left, top, right, bottom;
    /// SVM margin of the detection; above 0 is a face at dlib's default threshold.
    double confidence;
    /// Which of the detector's five HOG filters fired (0 frontal, 1–2 turned, 3–4 rolled).
    int32_t filter;
} fd_detection;

typedef struct fd_hog_detector fd_hog_detector;
typedef struct fd_shape_predictor fd_shape_predictor;

/// Writes dlib's version ("19.24") into `out`.
void fd_dlib_version(char *out, size_t size);

/// dlib's frontal face detector: built from the compressed copy compiled into dlib (path NULL;
/// about 0.23 s of decompression) or read from a file `fd_hog_detector_save` wrote (about 3 ms).
fd_hog_detector *fd_hog_detector_create(const char *path, char *error, size_t error_size);
/// Writes the detector in dlib's uncompressed serialisation. 0, or -1 with a message.
int32_t fd_hog_detector_save(const fd_hog_detector *detector, const char *path, char *error, size_t error_size);
void fd_hog_detector_destroy(fd_hog_detector *detector);

/// Detects faces in an 8-bit greyscale image (`stride` bytes per row) after upsampling it
/// `upsample` times by 2 (dlib's pyramid_up). Coordinates come back in the input's pixels.
/// Returns the number of detections (possibly more than `capacity`; only `capacity` are written),
/// or -1 with a message in `error`.
int32_t fd_hog_detect(fd_hog_detector *detector, const uint8_t *grey, int32_t width, int32_t height,
                      int32_t stride, int32_t upsample, double threshold, fd_detection *out, int32_t capacity,
                      char *error, size_t error_size);

/// Loads a shape predictor (e.g. shape_predictor_68_face_landmarks.dat). NULL with a message on failure.
fd_shape_predictor *fd_shape_predictor_load(const char *path, char *error, size_t error_size);
void fd_shape_predictor_destroy(fd_shape_predictor *predictor);
int32_t fd_shape_predictor_parts(const fd_shape_predictor *predictor);

/// Predicts the parts inside `box` (edges in pixels of the image handed in) and writes x, y pairs
/// (pixel centres at integer coordinates, dlib's convention) into `xy` (2 × parts doubles).
/// Returns 0, or -1 with a message in `error`.
int32_t fd_shape_predict(const fd_shape_predictor *predictor, const uint8_t *grey, int32_t width, int32_t height,
                         int32_t stride, double left, double top, double right, double bottom,
                         double *xy, int32_t capacity, char *error, size_t error_size);

#ifdef __cplusplus
}
#endif
#endif
