/* CRC-32 (IEEE 802.3: reflected, polynomial 0xEDB88320, initial value and final xor
 * 0xFFFFFFFF), table-driven, over WASMCU_N bytes: the little-endian bytes of words from a
 * linear congruential generator seeded with the run-time argument `seed`. The 256-entry
 * table is built at run time in RAM (1 KB). Returns the CRC. */
#include <stdint.h>

#ifndef WASMCU_N
#error "build with -DWASMCU_N=<size>"
#endif

static uint32_t table[256];

uint32_t run(uint32_t seed)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
        table[i] = c;
    }
    uint32_t crc = 0xFFFFFFFFu, x = seed, w = 0;
    for (uint32_t i = 0; i < WASMCU_N; i++) {
        if ((i & 3u) == 0) {
            x = x * 1664525u + 1013904223u;
            w = x;
        }
        crc = table[(crc ^ w) & 0xFFu] ^ (crc >> 8);
        w >>= 8;
    }
    return ~crc;
}
