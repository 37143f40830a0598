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
int fd_assimp_import(const char *path, double timeout_seconds, fd_buffer *out,
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

/// Assimp's version as "major.minor.patch" (Debian's 5.2.5 reports 5.2.4).
void fd_assimp_version(char *buffer, size_t capacity);

/// Every extension Assimp can import, as "*.3ds;*.obj;...".
void fd_assimp_import_extensions(char *buffer, size_t capacity);

#ifdef __cplusplus
}
#endif

#endif
