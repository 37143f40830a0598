// An Assimp IOSystem that keeps every file an exporter writes in memory (reads are refused), so
// the main file and its sidecars come back to Swift, which writes them atomically.
#pragma once
#include <assimp/IOStream.hpp>
#include <assimp/IOSystem.hpp>

#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace fdbridge {

class MemoryStream : public Assimp::IOStream {
public:
    explicit MemoryStream(std::vector<unsigned char> &target) : bytes(target) {}
    size_t Read(void *, size_t, size_t) override { return 0; }
    size_t Write(const void *buffer, size_t size, size_t count) override {
        size_t n = size * count;
        if (position + n > bytes.size()) bytes.resize(position + n);
        std::memcpy(bytes.data() + position, buffer, n);
        position += n;
        return count;
    }
    aiReturn Seek(size_t offset, aiOrigin origin) override {
        size_t base = origin == aiOrigin_SET ? 0 : origin == aiOrigin_CUR ? position : bytes.size();
        position = base + offset;
        return aiReturn_SUCCESS;
    }
    size_t Tell() const override { return position; }
    size_t FileSize() const override { return bytes.size(); }
    void Flush() override {}

private:
    std::vector<unsigned char> &bytes;
    size_t position = 0;
};

/// Captures every file an exporter opens for writing; reads are refused.
class MemoryIOSystem : public Assimp::IOSystem {
public:
    explicit MemoryIOSystem(std::map<std::string, std::vector<unsigned char>> &files) : files(files) {}
    bool Exists(const char *path) const override { return files.count(path) > 0; }
    char getOsSeparator() const override { return '/'; }
    Assimp::IOStream *Open(const char *path, const char *mode) override {
        if (std::strchr(mode, 'r') != nullptr) return nullptr;
        auto &bytes = files[path];
        bytes.clear();
        return new MemoryStream(bytes);
    }
    void Close(Assimp::IOStream *stream) override { delete stream; }

private:
    std::map<std::string, std::vector<unsigned char>> &files;
};

} // namespace fdbridge
