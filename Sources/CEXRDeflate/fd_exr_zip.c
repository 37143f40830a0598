// See include/fd_exr_zip.h. The transform is OpenEXR's (ImfZip / internal_zip.c): bytes split
// into even and odd halves, then each byte replaced by its difference from the previous one plus
// 128; a chunk that does not shrink is stored as it was packed, which readers take as raw.
#include "fd_exr_zip.h"

#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

void *fd_exr_zip_compressor(int level) { return libdeflate_alloc_compressor(level); }

void fd_exr_zip_compressor_free(void *compressor) {
    libdeflate_free_compressor((struct libdeflate_compressor *)compressor);
}

/// Makes `*buffer` at least `size` bytes, through the pipeline's allocator as OpenEXR does.
static int reserve(exr_encode_pipeline_t *encode, exr_transcoding_pipeline_buffer_id_t id, void **buffer,
                   size_t *capacity, size_t size) {
    if (*buffer && *capacity >= size) return 1;
    if (*buffer && *capacity > 0) {
        if (encode->free_fn)
            encode->free_fn(id, *buffer);
        else
            free(*buffer);
    }
    *buffer = encode->alloc_fn ? encode->alloc_fn(id, size) : malloc(size);
    *capacity = *buffer ? size : 0;
    return *buffer != NULL;
}

exr_result_t fd_exr_zip_compress(exr_encode_pipeline_t *encode) {
    struct libdeflate_compressor *compressor = (struct libdeflate_compressor *)encode->encoding_user_data;
    const size_t n = (size_t)encode->packed_bytes;
    if (!compressor) return EXR_ERR_INVALID_ARGUMENT;
    const size_t bound = libdeflate_zlib_compress_bound(compressor, n);
    if (!reserve(encode, EXR_TRANSCODE_BUFFER_SCRATCH1, &encode->scratch_buffer_1, &encode->scratch_alloc_size_1, n) ||
        !reserve(encode, EXR_TRANSCODE_BUFFER_COMPRESSED, &encode->compressed_buffer, &encode->compressed_alloc_size,
                 bound > n ? bound : n))
        return EXR_ERR_OUT_OF_MEMORY;
    const uint8_t *raw = (const uint8_t *)encode->packed_buffer;
    uint8_t *t1 = (uint8_t *)encode->scratch_buffer_1;
    uint8_t *t2 = t1 + (n + 1) / 2;
    for (size_t i = 0; i < n; i += 2) {
        *t1++ = raw[i];
        if (i + 1 < n) *t2++ = raw[i + 1];
    }
    uint8_t *t = (uint8_t *)encode->scratch_buffer_1;
    int previous = n > 0 ? t[0] : 0;
    for (size_t i = 1; i < n; ++i) {
        const int d = (int)t[i] - previous + (128 + 256);
        previous = t[i];
        t[i] = (uint8_t)d;
    }
    size_t written = libdeflate_zlib_compress(compressor, encode->scratch_buffer_1, n, encode->compressed_buffer,
                                              encode->compressed_alloc_size);
    if (written == 0 || written >= n) {
        memcpy(encode->compressed_buffer, encode->packed_buffer, n);
        written = n;
    }
    encode->compressed_bytes = written;
    return EXR_ERR_SUCCESS;
}
