// dlib behind a C API. Images are copied into dlib's array2d (a few ms even at 12 MP), which keeps
// the Swift side free of dlib's generic-image traits.
#include "fd_dlib.h"
#include "fd_guard.hpp"
#include "fd_probe.hpp"

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms.h>
#include <dlib/revision.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>

struct fd_hog_detector { dlib::frontal_face_detector detector; };
struct fd_shape_predictor { dlib::shape_predictor predictor; };

namespace {

using fd::guarded;
using fd::put_error;

void copy_grey(const uint8_t *grey, int32_t width, int32_t height, int32_t stride, dlib::array2d<unsigned char> &img) {
    img.set_size(height, width);
    for (int32_t y = 0; y < height; ++y) std::memcpy(&img[y][0], grey + size_t(y) * size_t(stride), size_t(width));
}

}  // namespace

extern "C" void fd_dlib_version(char *out, size_t size) {
    std::snprintf(out, size, "%d.%d", DLIB_MAJOR_VERSION, DLIB_MINOR_VERSION);
}

extern "C" fd_hog_detector *fd_hog_detector_create(const char *path, char *error, size_t error_size) {
    if (path != nullptr && !fd::read_in_child_first<dlib::frontal_face_detector>(path, error, error_size)) return nullptr;
    return guarded(error, error_size, static_cast<fd_hog_detector *>(nullptr), [&] {
        auto detector = std::make_unique<fd_hog_detector>();
        if (path == nullptr) {
            detector->detector = dlib::get_frontal_face_detector();
        } else {
            dlib::deserialize(path) >> detector->detector;
        }
        return detector.release();
    });
}

extern "C" int32_t fd_hog_detector_save(const fd_hog_detector *detector, const char *path, char *error,
                                        size_t error_size) {
    return guarded(error, error_size, int32_t(-1), [&] {
        dlib::serialize(path) << detector->detector;
        return int32_t(0);
    });
}

extern "C" void fd_hog_detector_destroy(fd_hog_detector *detector) { delete detector; }

extern "C" int32_t fd_hog_detect(fd_hog_detector *detector, const uint8_t *grey, int32_t width, int32_t height,
                                 int32_t stride, int32_t upsample, double threshold, fd_detection *out,
                                 int32_t capacity, char *error, size_t error_size) {
    if (detector == nullptr || grey == nullptr || width <= 0 || height <= 0 || stride < width || upsample < 0) {
        put_error(error, error_size, "bad arguments to fd_hog_detect");
        return -1;
    }
    return guarded(error, error_size, int32_t(-1), [&] {
        dlib::array2d<unsigned char> img;
        copy_grey(grey, width, height, stride, img);
        double scale = 1;
        for (int32_t i = 0; i < upsample; ++i) {
            dlib::pyramid_up(img);
            scale *= 2;
        }
        std::vector<dlib::rect_detection> found;
        detector->detector(img, found, threshold);
        const int32_t count = int32_t(found.size());
        for (int32_t i = 0; i < count && i < capacity; ++i) {
            const auto &r = found[size_t(i)].rect;
            out[i].left = r.left() / scale;
            out[i].top = r.top() / scale;
            out[i].right = r.right() / scale;
            out[i].bottom = r.bottom() / scale;
            out[i].confidence = found[size_t(i)].detection_confidence;
            out[i].filter = int32_t(found[size_t(i)].weight_index);
        }
        return count;
    });
}

extern "C" fd_shape_predictor *fd_shape_predictor_load(const char *path, char *error, size_t error_size) {
    if (!fd::read_in_child_first<dlib::shape_predictor>(path, error, error_size)) return nullptr;
    return guarded(error, error_size, static_cast<fd_shape_predictor *>(nullptr), [&] {
        auto predictor = std::make_unique<fd_shape_predictor>();
        dlib::deserialize(path) >> predictor->predictor;
        return predictor.release();
    });
}

extern "C" void fd_shape_predictor_destroy(fd_shape_predictor *predictor) { delete predictor; }

extern "C" int32_t fd_shape_predictor_parts(const fd_shape_predictor *predictor) {
    return predictor == nullptr ? 0 : int32_t(predictor->predictor.num_parts());
}

extern "C" int32_t fd_shape_predict(const fd_shape_predictor *predictor, const uint8_t *grey, int32_t width,
                                    int32_t height, int32_t stride, double left, double top, double right,
                                    double bottom, double *xy, int32_t capacity, char *error, size_t error_size) {
    if (predictor == nullptr || grey == nullptr || width <= 0 || height <= 0 || stride < width) {
        put_error(error, error_size, "bad arguments to fd_shape_predict");
        return -1;
    }
    return guarded(error, error_size, int32_t(-1), [&]() -> int32_t {
        const int32_t parts = int32_t(predictor->predictor.num_parts());
        if (capacity < parts) {
            put_error(error, error_size, "output buffer smaller than the predictor's part count");
            return -1;
        }
        dlib::array2d<unsigned char> img;
        copy_grey(grey, width, height, stride, img);
        const dlib::rectangle box(long(std::lround(left)), long(std::lround(top)),
                                  long(std::lround(right)), long(std::lround(bottom)));
        const dlib::full_object_detection shape = predictor->predictor(img, box);
        for (int32_t i = 0; i < parts; ++i) {
            xy[2 * i] = double(shape.part(unsigned(i)).x());
            xy[2 * i + 1] = double(shape.part(unsigned(i)).y());
        }
        return int32_t(0);
    });
}
