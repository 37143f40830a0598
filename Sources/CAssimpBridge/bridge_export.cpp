// Export: builds an aiScene from an "FDS1" buffer (root node with one child node per mesh, as the
// 3MF exporter needs) and runs Assimp::Exporter against an in-memory IOSystem, so the main file and
// every sidecar come back to Swift, which writes them atomically.
#include "assimp_bridge.h"
#include "flat_buffer.hpp"
#include "memory_io.hpp"

#include <assimp/Exporter.hpp>
#include <assimp/IOStream.hpp>
#include <assimp/IOSystem.hpp>
#include <assimp/material.h>
#include <assimp/scene.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <algorithm>
#include <memory>
#include <vector>

using namespace fdbridge;

namespace {



aiMaterial *readMaterial(ByteSource &in) {
    auto *m = new aiMaterial();
    aiString name(in.str());
    m->AddProperty(&name, AI_MATKEY_NAME);
    aiColor4D c;
    c.r = in.f32(); c.g = in.f32(); c.b = in.f32(); c.a = in.f32();
    aiColor3D diffuse(c.r, c.g, c.b);
    m->AddProperty(&diffuse, 1, AI_MATKEY_COLOR_DIFFUSE);
    m->AddProperty(&c, 1, AI_MATKEY_BASE_COLOR);
    float opacity = c.a;
    m->AddProperty(&opacity, 1, AI_MATKEY_OPACITY);
    float roughness = in.f32();
    if (roughness >= 0) m->AddProperty(&roughness, 1, AI_MATKEY_ROUGHNESS_FACTOR);
    uint32_t textures = in.u32();
    for (uint32_t i = 0; i < textures; ++i) {
        uint32_t slot = in.u32();
        aiString path(in.str());
        switch (slot) {
        case BaseColor:
            m->AddProperty(&path, AI_MATKEY_TEXTURE(aiTextureType_DIFFUSE, 0));
            m->AddProperty(&path, AI_MATKEY_TEXTURE(aiTextureType_BASE_COLOR, 0));
            break;
        case Normal: m->AddProperty(&path, AI_MATKEY_TEXTURE(aiTextureType_NORMALS, 0)); break;
        case Displacement: m->AddProperty(&path, AI_MATKEY_TEXTURE(aiTextureType_DISPLACEMENT, 0)); break;
        case Roughness: m->AddProperty(&path, AI_MATKEY_TEXTURE(aiTextureType_DIFFUSE_ROUGHNESS, 0)); break;
        case Bump: m->AddProperty(&path, AI_MATKEY_TEXTURE(aiTextureType_HEIGHT, 0)); break;
        default: break;
        }
    }
    return m;
}

aiMesh *readMesh(ByteSource &in, unsigned materialCount, uint32_t &node) {
    auto mesh = std::make_unique<aiMesh>();
    mesh->mName = aiString(in.str());
    node = in.u32();
    mesh->mMaterialIndex = in.u32();
    if (mesh->mMaterialIndex >= materialCount) throw std::runtime_error("mesh names a material that does not exist");
    unsigned n = in.u32();
    uint32_t flags = in.u32();
    mesh->mNumVertices = n;
    mesh->mVertices = new aiVector3D[n];
    for (unsigned v = 0; v < n; ++v) { float x = in.f32(), y = in.f32(), z = in.f32(); mesh->mVertices[v] = aiVector3D(x, y, z); }
    if (flags & HasNormals) {
        mesh->mNormals = new aiVector3D[n];
        for (unsigned v = 0; v < n; ++v) { float x = in.f32(), y = in.f32(), z = in.f32(); mesh->mNormals[v] = aiVector3D(x, y, z); }
    }
    if (flags & HasUVs) {
        mesh->mTextureCoords[0] = new aiVector3D[n];
        mesh->mNumUVComponents[0] = 2;
        for (unsigned v = 0; v < n; ++v) { float x = in.f32(), y = in.f32(); mesh->mTextureCoords[0][v] = aiVector3D(x, y, 0); }
    }
    if (flags & HasColors) {
        mesh->mColors[0] = new aiColor4D[n];
        for (unsigned v = 0; v < n; ++v) { float r = in.f32(), g = in.f32(), b = in.f32(), a = in.f32(); mesh->mColors[0][v] = aiColor4D(r, g, b, a); }
    }
    if (flags & HasTangents) {
        mesh->mTangents = new aiVector3D[n];
        mesh->mBitangents = new aiVector3D[n];
        for (unsigned v = 0; v < n; ++v) {
            float x = in.f32(), y = in.f32(), z = in.f32(), w = in.f32();
            mesh->mTangents[v] = aiVector3D(x, y, z);
            aiVector3D nrm = mesh->mNormals ? mesh->mNormals[v] : aiVector3D(0, 0, 1);
            mesh->mBitangents[v] = (nrm ^ mesh->mTangents[v]) * w;
        }
    }
    unsigned faces = in.u32();
    unsigned indexCount = in.u32();
    std::vector<uint32_t> sizes(faces);
    for (auto &s : sizes) s = in.u32();
    mesh->mNumFaces = faces;
    mesh->mFaces = new aiFace[faces];
    unsigned consumed = 0;
    for (unsigned f = 0; f < faces; ++f) {
        aiFace &face = mesh->mFaces[f];
        if (sizes[f] < 3 || consumed + sizes[f] > indexCount) throw std::runtime_error("bad face size");
        face.mNumIndices = sizes[f];
        face.mIndices = new unsigned[sizes[f]];
        for (unsigned k = 0; k < sizes[f]; ++k) {
            face.mIndices[k] = in.u32();
            if (face.mIndices[k] >= n) throw std::runtime_error("face index out of range");
        }
        consumed += sizes[f];
        mesh->mPrimitiveTypes |= sizes[f] == 3 ? aiPrimitiveType_TRIANGLE : aiPrimitiveType_POLYGON;
    }
    // Morph targets go through our own writers (glTF, FBX, USD); the exporters get none.
    if (in.u32() != 0) throw std::runtime_error("morph targets in an export buffer");
    return mesh.release();
}

std::unique_ptr<aiScene> readScene(ByteSource &in) {
    char magic[4];
    in.raw(magic, 4);
    if (std::memcmp(magic, "FDS1", 4) != 0) throw std::runtime_error("not an FDS1 scene buffer");
    auto scene = std::make_unique<aiScene>();
    unsigned materials = in.u32();
    if (materials == 0) throw std::runtime_error("a scene needs at least one material");
    scene->mMaterials = new aiMaterial *[materials]();
    for (unsigned i = 0; i < materials; ++i) { scene->mMaterials[i] = readMaterial(in); scene->mNumMaterials = i + 1; }
    unsigned meshes = in.u32();
    if (meshes == 0) throw std::runtime_error("a scene needs at least one mesh");
    scene->mMeshes = new aiMesh *[meshes]();
    scene->mRootNode = new aiNode("root");
    // One child node per source mesh (3MF exports only meshes on child nodes), holding the
    // per-material submeshes of that mesh; their group ids arrive in ascending runs.
    std::vector<std::pair<uint32_t, std::vector<unsigned>>> groups;
    for (unsigned i = 0; i < meshes; ++i) {
        uint32_t group = 0;
        scene->mMeshes[i] = readMesh(in, materials, group);
        scene->mNumMeshes = i + 1;
        if (groups.empty() || groups.back().first != group) groups.push_back({group, {}});
        groups.back().second.push_back(i);
    }
    scene->mRootNode->mChildren = new aiNode *[groups.size()]();
    for (auto &g : groups) {
        const aiString &name = scene->mMeshes[g.second.front()]->mName;
        auto *node = new aiNode(name.length ? name.C_Str() : "mesh");
        node->mParent = scene->mRootNode;
        node->mNumMeshes = unsigned(g.second.size());
        node->mMeshes = new unsigned[g.second.size()];
        std::copy(g.second.begin(), g.second.end(), node->mMeshes);
        scene->mRootNode->mChildren[scene->mRootNode->mNumChildren++] = node;
    }
    return scene;
}

} // namespace

extern "C" int fd_assimp_export_to_disk(const unsigned char *sceneBytes, size_t sceneSize, const char *formatId,
                                        const char *path, char *error, size_t errorCapacity) {
    try {
        ByteSource in{sceneBytes, sceneSize};
        std::unique_ptr<aiScene> scene = readScene(in);
        Assimp::Exporter exporter;
        if (exporter.Export(scene.get(), formatId, path, 0) != AI_SUCCESS) {
            std::snprintf(error, errorCapacity, "%s", exporter.GetErrorString());
            return 1;
        }
        return 0;
    } catch (const std::exception &e) {
        std::snprintf(error, errorCapacity, "%s", e.what());
        return 2;
    }
}

extern "C" int fd_assimp_export(const unsigned char *sceneBytes, size_t sceneSize, const char *formatId,
                                const char *fileName, fd_buffer *out, char *error, size_t errorCapacity) {
    out->data = nullptr;
    out->size = 0;
    try {
        ByteSource in{sceneBytes, sceneSize};
        std::unique_ptr<aiScene> scene = readScene(in);
        std::map<std::string, std::vector<unsigned char>> files;
        Assimp::Exporter exporter;
        exporter.SetIOHandler(new MemoryIOSystem(files));
        if (exporter.Export(scene.get(), formatId, fileName, 0) != AI_SUCCESS) {
            std::snprintf(error, errorCapacity, "%s", exporter.GetErrorString());
            return 1;
        }
        ByteSink list;
        list.u32(uint32_t(files.size()));
        for (auto &f : files) { list.str(f.first); list.u64(f.second.size()); list.raw(f.second.data(), f.second.size()); }
        out->data = static_cast<unsigned char *>(std::malloc(list.bytes.size()));
        if (out->data == nullptr) throw std::bad_alloc();
        std::memcpy(out->data, list.bytes.data(), list.bytes.size());
        out->size = list.bytes.size();
        return 0;
    } catch (const std::exception &e) {
        std::snprintf(error, errorCapacity, "%s", e.what());
        return 2;
    }
}
