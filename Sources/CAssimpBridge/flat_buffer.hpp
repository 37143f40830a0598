// Little-endian byte buffer helpers for the "FDS1" scene layout shared with SceneBuffer.swift.
#pragma once
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace fdbridge {

struct ByteSink {
    std::vector<unsigned char> bytes;
    void raw(const void *p, size_t n) {
        const auto *c = static_cast<const unsigned char *>(p);
        bytes.insert(bytes.end(), c, c + n);
    }
    void u32(uint32_t v) { raw(&v, 4); }
    void u64(uint64_t v) { raw(&v, 8); }
    void f32(float v) { raw(&v, 4); }
    void str(const std::string &s) { u32(uint32_t(s.size())); raw(s.data(), s.size()); }
};

struct ByteSource {
    const unsigned char *p;
    size_t left;
    void raw(void *dst, size_t n) {
        if (n > left) throw std::runtime_error("scene buffer is truncated");
        std::memcpy(dst, p, n);
        p += n;
        left -= n;
    }
    uint32_t u32() { uint32_t v; raw(&v, 4); return v; }
    float f32() { float v; raw(&v, 4); return v; }
    std::string str() {
        uint32_t n = u32();
        if (n > left) throw std::runtime_error("scene buffer is truncated");
        std::string s(reinterpret_cast<const char *>(p), n);
        p += n;
        left -= n;
        return s;
    }
};

/// Texture slots of the flat layout; the numbers are part of the "FDS1" format.
enum Slot : uint32_t { BaseColor = 0, Normal = 1, Displacement = 2, Roughness = 3, Bump = 4 };

/// Vertex attribute flags of the flat layout.
enum VertexFlags : uint32_t { HasNormals = 1, HasUVs = 2, HasColors = 4, HasTangents = 8 };

} // namespace fdbridge
