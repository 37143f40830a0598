#include "assimp_bridge.h"
#include <assimp/Importer.hpp>
#include <assimp/version.h>
#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" void fd_buffer_free(fd_buffer *buffer) {
    if (buffer == nullptr) return;
    std::free(buffer->data);
    buffer->data = nullptr;
    buffer->size = 0;
}

extern "C" void fd_assimp_version(char *buffer, size_t capacity) {
    std::snprintf(buffer, capacity, "%u.%u.%u", aiGetVersionMajor(), aiGetVersionMinor(),
                  aiGetVersionPatch());
}

extern "C" void fd_assimp_import_extensions(char *buffer, size_t capacity) {
    std::string list;
    try {
        Assimp::Importer importer;
        importer.GetExtensionList(list);
    } catch (...) {
        list.clear();
    }
    std::snprintf(buffer, capacity, "%s", list.c_str());
}
