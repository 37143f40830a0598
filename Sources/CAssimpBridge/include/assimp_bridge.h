// Thin extern "C" bridge over Assimp 5.2.5 (C++ API).
//
// Scenes cross the boundary as one flat little-endian byte buffer ("FDS1", see SceneBuffer.swift
// for the layout), so no Assimp type reaches Swift. Imports run in a forked child process with a
// deadline: Debian builds Assimp with its internal asserts on, and truncated PLY files make it
// abort or loop forever; a child that dies or overruns is reported as an error instead.
#ifndef FD_ASSIMP_BRIDGE_H
#define FD_ASSIMP_BRIDGE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A heap buffer owned by the bridge; release it with `fd_buffer_free`.
typedef struct fd_buffer {
    unsigned char *data;
    size_t size;
} fd_buffer;

void fd_buffer_free(fd_buffer *buffer);

/// Imports `path` in a child process and returns the scene as an "FDS1" buffer.
/// Returns 0 on success, otherwise a non-zero code and a message in `error`.
int fd_assimp_import(const char *path, double cpu_seconds, fd_buffer *out,
                     char *error, size_t error_capacity);

/// Exports an "FDS1" scene through Assimp's exporter `format_id`, with `file_name` as the main
/// file's name. Every file the exporter writes is captured in memory and returned as a file list
/// buffer: u32 count, then per file u32 name length, name bytes, u64 size, bytes.
int fd_assimp_export(const unsigned char *scene, size_t scene_size, const char *format_id,
                     const char *file_name, fd_buffer *out, char *error, size_t error_capacity);

/// Exports like `fd_assimp_export` but through Assimp's own file system, to `path` (for exporters
/// that bypass the IOSystem, such as 3MF's zip writer). The caller picks a private folder.
int fd_assimp_export_to_disk(const unsigned char *scene, size_t scene_size, const char *format_id,
                             const char *path, char *error, size_t error_capacity);

/// Converts `path` with exporter `exporter_id` in a child process, Assimp's scene graph kept (meshes
/// shared by nodes stay shared): lengths × `scale` (vertices and node translations), polygons split into triangles when
/// `triangulate`, normals generated where missing. On success the buffer holds: u32 vertices, u32
/// triangles, u32 content flags (1 UVs, 2 normals, 4 colours, 8 tangents, 16 quads, 32 several
/// materials), u32 texture count and per texture u32 slot (0–4 as in "FDS1", 5 other) and the
/// reference, u32 embedded texture count, then the file list as `fd_assimp_export` returns it.
/// Animations are left out, and skins for Collada. When the import succeeded but the exporter
/// failed, the message starts with "export: ".
int fd_assimp_convert(const char *path, double cpu_seconds, const char *exporter_id, const char *file_name,
                      double scale, int triangulate, fd_buffer *out, char *error, size_t error_capacity);

/// Assimp's version as "major.minor.patch" (Debian's 5.2.5 reports 5.2.4).
void fd_assimp_version(char *buffer, size_t capacity);

/// Every extension Assimp can import, as "*.3ds;*.obj;...".
void fd_assimp_import_extensions(char *buffer, size_t capacity);

#ifdef __cplusplus
}
#endif

#endif
