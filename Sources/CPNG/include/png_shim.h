// Thin C shim over libpng's classic API: libpng reports errors by longjmp, which Swift cannot
// catch, so the setjmp lives here. Pixels are interleaved, 8- or 16-bit (host byte order).
#ifndef FD_PNG_SHIM_H
#define FD_PNG_SHIM_H

#include <stddef.h>

typedef struct fd_png_image {
    unsigned width;
    unsigned height;
    unsigned channels;   // 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA
    unsigned bit_depth;  // 8 or 16
    unsigned char *pixels;  // width*height*channels*(bit_depth/8) bytes, malloc'd
} fd_png_image;

/// Decodes a PNG held in memory. Palette and low-bit-depth images expand to 8 bits, tRNS to an
/// alpha channel. Returns 0 on success, else non-zero with a message in `error`.
int fd_png_decode(const unsigned char *data, size_t size, fd_png_image *out, char *error, size_t error_capacity);

/// Encodes interleaved pixels as PNG into a malloc'd buffer (no time or text chunks).
int fd_png_encode(const unsigned char *pixels, unsigned width, unsigned height, unsigned channels,
                  unsigned bit_depth, unsigned char **out, size_t *out_size, char *error, size_t error_capacity);

void fd_png_free(void *pointer);

/// libpng's version string, e.g. "1.6.39".
const char *fd_png_version(void);

#endif
