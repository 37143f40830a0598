// Convert between two formats Assimp both reads and writes without our mesh model in between: the
// forked child (isolated_child.hpp) imports, rescales lengths to the target's unit, checks the
// geometry, and runs the exporter into memory (memory_io.hpp). The scene graph stays Assimp's, so
// meshes shared by several nodes stay shared and the file is no larger than `assimp export`'s.
// The answer also says what the scene holds, for the loss report, and which texture files it
// names, which the caller checks and copies.
#include "assimp_bridge.h"
#include "confined_io.hpp"
#include "flat_buffer.hpp"
#include "isolated_child.hpp"
#include "memory_io.hpp"

#include <assimp/Exporter.hpp>
#include <assimp/Importer.hpp>
#include <assimp/config.h>
#include <assimp/postprocess.h>
#include <assimp/scene.h>

#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <set>

using namespace fdbridge;

namespace {

/// Starts the message of a failed export (the import went well): the caller may take another path.
const char *const exportFailure = "export: ";

/// aiTextureType → the flat layout's slot; 5 for the kinds our model has no slot for.
uint32_t slotOf(aiTextureType type) {
    switch (type) {
    case aiTextureType_BASE_COLOR:
    case aiTextureType_DIFFUSE: return BaseColor;
    case aiTextureType_NORMALS: return Normal;
    case aiTextureType_DISPLACEMENT: return Displacement;
    case aiTextureType_DIFFUSE_ROUGHNESS: return Roughness;
    case aiTextureType_HEIGHT: return Bump;
    default: return 5;
    }
}

/// Every length × `s`, as S·T·S⁻¹ on each node (its translation scaled) and S on the vertices and
/// the animations' position keys, so the world positions scale and no extra matrix is written.
void rescaleNode(aiNode *node, ai_real s) {
    node->mTransformation.a4 *= s;
    node->mTransformation.b4 *= s;
    node->mTransformation.c4 *= s;
    for (unsigned i = 0; i < node->mNumChildren; ++i) rescaleNode(node->mChildren[i], s);
}

void rescale(aiScene *scene, ai_real s) {
    rescaleNode(scene->mRootNode, s);
    for (unsigned i = 0; i < scene->mNumMeshes; ++i) {
        aiMesh *m = scene->mMeshes[i];
        for (unsigned v = 0; v < m->mNumVertices; ++v) m->mVertices[v] *= s;
    }
    for (unsigned a = 0; a < scene->mNumAnimations; ++a)
        for (unsigned c = 0; c < scene->mAnimations[a]->mNumChannels; ++c) {
            aiNodeAnim *channel = scene->mAnimations[a]->mChannels[c];
            for (unsigned k = 0; k < channel->mNumPositionKeys; ++k) channel->mPositionKeys[k].mValue *= s;
        }
}

bool convertInChild(const char *path, const char *exporterId, const char *fileName, double scale, bool triangulate,
                    std::vector<unsigned char> &answer) {
    auto refuse = [&](const std::string &m) { answer.assign(m.begin(), m.end()); return false; };
    Assimp::Importer importer;
    importer.SetPropertyInteger(AI_CONFIG_PP_SBP_REMOVE, aiPrimitiveType_POINT | aiPrimitiveType_LINE);
    unsigned flags = aiProcess_SortByPType | aiProcess_ValidateDataStructure | aiProcess_GenSmoothNormals;
    if (triangulate) flags |= aiProcess_Triangulate;
    std::string failure;
    if (readConfined(importer, path, flags, failure, importFailure) == nullptr) return refuse(failure);
    aiScene *scene = importer.GetOrphanedScene();
    std::unique_ptr<aiScene> owned(scene);
    // What the scene holds (before export), for the loss report.
    enum : uint32_t { UVs = 1, Normals = 2, Colors = 4, Tangents = 8, Quads = 16, SeveralMaterials = 32 };
    uint32_t content = 0, vertices = 0, triangles = 0;
    std::set<unsigned> materials;
    for (unsigned i = 0; i < scene->mNumMeshes; ++i) {
        const aiMesh *m = scene->mMeshes[i];
        if (!(m->mPrimitiveTypes & (aiPrimitiveType_TRIANGLE | aiPrimitiveType_POLYGON))) continue;
        for (unsigned v = 0; v < m->mNumVertices; ++v)
            if (!std::isfinite(m->mVertices[v].x) || !std::isfinite(m->mVertices[v].y) ||
                !std::isfinite(m->mVertices[v].z))
                return refuse("a vertex position is not a finite number");
        vertices += m->mNumVertices;
        for (unsigned f = 0; f < m->mNumFaces; ++f) {
            if (m->mFaces[f].mNumIndices >= 3) triangles += m->mFaces[f].mNumIndices - 2;
            if (m->mFaces[f].mNumIndices == 4) content |= Quads;
        }
        materials.insert(m->mMaterialIndex);
        if (m->HasTextureCoords(0)) content |= UVs;
        if (m->HasNormals()) content |= Normals;
        if (m->HasVertexColors(0)) content |= Colors;
        if (m->HasTangentsAndBitangents()) content |= Tangents;
    }
    if (triangles == 0) return refuse("holds no polygons (only points, lines or an empty scene)");
    if (materials.size() > 1) content |= SeveralMaterials;
    if (scale != 1.0) rescale(scene, ai_real(scale));
    // As on the general path, animations are not carried over (Assimp 5.2.5's glTF exporter writes
    // morph-only ones its own importer rejects), nor are skins into Collada (its exporter writes
    // controller references it cannot resolve again).
    for (unsigned a = 0; a < scene->mNumAnimations; ++a) delete scene->mAnimations[a];
    delete[] scene->mAnimations;
    scene->mAnimations = nullptr;
    scene->mNumAnimations = 0;
    if (std::strcmp(exporterId, "collada") == 0)
        for (unsigned i = 0; i < scene->mNumMeshes; ++i) {
            aiMesh *m = scene->mMeshes[i];
            for (unsigned b = 0; b < m->mNumBones; ++b) delete m->mBones[b];
            delete[] m->mBones;
            m->mBones = nullptr;
            m->mNumBones = 0;
        }
    ByteSink out;
    out.u32(vertices);
    out.u32(triangles);
    out.u32(content);
    std::vector<std::pair<uint32_t, std::string>> textures;
    for (unsigned i = 0; i < scene->mNumMaterials; ++i)
        for (int type = aiTextureType_NONE + 1; type <= AI_TEXTURE_TYPE_MAX; ++type)
            for (unsigned k = 0; k < scene->mMaterials[i]->GetTextureCount(aiTextureType(type)); ++k) {
                aiString texture;
                if (scene->mMaterials[i]->GetTexture(aiTextureType(type), k, &texture) == AI_SUCCESS)
                    textures.emplace_back(slotOf(aiTextureType(type)), texture.C_Str());
            }
    out.u32(uint32_t(textures.size()));
    for (auto &t : textures) { out.u32(t.first); out.str(t.second); }
    out.u32(scene->mNumTextures);
    std::map<std::string, std::vector<unsigned char>> files;
    Assimp::Exporter exporter;
    exporter.SetIOHandler(new MemoryIOSystem(files));
    if (exporter.Export(scene, exporterId, fileName, 0) != AI_SUCCESS)
        return refuse(std::string(exportFailure) + exporter.GetErrorString());
    out.u32(uint32_t(files.size()));
    for (auto &f : files) { out.str(f.first); out.u64(f.second.size()); out.raw(f.second.data(), f.second.size()); }
    answer = std::move(out.bytes);
    return true;
}

} // namespace

extern "C" int fd_assimp_convert(const char *path, double cpu_seconds, const char *exporter_id,
                                 const char *file_name, double scale, int triangulate, fd_buffer *out, char *error,
                                 size_t error_capacity) {
    out->data = nullptr;
    out->size = 0;
    return runIsolated(
        cpu_seconds,
        [&](std::vector<unsigned char> &answer) {
            return convertInChild(path, exporter_id, file_name, scale, triangulate != 0, answer);
        },
        &out->data, &out->size, error, error_capacity);
}
