/* LZSS compression of WASMCU_N bytes of generated text (words from a 16-word vocabulary
 * picked by a linear congruential generator seeded with the run-time argument `seed`,
 * some followed by a digit), then decompression and a byte-for-byte check.
 * Format: a flag byte before every 8 items (bit i set: item i is a match, least
 * significant bit first); a literal is one byte, a match two: the distance back (1..128)
 * and the length minus 3 (lengths 3..34). Greedy parsing; at each position the longest
 * match within the window, the nearest one on ties. Returns h = h * 31 + b over the
 * compressed bytes, then h = h * 31 + their count, plus 0x9E3779B9 for every byte the
 * round trip got wrong. */
#include <stdint.h>

#ifndef WASMCU_N
#error "build with -DWASMCU_N=<size>"
#endif

#define WINDOW 128u
#define MIN_MATCH 3u
#define MAX_MATCH 34u

static const char WORDS[16][10] = {
    "sensor", "value", "temp", "=", " ", "ok", "alarm", ",", "id", ":", "humidity", "\n", "battery",
    "low", "high", "reading",
};

static uint8_t text[WASMCU_N];
static uint8_t packed[WASMCU_N + WASMCU_N / 8u + 2u];
static uint8_t back[WASMCU_N];

static uint32_t compress(void)
{
    uint32_t o = 0, flag = 0, bit = 0, i = 0;
    while (i < WASMCU_N) {
        if (bit == 0) {
            flag = o++;
            packed[flag] = 0;
        }
        uint32_t maxlen = WASMCU_N - i < MAX_MATCH ? WASMCU_N - i : MAX_MATCH;
        uint32_t best = 0, dist = 0;
        if (maxlen >= MIN_MATCH) {
            uint32_t reach = i < WINDOW ? i : WINDOW;
            for (uint32_t d = 1; d <= reach; d++) {
                const uint8_t *p = text + i - d, *q = text + i;
                uint32_t len = 0;
                while (len < maxlen && p[len] == q[len])
                    len++;
                if (len > best) {
                    best = len;
                    dist = d;
                    if (len == maxlen)
                        break;
                }
            }
        }
        if (best >= MIN_MATCH) {
            packed[flag] = (uint8_t)(packed[flag] | (1u << bit));
            packed[o++] = (uint8_t)dist;
            packed[o++] = (uint8_t)(best - MIN_MATCH);
            i += best;
        } else {
            packed[o++] = text[i++];
        }
        bit = (bit + 1) & 7u;
    }
    return o;
}

static uint32_t decompress(uint32_t len)
{
    uint32_t i = 0, o = 0;
    while (i < len) {
        uint32_t flags = packed[i++];
        for (uint32_t bit = 0; bit < 8 && i < len; bit++) {
            if ((flags >> bit) & 1u) {
                uint32_t d = packed[i], n = packed[i + 1] + MIN_MATCH;
                i += 2;
                for (uint32_t k = 0; k < n && o < WASMCU_N && d <= o; k++, o++)
                    back[o] = back[o - d];
            } else if (o < WASMCU_N) {
                back[o++] = packed[i++];
            } else {
                i++;
            }
        }
    }
    return o;
}

uint32_t run(uint32_t seed)
{
    uint32_t x = seed, n = 0;
    while (n < WASMCU_N) {
        x = x * 1664525u + 1013904223u;
        const char *word = WORDS[x >> 28];
        for (uint32_t k = 0; word[k] != 0 && n < WASMCU_N; k++)
            text[n++] = (uint8_t)word[k];
        if (((x >> 16) & 3u) == 0 && n < WASMCU_N)
            text[n++] = (uint8_t)('0' + ((x >> 8) & 7u));
    }
    uint32_t len = compress();
    uint32_t h = 0;
    for (uint32_t i = 0; i < len; i++)
        h = h * 31u + packed[i];
    h = h * 31u + len;
    uint32_t got = decompress(len), bad = got != WASMCU_N;
    for (uint32_t i = 0; i < got; i++)
        bad += back[i] != text[i];
    return h + bad * 0x9E3779B9u;
}
