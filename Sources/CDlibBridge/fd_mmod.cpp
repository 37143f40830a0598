// dlib's MMOD face network behind a C API: its exact type (dlib's dnn_mmod_face_detection_ex),
// deserialized by dlib, flattened into layers for Swift, and run by dlib as a reference.
#include "fd_mmod.h"
#include "fd_guard.hpp"
#include "fd_probe.hpp"

#include <dlib/dnn.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

namespace {

using fd::guarded;
using fd::put_error;

using namespace dlib;

template <long num_filters, typename SUBNET> using con5d = con<num_filters, 5, 5, 2, 2, SUBNET>;
template <long num_filters, typename SUBNET> using con5 = con<num_filters, 5, 5, 1, 1, SUBNET>;
template <typename SUBNET>
using downsampler = relu<affine<con5d<32, relu<affine<con5d<32, relu<affine<con5d<16, SUBNET>>>>>>>>>;
template <typename SUBNET> using rcon5 = relu<affine<con5<45, SUBNET>>>;
using face_net = loss_mmod<con<1, 9, 9, 1, 1, rcon5<rcon5<rcon5<downsampler<input_rgb_image_pyramid<pyramid_down<6>>>>>>>>;

struct layer_copy {
    fd_mmod_layer layer{};
    std::vector<float> weights, bias;
};

/// Copies each computational layer it is shown; anything but convolution, affine and ReLU is refused.
struct collector {
    std::vector<layer_copy> *layers;

    template <long N, long R, long C, int SY, int SX, int PY, int PX>
    void operator()(const con_<N, R, C, SY, SX, PY, PX> &l) const {
        layer_copy copy;
        const tensor &params = l.get_layer_params();
        const size_t outputs = size_t(l.num_filters());
        const size_t bias = l.bias_is_disabled() ? 0 : outputs;
        const size_t taps = outputs * size_t(l.nr() * l.nc());
        if (taps == 0 || params.size() < bias || (params.size() - bias) % taps != 0)
            throw std::runtime_error("convolution layer's parameters do not match its shape");
        const float *p = params.host();
        copy.weights.assign(p, p + (params.size() - bias));
        copy.bias.assign(p + (params.size() - bias), p + params.size());
        copy.layer.kind = FD_MMOD_CONVOLUTION;
        copy.layer.outputs = int32_t(outputs);
        copy.layer.inputs = int32_t((params.size() - bias) / taps);
        copy.layer.kernel_rows = int32_t(l.nr());
        copy.layer.kernel_cols = int32_t(l.nc());
        copy.layer.stride_y = int32_t(l.stride_y());
        copy.layer.stride_x = int32_t(l.stride_x());
        copy.layer.padding_y = int32_t(l.padding_y());
        copy.layer.padding_x = int32_t(l.padding_x());
        layers->push_back(std::move(copy));
    }

    void operator()(const affine_ &l) const {
        layer_copy copy;
        const auto gamma_view = l.get_gamma();  // views into the layer's parameters; kept alive here
        const auto beta_view = l.get_beta();
        const tensor &gamma = gamma_view.get();
        const tensor &beta = beta_view.get();
        if (gamma.size() != beta.size()) throw std::runtime_error("affine layer's gamma and beta differ in size");
        copy.weights.assign(gamma.host(), gamma.host() + gamma.size());
        copy.bias.assign(beta.host(), beta.host() + beta.size());
        copy.layer.kind = FD_MMOD_AFFINE;
        copy.layer.values = int32_t(gamma.size());
        layers->push_back(std::move(copy));
    }

    void operator()(const relu_ &) const {
        layer_copy copy;
        copy.layer.kind = FD_MMOD_RELU;
        layers->push_back(std::move(copy));
    }

    template <typename T> void operator()(const T &) const {
        throw std::runtime_error("unexpected layer type in the face network");
    }
};

matrix<rgb_pixel> copy_rgb(const uint8_t *rgb, int32_t width, int32_t height, int32_t stride) {
    matrix<rgb_pixel> img(height, width);
    for (int32_t y = 0; y < height; ++y) {
        const uint8_t *row = rgb + size_t(y) * size_t(stride);
        for (int32_t x = 0; x < width; ++x) img(y, x) = rgb_pixel(row[3 * x], row[3 * x + 1], row[3 * x + 2]);
    }
    return img;
}

}  // namespace

struct fd_mmod_net {
    face_net net;
    std::vector<layer_copy> layers;
};

extern "C" fd_mmod_net *fd_mmod_load(const char *path, fd_mmod_settings *settings, char *error, size_t error_size) {
    if (!fd::read_in_child_first<face_net>(path, error, error_size)) return nullptr;
    return guarded(error, error_size, static_cast<fd_mmod_net *>(nullptr), [&] {
        auto loaded = std::make_unique<fd_mmod_net>();
        deserialize(path) >> loaded->net;
        visit_computational_layers(loaded->net, collector{&loaded->layers});
        std::reverse(loaded->layers.begin(), loaded->layers.end());
        for (auto &copy : loaded->layers) {
            copy.layer.weights = copy.weights.empty() ? nullptr : copy.weights.data();
            copy.layer.bias = copy.bias.empty() ? nullptr : copy.bias.data();
        }
        const auto &in = input_layer(loaded->net);
        const mmod_options &options = loaded->net.loss_details().get_options();
        fd_mmod_settings s{};
        s.average_red = in.get_avg_red();
        s.average_green = in.get_avg_green();
        s.average_blue = in.get_avg_blue();
        s.pyramid_padding = int32_t(in.get_pyramid_padding());
        s.pyramid_outer_padding = int32_t(in.get_pyramid_outer_padding());
        s.pyramid_down = 6;
        if (options.detector_windows.empty() || options.detector_windows.size() > 8)
            throw std::runtime_error("the loss layer has " + std::to_string(options.detector_windows.size()) +
                                     " detection windows; 1 to 8 are supported");
        s.window_count = int32_t(options.detector_windows.size());
        for (size_t k = 0; k < options.detector_windows.size(); ++k) {
            s.windows[k].width = int32_t(options.detector_windows[k].width);
            s.windows[k].height = int32_t(options.detector_windows[k].height);
        }
        s.nms_iou = options.overlaps_nms.get_iou_thresh();
        s.nms_covered = options.overlaps_nms.get_percent_covered_thresh();
        s.bounding_box_regression = options.use_bounding_box_regression ? 1 : 0;
        s.layer_count = int32_t(loaded->layers.size());
        *settings = s;
        return loaded.release();
    });
}

extern "C" void fd_mmod_destroy(fd_mmod_net *net) { delete net; }

extern "C" int32_t fd_mmod_layer_at(const fd_mmod_net *net, int32_t index, fd_mmod_layer *out) {
    if (net == nullptr || index < 0 || size_t(index) >= net->layers.size()) return -1;
    *out = net->layers[size_t(index)].layer;
    return 0;
}

extern "C" int32_t fd_mmod_detect(fd_mmod_net *net, const uint8_t *rgb, int32_t width, int32_t height,
                                  int32_t stride, double threshold, fd_detection *out, int32_t capacity,
                                  char *error, size_t error_size) {
    if (net == nullptr || rgb == nullptr || width <= 0 || height <= 0 || stride < 3 * width) {
        put_error(error, error_size, "bad arguments to fd_mmod_detect");
        return -1;
    }
    return guarded(error, error_size, int32_t(-1), [&] {
        const matrix<rgb_pixel> img = copy_rgb(rgb, width, height, stride);
        const std::vector<mmod_rect> found = net->net.process(img, threshold);
        const int32_t count = int32_t(found.size());
        for (int32_t i = 0; i < count && i < capacity; ++i) {
            const rectangle &r = found[size_t(i)].rect;
            out[i] = fd_detection{double(r.left()), double(r.top()), double(r.right()), double(r.bottom()),
                                  found[size_t(i)].detection_confidence, 0};
        }
        return count;
    });
}

extern "C" int32_t fd_mmod_scores(fd_mmod_net *net, const uint8_t *rgb, int32_t width, int32_t height,
                                  int32_t stride, float *scores, int64_t capacity, int32_t *rows, int32_t *cols,
                                  char *error, size_t error_size) {
    if (net == nullptr || rgb == nullptr || width <= 0 || height <= 0 || stride < 3 * width) {
        put_error(error, error_size, "bad arguments to fd_mmod_scores");
        return -1;
    }
    return guarded(error, error_size, int32_t(-1), [&] {
        const matrix<rgb_pixel> img = copy_rgb(rgb, width, height, stride);
        resizable_tensor input;
        net->net.to_tensor(&img, &img + 1, input);
        const tensor &output = net->net.subnet().forward(input);
        *rows = int32_t(output.nr());
        *cols = int32_t(output.nc());
        if (output.k() != 1 || output.num_samples() != 1)
            throw std::runtime_error("the face network's output is not one score map");
        if (int64_t(output.size()) <= capacity) std::memcpy(scores, output.host(), output.size() * sizeof(float));
        return int32_t(0);
    });
}
