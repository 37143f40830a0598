// dlib's shape-predictor file read into flat arrays, and the two transforms its predictor uses,
// so the regression forest itself is evaluated in Swift from a memory-mapped file of ours
// (Sources/Reconstruct/Faces/LandmarkForest.swift). The file is read with dlib's own
// deserialisers in the order dlib's `deserialize(shape_predictor&)` uses.
#include "fd_shape_forest.h"
#include "fd_guard.hpp"

#include <dlib/image_processing.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

struct fd_shape_forest {
    dlib::matrix<float, 0, 1> initial_shape;
    std::vector<std::vector<dlib::impl::regression_tree>> forests;
    std::vector<std::vector<unsigned long>> anchor_idx;
    std::vector<std::vector<dlib::vector<float, 2>>> deltas;
};

namespace {

using fd::guarded;
using fd::put_error;

/// The layout when every cascade and tree has the same shape (as dlib's trainer makes them);
/// throws otherwise.
fd_shape_forest_layout layout_of(const fd_shape_forest &f) {
    fd_shape_forest_layout l{};
    const size_t values = size_t(f.initial_shape.size());
    if (values == 0 || values % 2 != 0) throw dlib::serialization_error("initial shape has an odd or zero size");
    if (f.forests.empty() || f.forests.size() != f.anchor_idx.size() || f.forests.size() != f.deltas.size())
        throw dlib::serialization_error("cascade counts of trees, anchors and deltas differ");
    l.parts = int32_t(values / 2);
    l.cascades = int32_t(f.forests.size());
    l.trees = int32_t(f.forests[0].size());
    l.features = int32_t(f.anchor_idx[0].size());
    if (l.trees == 0 || l.features == 0 || f.forests[0][0].splits.empty())
        throw dlib::serialization_error("empty cascade");
    l.splits = int32_t(f.forests[0][0].splits.size());
    for (size_t c = 0; c < f.forests.size(); ++c) {
        if (f.forests[c].size() != size_t(l.trees) || f.anchor_idx[c].size() != size_t(l.features) ||
            f.deltas[c].size() != size_t(l.features))
            throw dlib::serialization_error("cascades differ in tree or feature counts");
        for (const auto &tree : f.forests[c]) {
            if (tree.splits.size() != size_t(l.splits) || tree.leaf_values.size() != size_t(l.splits) + 1)
                throw dlib::serialization_error("trees differ in depth or are not full");
            for (const auto &leaf : tree.leaf_values)
                if (size_t(leaf.size()) != values) throw dlib::serialization_error("a leaf's size is not the shape's");
        }
    }
    return l;
}

}  // namespace

extern "C" fd_shape_forest *fd_shape_forest_read(const char *path, fd_shape_forest_layout *layout, char *error,
                                                 size_t error_size) {
    return guarded(error, error_size, static_cast<fd_shape_forest *>(nullptr), [&] {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw dlib::serialization_error("cannot open the file");
        auto forest = std::make_unique<fd_shape_forest>();
        int version = 0;
        dlib::deserialize(version, in);
        if (version != 1) throw dlib::serialization_error("not a version-1 dlib shape predictor");
        dlib::deserialize(forest->initial_shape, in);
        dlib::deserialize(forest->forests, in);
        dlib::deserialize(forest->anchor_idx, in);
        dlib::deserialize(forest->deltas, in);
        *layout = layout_of(*forest);
        return forest.release();
    });
}

extern "C" void fd_shape_forest_destroy(fd_shape_forest *forest) { delete forest; }

extern "C" void fd_shape_forest_copy(const fd_shape_forest *f, float *initial_shape, uint32_t *anchors, float *deltas,
                                     uint32_t *split_features, float *thresholds, float *leaves) {
    const size_t values = size_t(f->initial_shape.size());
    std::memcpy(initial_shape, &f->initial_shape(0), values * sizeof(float));
    for (size_t c = 0; c < f->forests.size(); ++c) {
        for (size_t i = 0; i < f->anchor_idx[c].size(); ++i) {
            *anchors++ = uint32_t(f->anchor_idx[c][i]);
            *deltas++ = f->deltas[c][i].x();
            *deltas++ = f->deltas[c][i].y();
        }
        for (const auto &tree : f->forests[c]) {
            for (const auto &split : tree.splits) {
                *split_features++ = uint32_t(split.idx1);
                *split_features++ = uint32_t(split.idx2);
                *thresholds++ = split.thresh;
            }
            for (const auto &leaf : tree.leaf_values) {
                std::memcpy(leaves, &leaf(0), values * sizeof(float));
                leaves += values;
            }
        }
    }
}

extern "C" void fd_shape_similarity(const float *from, const float *to, int32_t values, float m[4]) {
    dlib::matrix<float, 0, 1> a(values), b(values);
    for (int32_t i = 0; i < values; ++i) {
        a(i) = from[i];
        b(i) = to[i];
    }
    const dlib::matrix<float, 2, 2> t = dlib::matrix_cast<float>(dlib::impl::find_tform_between_shapes(a, b).get_m());
    m[0] = t(0, 0);
    m[1] = t(0, 1);
    m[2] = t(1, 0);
    m[3] = t(1, 1);
}

extern "C" void fd_shape_unnormalizing(int64_t left, int64_t top, int64_t right, int64_t bottom, double m[6]) {
    const dlib::point_transform_affine t = dlib::impl::unnormalizing_tform(dlib::rectangle(left, top, right, bottom));
    m[0] = t.get_m()(0, 0);
    m[1] = t.get_m()(0, 1);
    m[2] = t.get_m()(1, 0);
    m[3] = t.get_m()(1, 1);
    m[4] = t.get_b().x();
    m[5] = t.get_b().y();
}
