/* SHA-256 (FIPS 180-4) of a WASMCU_N-byte message: the little-endian bytes of words from a
 * linear congruential generator seeded with the run-time argument `seed`, hashed block by
 * block as they are generated (no message buffer). Returns the first four bytes of the
 * digest as a big-endian word. */
#include <stdint.h>

#ifndef WASMCU_N
#error "build with -DWASMCU_N=<size>"
#endif

static const uint32_t K[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

static uint32_t H[8];
static uint32_t W[64];

static uint32_t ror(uint32_t v, int r) { return (v >> r) | (v << (32 - r)); }

static uint32_t bswap(uint32_t v)
{
    return (v >> 24) | ((v >> 8) & 0xFF00u) | ((v << 8) & 0xFF0000u) | (v << 24);
}

/* one 64-byte block, its 16 big-endian words already in W[0..15] */
static void compress(void)
{
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = ror(W[t - 15], 7) ^ ror(W[t - 15], 18) ^ (W[t - 15] >> 3);
        uint32_t s1 = ror(W[t - 2], 17) ^ ror(W[t - 2], 19) ^ (W[t - 2] >> 10);
        W[t] = W[t - 16] + s0 + W[t - 7] + s1;
    }
    uint32_t a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
    for (int t = 0; t < 64; t++) {
        uint32_t t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + W[t];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    H[0] += a; H[1] += b; H[2] += c; H[3] += d;
    H[4] += e; H[5] += f; H[6] += g; H[7] += h;
}

uint32_t run(uint32_t seed)
{
    H[0] = 0x6a09e667u; H[1] = 0xbb67ae85u; H[2] = 0x3c6ef372u; H[3] = 0xa54ff53au;
    H[4] = 0x510e527fu; H[5] = 0x9b05688cu; H[6] = 0x1f83d9abu; H[7] = 0x5be0cd19u;
    uint32_t x = seed;
    uint32_t full = WASMCU_N / 64u;
    for (uint32_t blk = 0; blk < full; blk++) {
        for (int t = 0; t < 16; t++) {
            x = x * 1664525u + 1013904223u;
            W[t] = bswap(x);  /* message bytes are the generator's little-endian bytes */
        }
        compress();
    }
    /* the last partial block, the 0x80 byte, zeros and the bit length: one or two blocks */
    uint32_t rest = WASMCU_N % 64u;
    uint32_t blocks = rest < 56u ? 1u : 2u;
    uint64_t bits = (uint64_t)WASMCU_N * 8u;
    uint32_t word = 0;
    for (uint32_t blk = 0; blk < blocks; blk++) {
        for (uint32_t t = 0; t < 16; t++) {
            uint32_t v = 0;
            for (uint32_t k = 0; k < 4; k++) {
                uint32_t i = blk * 64u + t * 4u + k;  /* byte index within the tail */
                uint32_t byte;
                if (i < rest) {
                    if ((i & 3u) == 0) {
                        x = x * 1664525u + 1013904223u;
                        word = x;
                    }
                    byte = (word >> (8 * (i & 3u))) & 0xFFu;
                } else if (i == rest) {
                    byte = 0x80u;
                } else if (i >= blocks * 64u - 8u) {
                    byte = (uint32_t)(bits >> (8 * (blocks * 64u - 1u - i))) & 0xFFu;
                } else {
                    byte = 0;
                }
                v = (v << 8) | byte;
            }
            W[t] = v;
        }
        compress();
    }
    return H[0];
}
