// Import: Assimp reads the file in a forked child (isolated_child.hpp), which flattens the scene
// (node transforms applied, points and lines dropped) into an "FDS1" buffer and pipes it back.
#include "assimp_bridge.h"
#include "flat_buffer.hpp"
#include "confined_io.hpp"
#include "isolated_child.hpp"

#include <assimp/Importer.hpp>
#include <assimp/config.h>
#include <assimp/postprocess.h>
#include <assimp/scene.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace fdbridge;

namespace {

void addTexture(std::vector<std::pair<uint32_t, std::string>> &list, const aiMaterial *m,
                aiTextureType type, Slot slot) {
    aiString path;
    if (m->GetTextureCount(type) > 0 && m->GetTexture(type, 0, &path) == AI_SUCCESS) {
        for (auto &entry : list)
            if (entry.first == slot) return;  // first source for a slot wins
        list.emplace_back(slot, std::string(path.C_Str()));
    }
}

void writeMaterial(ByteSink &out, const aiMaterial *m) {
    aiString name;
    m->Get(AI_MATKEY_NAME, name);
    out.str(name.C_Str());
    aiColor4D color(0.8f, 0.8f, 0.8f, 1.0f);
    if (m->Get(AI_MATKEY_BASE_COLOR, color) != AI_SUCCESS) m->Get(AI_MATKEY_COLOR_DIFFUSE, color);
    float opacity = 1.0f;
    if (m->Get(AI_MATKEY_OPACITY, opacity) == AI_SUCCESS) color.a = opacity;
    out.f32(color.r); out.f32(color.g); out.f32(color.b); out.f32(color.a);
    float roughness = -1.0f;
    m->Get(AI_MATKEY_ROUGHNESS_FACTOR, roughness);
    out.f32(roughness);
    std::vector<std::pair<uint32_t, std::string>> textures;
    addTexture(textures, m, aiTextureType_BASE_COLOR, BaseColor);
    addTexture(textures, m, aiTextureType_DIFFUSE, BaseColor);
    addTexture(textures, m, aiTextureType_NORMALS, Normal);
    addTexture(textures, m, aiTextureType_DISPLACEMENT, Displacement);
    addTexture(textures, m, aiTextureType_DIFFUSE_ROUGHNESS, Roughness);
    addTexture(textures, m, aiTextureType_HEIGHT, Bump);
    out.u32(uint32_t(textures.size()));
    for (auto &t : textures) { out.u32(t.first); out.str(t.second); }
}

struct MeshInstance { const aiMesh *mesh; aiMatrix4x4 transform; std::string name; uint32_t node; };

void collect(const aiScene *s, const aiNode *node, const aiMatrix4x4 &parent,
             std::vector<MeshInstance> &out, uint32_t &nodeCounter) {
    aiMatrix4x4 global = parent * node->mTransformation;
    uint32_t nodeIndex = nodeCounter++;
    for (unsigned i = 0; i < node->mNumMeshes; ++i) {
        if (node->mMeshes[i] >= s->mNumMeshes) continue;
        const aiMesh *mesh = s->mMeshes[node->mMeshes[i]];
        std::string name = mesh->mName.length ? mesh->mName.C_Str() : node->mName.C_Str();
        out.push_back({mesh, global, name, nodeIndex});
    }
    for (unsigned i = 0; i < node->mNumChildren; ++i) collect(s, node->mChildren[i], global, out, nodeCounter);
}

void writeMesh(ByteSink &out, const MeshInstance &inst) {
    const aiMesh *m = inst.mesh;
    out.str(inst.name);
    out.u32(inst.node);
    out.u32(m->mMaterialIndex);
    out.u32(m->mNumVertices);
    uint32_t flags = 0;
    if (m->HasNormals()) flags |= HasNormals;
    if (m->HasTextureCoords(0)) flags |= HasUVs;
    if (m->HasVertexColors(0)) flags |= HasColors;
    if (m->HasTangentsAndBitangents() && m->HasNormals()) flags |= HasTangents;
    out.u32(flags);
    aiMatrix3x3 normalMatrix = aiMatrix3x3(inst.transform);
    normalMatrix.Inverse().Transpose();
    aiMatrix3x3 linear(inst.transform);
    for (unsigned v = 0; v < m->mNumVertices; ++v) {
        aiVector3D p = inst.transform * m->mVertices[v];
        out.f32(p.x); out.f32(p.y); out.f32(p.z);
    }
    if (flags & HasNormals)
        for (unsigned v = 0; v < m->mNumVertices; ++v) {
            aiVector3D n = (normalMatrix * m->mNormals[v]).NormalizeSafe();
            out.f32(n.x); out.f32(n.y); out.f32(n.z);
        }
    if (flags & HasUVs)
        for (unsigned v = 0; v < m->mNumVertices; ++v) {
            out.f32(m->mTextureCoords[0][v].x); out.f32(m->mTextureCoords[0][v].y);
        }
    if (flags & HasColors)
        for (unsigned v = 0; v < m->mNumVertices; ++v) {
            const aiColor4D &c = m->mColors[0][v];
            out.f32(c.r); out.f32(c.g); out.f32(c.b); out.f32(c.a);
        }
    if (flags & HasTangents)
        for (unsigned v = 0; v < m->mNumVertices; ++v) {
            aiVector3D t = (linear * m->mTangents[v]).NormalizeSafe();
            aiVector3D b = linear * m->mBitangents[v];
            aiVector3D n = normalMatrix * m->mNormals[v];
            float w = ((n ^ t) * b) < 0.0f ? -1.0f : 1.0f;
            out.f32(t.x); out.f32(t.y); out.f32(t.z); out.f32(w);
        }
    uint32_t faceCount = 0, indexCount = 0;
    for (unsigned f = 0; f < m->mNumFaces; ++f)
        if (m->mFaces[f].mNumIndices >= 3) { ++faceCount; indexCount += m->mFaces[f].mNumIndices; }
    out.u32(faceCount);
    out.u32(indexCount);
    for (unsigned f = 0; f < m->mNumFaces; ++f)
        if (m->mFaces[f].mNumIndices >= 3) out.u32(m->mFaces[f].mNumIndices);
    for (unsigned f = 0; f < m->mNumFaces; ++f)
        if (m->mFaces[f].mNumIndices >= 3)
            for (unsigned k = 0; k < m->mFaces[f].mNumIndices; ++k) out.u32(m->mFaces[f].mIndices[k]);
    // Morph targets whose shape covers every vertex: name, weight, the shape's positions.
    uint32_t morphs = 0;
    for (unsigned a = 0; a < m->mNumAnimMeshes; ++a) {
        const aiAnimMesh *anim = m->mAnimMeshes[a];
        if (anim && anim->mVertices && anim->mNumVertices == m->mNumVertices) ++morphs;
    }
    out.u32(morphs);
    for (unsigned a = 0; a < m->mNumAnimMeshes; ++a) {
        const aiAnimMesh *anim = m->mAnimMeshes[a];
        if (!anim || !anim->mVertices || anim->mNumVertices != m->mNumVertices) continue;
        out.str(anim->mName.C_Str());
        out.f32(anim->mWeight);
        for (unsigned v = 0; v < m->mNumVertices; ++v) {
            aiVector3D p = inst.transform * anim->mVertices[v];
            out.f32(p.x); out.f32(p.y); out.f32(p.z);
        }
    }
}

std::string metadataText(const aiMetadataEntry &e) {
    char buf[64];
    switch (e.mType) {
    case AI_BOOL: return *static_cast<bool *>(e.mData) ? "1" : "0";
    case AI_INT32: std::snprintf(buf, sizeof buf, "%d", *static_cast<int32_t *>(e.mData)); return buf;
    case AI_UINT64:
        std::snprintf(buf, sizeof buf, "%llu", (unsigned long long)*static_cast<uint64_t *>(e.mData));
        return buf;
    case AI_FLOAT: std::snprintf(buf, sizeof buf, "%.9g", *static_cast<float *>(e.mData)); return buf;
    case AI_DOUBLE: std::snprintf(buf, sizeof buf, "%.17g", *static_cast<double *>(e.mData)); return buf;
    case AI_AISTRING: return static_cast<aiString *>(e.mData)->C_Str();
    default: return "";
    }
}

std::vector<unsigned char> flatten(const aiScene *s) {
    ByteSink out;
    out.raw("FDS1", 4);
    out.u32(s->mNumMaterials);
    for (unsigned i = 0; i < s->mNumMaterials; ++i) writeMaterial(out, s->mMaterials[i]);
    std::vector<MeshInstance> instances;
    uint32_t nodeCounter = 0;
    if (s->mRootNode) collect(s, s->mRootNode, aiMatrix4x4(), instances, nodeCounter);
    std::vector<const MeshInstance *> kept;
    for (auto &inst : instances)
        if (inst.mesh->mPrimitiveTypes & (aiPrimitiveType_TRIANGLE | aiPrimitiveType_POLYGON)) kept.push_back(&inst);
    out.u32(uint32_t(kept.size()));
    for (auto *inst : kept) writeMesh(out, *inst);
    const aiMetadata *md = s->mMetaData;
    uint32_t mdCount = md ? md->mNumProperties : 0;
    out.u32(mdCount);
    for (uint32_t i = 0; i < mdCount; ++i) { out.str(md->mKeys[i].C_Str()); out.str(metadataText(md->mValues[i])); }
    uint32_t embedded = 0;
    for (unsigned i = 0; i < s->mNumTextures; ++i) if (s->mTextures[i]->mHeight == 0) ++embedded;
    out.u32(embedded);
    for (unsigned i = 0; i < s->mNumTextures; ++i) {
        const aiTexture *t = s->mTextures[i];
        if (t->mHeight != 0) continue;
        out.str("*" + std::to_string(i));
        out.str(t->achFormatHint);
        out.str(t->mFilename.C_Str());
        out.u32(t->mWidth);
        out.raw(t->pcData, t->mWidth);
    }
    return std::move(out.bytes);
}


/// The child's work: the scene flattened, or Assimp's message.
bool importFlattened(const char *path, std::vector<unsigned char> &payload) {
    Assimp::Importer importer;
    importer.SetPropertyInteger(AI_CONFIG_PP_SBP_REMOVE, aiPrimitiveType_POINT | aiPrimitiveType_LINE);
    std::string failure;
    const aiScene *scene = readConfined(
        importer, path, aiProcess_JoinIdenticalVertices | aiProcess_SortByPType | aiProcess_ValidateDataStructure,
        failure, importFailure);
    if (scene == nullptr) {
        payload.assign(failure.begin(), failure.end());
        return false;
    }
    payload = flatten(scene);
    return true;
}

} // namespace

extern "C" int fd_assimp_import(const char *path, double cpu_seconds, fd_buffer *out,
                                char *error, size_t error_capacity) {
    out->data = nullptr;
    out->size = 0;
    return runIsolated(
        cpu_seconds, [&](std::vector<unsigned char> &answer) { return importFlattened(path, answer); }, &out->data,
        &out->size, error, error_capacity);
}
