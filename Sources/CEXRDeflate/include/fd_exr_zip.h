// OpenEXR's ZIP compression (byte split, delta predictor, zlib stream) with libdeflate doing the
// deflate instead of zlib: Debian's OpenEXR Core 3.1 calls zlib's compress2, which made
// displacement.exr the slowest file reconstruct writes. Plugged into an encode pipeline as its
// compress_fn; the files are ordinary ZIP-compressed EXR that any reader opens.
#ifndef FD_EXR_ZIP_H
#define FD_EXR_ZIP_H
#include <OpenEXR/openexr.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A compressor for `fd_exr_zip_compress` (libdeflate at `level`, 1–12); NULL without memory.
void *fd_exr_zip_compressor(int level);
void fd_exr_zip_compressor_free(void *compressor);

/// The pipeline's compress_fn: `encode->encoding_user_data` must be a `fd_exr_zip_compressor`.
exr_result_t fd_exr_zip_compress(exr_encode_pipeline_t *encode);

#ifdef __cplusplus
}
#endif
#endif
