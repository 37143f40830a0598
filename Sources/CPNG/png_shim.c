#include "png_shim.h"

#include <libdeflate.h>
#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *message;
    size_t capacity;
    const unsigned char *data;
    size_t size, offset;
    unsigned char *out;
    size_t out_size, out_capacity;
} shim_state;

static void on_error(png_structp png, png_const_charp message) {
    shim_state *s = (shim_state *)png_get_error_ptr(png);
    snprintf(s->message, s->capacity, "%s", message);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp message) { (void)png; (void)message; }

static void read_memory(png_structp png, png_bytep dst, png_size_t n) {
    shim_state *s = (shim_state *)png_get_io_ptr(png);
    if (n > s->size - s->offset) png_error(png, "file is truncated");
    memcpy(dst, s->data + s->offset, n);
    s->offset += n;
}

static void write_memory(png_structp png, png_bytep src, png_size_t n) {
    shim_state *s = (shim_state *)png_get_io_ptr(png);
    if (s->out_size + n > s->out_capacity) {
        size_t cap = s->out_capacity ? s->out_capacity * 2 : 65536;
        while (cap < s->out_size + n) cap *= 2;
        unsigned char *grown = realloc(s->out, cap);
        if (!grown) png_error(png, "out of memory");
        s->out = grown;
        s->out_capacity = cap;
    }
    memcpy(s->out + s->out_size, src, n);
    s->out_size += n;
}

static void flush_memory(png_structp png) { (void)png; }

int fd_png_decode(const unsigned char *data, size_t size, fd_png_image *out, char *error, size_t cap) {
    shim_state s = {error, cap, data, size, 0, NULL, 0, 0};
    memset(out, 0, sizeof *out);
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) { snprintf(error, cap, "not a PNG signature"); return 1; }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &s, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) { png_destroy_read_struct(&png, &info, NULL); snprintf(error, cap, "out of memory"); return 2; }
    /* volatile: set after setjmp and read after a longjmp into it (else the error path can see a
       stale NULL and leak the rows; found by fuzzing). */
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        free(out->pixels);
        out->pixels = NULL;
        png_destroy_read_struct(&png, &info, NULL);
        return 1;
    }
    png_set_read_fn(png, &s, read_memory);
    png_set_user_limits(png, 65535, 65535);
    png_read_info(png, info);
    int color = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (depth == 16) png_set_swap(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    out->width = png_get_image_width(png, info);
    out->height = png_get_image_height(png, info);
    out->channels = png_get_channels(png, info);
    out->bit_depth = png_get_bit_depth(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    out->pixels = malloc(row_bytes * out->height);
    rows = malloc(sizeof(png_bytep) * out->height);
    if (!out->pixels || !rows) png_error(png, "out of memory");
    for (unsigned y = 0; y < out->height; ++y) rows[y] = out->pixels + y * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

/* PNG writing is ours, not libpng's: the filtered rows (the Up filter alone) are compressed in
   one call by libdeflate, whose level 1 matched zlib level 2 on the pipeline's maps for less than
   half the time (docs/benchmarks.md, `bench reconstruct`); libpng can only drive zlib. The file is
   the signature, IHDR, one IDAT and IEND: no time or text chunks, so the bytes depend only on the
   pixels. */
static void put32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Writes a chunk of `length` data bytes already at p + 8: its length, type and CRC. */
static size_t finish_chunk(unsigned char *p, const char *type, size_t length) {
    put32(p, (uint32_t)length);
    memcpy(p + 4, type, 4);
    put32(p + 8 + length, (uint32_t)libdeflate_crc32(0, p + 4, length + 4));
    return length + 12;
}

int fd_png_encode(const unsigned char *pixels, unsigned width, unsigned height, unsigned channels,
                  unsigned bit_depth, unsigned char **out, size_t *out_size, char *error, size_t cap) {
    static const unsigned char types[] = {0, 0, 4, 2, 6}; /* grey, grey+alpha, RGB, RGBA */
    static const unsigned char signature[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    *out = NULL;
    *out_size = 0;
    if (channels < 1 || channels > 4 || (bit_depth != 8 && bit_depth != 16) || width == 0 || height == 0 ||
        width > 0x7fffffffu || height > 0x7fffffffu) {
        snprintf(error, cap, "unsupported shape %ux%ux%u at %u bits", width, height, channels, bit_depth);
        return 1;
    }
    size_t row_bytes = (size_t)width * channels * (bit_depth / 8);
    size_t filtered_size = (row_bytes + 1) * height;
    unsigned char *filtered = malloc(filtered_size);
    struct libdeflate_compressor *compressor = libdeflate_alloc_compressor(1);
    if (!filtered || !compressor) {
        free(filtered);
        libdeflate_free_compressor(compressor);
        snprintf(error, cap, "out of memory");
        return 2;
    }
    const unsigned short probe = 1;
    int swap = bit_depth == 16 && *(const unsigned char *)&probe == 1; /* PNG's samples are big-endian */
    for (unsigned y = 0; y < height; ++y) {
        const unsigned char *row = pixels + (size_t)y * row_bytes;
        const unsigned char *above = y ? row - row_bytes : NULL;
        unsigned char *dst = filtered + (size_t)y * (row_bytes + 1);
        dst[0] = 2; /* Up */
        for (size_t i = 0; i < row_bytes; ++i) {
            size_t k = swap ? (i ^ 1) : i;
            dst[1 + i] = (unsigned char)(row[k] - (above ? above[k] : 0));
        }
    }
    size_t bound = libdeflate_zlib_compress_bound(compressor, filtered_size);
    unsigned char *file = malloc(8 + 25 + 12 + bound + 12);
    if (!file) {
        free(filtered);
        libdeflate_free_compressor(compressor);
        snprintf(error, cap, "out of memory");
        return 2;
    }
    size_t at = 0;
    memcpy(file, signature, 8);
    at += 8;
    put32(file + at + 8, width);
    put32(file + at + 12, height);
    file[at + 16] = (unsigned char)bit_depth;
    file[at + 17] = types[channels];
    file[at + 18] = 0; /* deflate */
    file[at + 19] = 0; /* adaptive filtering (each row names its filter) */
    file[at + 20] = 0; /* not interlaced */
    at += finish_chunk(file + at, "IHDR", 13);
    size_t packed = libdeflate_zlib_compress(compressor, filtered, filtered_size, file + at + 8, bound);
    free(filtered);
    libdeflate_free_compressor(compressor);
    if (packed == 0) {
        free(file);
        snprintf(error, cap, "compression failed");
        return 1;
    }
    at += finish_chunk(file + at, "IDAT", packed);
    at += finish_chunk(file + at, "IEND", 0);
    *out = file;
    *out_size = at;
    return 0;
}

void fd_png_free(void *pointer) { free(pointer); }

const char *fd_png_version(void) { return png_get_libpng_ver(NULL); }
