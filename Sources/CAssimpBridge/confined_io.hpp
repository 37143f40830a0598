// The file system Assimp's importers see (issue 19): every file an importer opens besides the
// input (glTF buffers, OBJ's mtllib, Collada's images, …) must lie inside the input's folder
// tree, links resolved, like the texture rule of the converter. Anything else is refused and the
// import fails, naming the reference; it is never read.
#pragma once
#include <assimp/DefaultIOSystem.h>
#include <assimp/Importer.hpp>
#include <assimp/scene.h>

#include <climits>
#include <cstdlib>
#include <string>
#include <vector>

namespace fdbridge {

class ConfinedIOSystem : public Assimp::DefaultIOSystem {
public:
    explicit ConfinedIOSystem(const std::string &mainFile) {
        std::string folder = mainFile;
        size_t slash = folder.find_last_of('/');
        folder = slash == std::string::npos ? std::string(".") : (slash == 0 ? std::string("/") : folder.substr(0, slash));
        written_ = folder + "/";
        char resolved[PATH_MAX];
        root_ = realpath(folder.c_str(), resolved) ? std::string(resolved) : folder;
        if (root_.empty() || root_.back() != '/') root_ += "/";
    }

    bool Exists(const char *file) const override { return allowed(file) && DefaultIOSystem::Exists(file); }

    Assimp::IOStream *Open(const char *file, const char *mode) override {
        if (!allowed(file)) return nullptr;
        return DefaultIOSystem::Open(file, mode);
    }

    /// The first reference refused, as the input wrote it (the input's folder taken off the
    /// front of the path Assimp built); empty when none was.
    const std::string &refused() const { return refused_; }
    const std::string &root() const { return root_; }

private:
    std::string root_, written_;
    mutable std::string refused_;

    bool allowed(const char *file) const {
        std::string path = file ? file : "";
        char resolved[PATH_MAX];
        std::string real;
        if (realpath(path.c_str(), resolved)) {
            real = resolved;
        } else {
            // A file that is not there: its folder decides (the open then fails as not found).
            size_t slash = path.find_last_of('/');
            std::string folder = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
            if (!realpath(folder.c_str(), resolved)) return true;
            real = std::string(resolved) + "/";
        }
        if (real.compare(0, root_.size(), root_) == 0 || real + "/" == root_) return true;
        if (refused_.empty())
            refused_ = path.compare(0, written_.size(), written_) == 0 ? path.substr(written_.size()) : path;
        return false;
    }
};

/// Reads `path` with `importer` through a `ConfinedIOSystem`. Returns the scene, or nullptr with
/// `failure` set (a refused reference, or Assimp's own error in words for users).
inline const aiScene *readConfined(Assimp::Importer &importer, const char *path, unsigned flags,
                                   std::string &failure, std::string (*describe)(const std::string &)) {
    auto *io = new ConfinedIOSystem(path);
    importer.SetIOHandler(io);  // the importer owns it
    const aiScene *scene = importer.ReadFile(path, flags);
    if (!io->refused().empty()) {
        failure = "it refers to " + io->refused() + ", outside the input's folder (" + io->root() + "); refused";
        return nullptr;
    }
    if (scene == nullptr || scene->mRootNode == nullptr) {
        failure = describe(importer.GetErrorString());
        return nullptr;
    }
    return scene;
}

} // namespace fdbridge
