/* CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor)
 * over the little-endian bytes of WASMCU_N 32-bit integers from a generator
 * seeded with the run-time argument `seed` (bitwise heavy). Returns the CRC. */
#include <stdint.h>

#ifndef WASMCU_N
#error "build with -DWASMCU_N=<size>"
#endif

static uint32_t data[WASMCU_N];

uint32_t run(uint32_t seed)
{
    uint32_t x = seed;
    for (uint32_t i = 0; i < WASMCU_N; i++) {
        x = x * 1664525u + 1013904223u;
        data[i] = x;
    }
    uint16_t crc = 0xFFFFu;
    for (uint32_t i = 0; i < WASMCU_N; i++) {
        uint32_t w = data[i];
        for (int k = 0; k < 4; k++) {
            crc ^= (uint16_t)((w >> (8 * k)) & 0xFFu) << 8;
            for (int b = 0; b < 8; b++) {
                if (crc & 0x8000u)
                    crc = (uint16_t)((crc << 1) ^ 0x1021u);
                else
                    crc = (uint16_t)(crc << 1);
            }
        }
    }
    return crc ^ 0xFFFFu; /* the next version (kernel_next.c, for the delta-update figures): a final XOR */
}
