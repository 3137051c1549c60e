/* Base64 (RFC 4648, standard alphabet, '=' padding) of WASMCU_N bytes: the little-endian
 * bytes of words from a linear congruential generator seeded with the run-time argument
 * `seed`, encoded in 768-byte chunks (the same text as encoding the whole at once), each
 * chunk decoded back and compared. Returns h = h * 31 + w over the text's little-endian
 * 32-bit words, plus 0x9E3779B9 for every byte the decoder got wrong. */
#include <stdint.h>

#ifndef WASMCU_N
#error "build with -DWASMCU_N=<size>"
#endif

#define CHUNK 768u

static const char ALPHABET[64] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static uint8_t in[CHUNK];
static uint8_t text[CHUNK / 3u * 4u];
static uint8_t back[CHUNK];
static uint8_t rev[256];

static uint32_t encode(const uint8_t *src, uint32_t len, uint8_t *dst)
{
    uint32_t o = 0, i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];
        dst[o++] = (uint8_t)ALPHABET[v >> 18];
        dst[o++] = (uint8_t)ALPHABET[(v >> 12) & 63u];
        dst[o++] = (uint8_t)ALPHABET[(v >> 6) & 63u];
        dst[o++] = (uint8_t)ALPHABET[v & 63u];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)src[i] << 16;
        dst[o++] = (uint8_t)ALPHABET[v >> 18];
        dst[o++] = (uint8_t)ALPHABET[(v >> 12) & 63u];
        dst[o++] = '=';
        dst[o++] = '=';
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8;
        dst[o++] = (uint8_t)ALPHABET[v >> 18];
        dst[o++] = (uint8_t)ALPHABET[(v >> 12) & 63u];
        dst[o++] = (uint8_t)ALPHABET[(v >> 6) & 63u];
        dst[o++] = '=';
    }
    return o;
}

static uint32_t decode(const uint8_t *src, uint32_t len, uint8_t *dst)
{
    uint32_t o = 0;
    for (uint32_t i = 0; i + 4 <= len; i += 4) {
        uint32_t v = (uint32_t)rev[src[i]] << 18 | (uint32_t)rev[src[i + 1]] << 12 |
                     (uint32_t)rev[src[i + 2]] << 6 | rev[src[i + 3]];
        dst[o++] = (uint8_t)(v >> 16);
        if (src[i + 2] != '=')
            dst[o++] = (uint8_t)(v >> 8);
        if (src[i + 3] != '=')
            dst[o++] = (uint8_t)v;
    }
    return o;
}

uint32_t run(uint32_t seed)
{
    for (uint32_t i = 0; i < 64; i++)
        rev[(uint8_t)ALPHABET[i]] = (uint8_t)i;  /* '=' and other bytes stay 0 */
    uint32_t x = seed, w = 0, h = 0, bad = 0;
    for (uint32_t done = 0; done < WASMCU_N; done += CHUNK) {
        uint32_t len = WASMCU_N - done < CHUNK ? WASMCU_N - done : CHUNK;
        for (uint32_t i = 0; i < len; i++) {
            if ((i & 3u) == 0) {
                x = x * 1664525u + 1013904223u;
                w = x;
            }
            in[i] = (uint8_t)(w >> (8 * (i & 3u)));
        }
        uint32_t tlen = encode(in, len, text);
        for (uint32_t i = 0; i < tlen; i += 4)
            h = h * 31u + ((uint32_t)text[i] | (uint32_t)text[i + 1] << 8 | (uint32_t)text[i + 2] << 16 |
                           (uint32_t)text[i + 3] << 24);
        uint32_t blen = decode(text, tlen, back);
        if (blen != len)
            bad += 1;
        for (uint32_t i = 0; i < len && i < blen; i++)
            bad += back[i] != in[i];
    }
    return h + bad * 0x9E3779B9u;
}
