/* AES-128 (FIPS-197) in counter mode (NIST SP 800-38A) over WASMCU_N 16-byte blocks.
 * Key, initial counter block and plaintext are the little-endian bytes of words from a
 * linear congruential generator seeded with the run-time argument `seed`; the counter is
 * the block's last four bytes, big-endian, incremented per block. A byte-oriented
 * implementation as small firmware has it: an S-box table (256 bytes of flash), MixColumns
 * with xtime, the round keys expanded in RAM. Returns h = h * 31 + w over the ciphertext's
 * little-endian 32-bit words. */
#include <stdint.h>

#ifndef WASMCU_N
#error "build with -DWASMCU_N=<size>"
#endif

static const uint8_t SBOX[256] = {
    0x63, 0x7c, 0x77, 0x7b, 0xf2, 0x6b, 0x6f, 0xc5, 0x30, 0x01, 0x67, 0x2b, 0xfe, 0xd7, 0xab, 0x76,
    0xca, 0x82, 0xc9, 0x7d, 0xfa, 0x59, 0x47, 0xf0, 0xad, 0xd4, 0xa2, 0xaf, 0x9c, 0xa4, 0x72, 0xc0,
    0xb7, 0xfd, 0x93, 0x26, 0x36, 0x3f, 0xf7, 0xcc, 0x34, 0xa5, 0xe5, 0xf1, 0x71, 0xd8, 0x31, 0x15,
    0x04, 0xc7, 0x23, 0xc3, 0x18, 0x96, 0x05, 0x9a, 0x07, 0x12, 0x80, 0xe2, 0xeb, 0x27, 0xb2, 0x75,
    0x09, 0x83, 0x2c, 0x1a, 0x1b, 0x6e, 0x5a, 0xa0, 0x52, 0x3b, 0xd6, 0xb3, 0x29, 0xe3, 0x2f, 0x84,
    0x53, 0xd1, 0x00, 0xed, 0x20, 0xfc, 0xb1, 0x5b, 0x6a, 0xcb, 0xbe, 0x39, 0x4a, 0x4c, 0x58, 0xcf,
    0xd0, 0xef, 0xaa, 0xfb, 0x43, 0x4d, 0x33, 0x85, 0x45, 0xf9, 0x02, 0x7f, 0x50, 0x3c, 0x9f, 0xa8,
    0x51, 0xa3, 0x40, 0x8f, 0x92, 0x9d, 0x38, 0xf5, 0xbc, 0xb6, 0xda, 0x21, 0x10, 0xff, 0xf3, 0xd2,
    0xcd, 0x0c, 0x13, 0xec, 0x5f, 0x97, 0x44, 0x17, 0xc4, 0xa7, 0x7e, 0x3d, 0x64, 0x5d, 0x19, 0x73,
    0x60, 0x81, 0x4f, 0xdc, 0x22, 0x2a, 0x90, 0x88, 0x46, 0xee, 0xb8, 0x14, 0xde, 0x5e, 0x0b, 0xdb,
    0xe0, 0x32, 0x3a, 0x0a, 0x49, 0x06, 0x24, 0x5c, 0xc2, 0xd3, 0xac, 0x62, 0x91, 0x95, 0xe4, 0x79,
    0xe7, 0xc8, 0x37, 0x6d, 0x8d, 0xd5, 0x4e, 0xa9, 0x6c, 0x56, 0xf4, 0xea, 0x65, 0x7a, 0xae, 0x08,
    0xba, 0x78, 0x25, 0x2e, 0x1c, 0xa6, 0xb4, 0xc6, 0xe8, 0xdd, 0x74, 0x1f, 0x4b, 0xbd, 0x8b, 0x8a,
    0x70, 0x3e, 0xb5, 0x66, 0x48, 0x03, 0xf6, 0x0e, 0x61, 0x35, 0x57, 0xb9, 0x86, 0xc1, 0x1d, 0x9e,
    0xe1, 0xf8, 0x98, 0x11, 0x69, 0xd9, 0x8e, 0x94, 0x9b, 0x1e, 0x87, 0xe9, 0xce, 0x55, 0x28, 0xdf,
    0x8c, 0xa1, 0x89, 0x0d, 0xbf, 0xe6, 0x42, 0x68, 0x41, 0x99, 0x2d, 0x0f, 0xb0, 0x54, 0xbb, 0x16,
};

static uint8_t rk[176];

static uint8_t xtime(uint8_t v) { return (uint8_t)((v << 1) ^ ((v & 0x80u) ? 0x1Bu : 0u)); }

static void expand_key(const uint8_t key[16])
{
    for (int i = 0; i < 16; i++)
        rk[i] = key[i];
    uint8_t rcon = 1;
    for (int i = 4; i < 44; i++) {
        uint8_t t0 = rk[4 * i - 4], t1 = rk[4 * i - 3], t2 = rk[4 * i - 2], t3 = rk[4 * i - 1];
        if (i % 4 == 0) {
            uint8_t u = t0;
            t0 = (uint8_t)(SBOX[t1] ^ rcon);
            t1 = SBOX[t2];
            t2 = SBOX[t3];
            t3 = SBOX[u];
            rcon = xtime(rcon);
        }
        rk[4 * i] = rk[4 * i - 16] ^ t0;
        rk[4 * i + 1] = rk[4 * i - 15] ^ t1;
        rk[4 * i + 2] = rk[4 * i - 14] ^ t2;
        rk[4 * i + 3] = rk[4 * i - 13] ^ t3;
    }
}

/* state bytes in input order: s[r + 4c] is row r, column c */
static void encrypt_block(uint8_t s[16])
{
    for (int i = 0; i < 16; i++)
        s[i] ^= rk[i];
    for (int round = 1; round <= 10; round++) {
        uint8_t t[16];
        for (int c = 0; c < 4; c++)          /* SubBytes and ShiftRows */
            for (int r = 0; r < 4; r++)
                t[r + 4 * c] = SBOX[s[r + 4 * ((c + r) & 3)]];
        if (round < 10) {
            for (int c = 0; c < 4; c++) {    /* MixColumns */
                uint8_t a0 = t[4 * c], a1 = t[4 * c + 1], a2 = t[4 * c + 2], a3 = t[4 * c + 3];
                uint8_t all = a0 ^ a1 ^ a2 ^ a3;
                s[4 * c] = a0 ^ all ^ xtime(a0 ^ a1);
                s[4 * c + 1] = a1 ^ all ^ xtime(a1 ^ a2);
                s[4 * c + 2] = a2 ^ all ^ xtime(a2 ^ a3);
                s[4 * c + 3] = a3 ^ all ^ xtime(a3 ^ a0);
            }
        } else {
            for (int i = 0; i < 16; i++)
                s[i] = t[i];
        }
        for (int i = 0; i < 16; i++)         /* AddRoundKey */
            s[i] ^= rk[16 * round + i];
    }
}

static uint32_t next(uint32_t *x)
{
    *x = *x * 1664525u + 1013904223u;
    return *x;
}

uint32_t run(uint32_t seed)
{
    uint32_t x = seed;
    uint8_t key[16], ctr[16], ks[16];
    for (int i = 0; i < 16; i += 4) {
        uint32_t w = next(&x);
        for (int k = 0; k < 4; k++)
            key[i + k] = (uint8_t)(w >> (8 * k));
    }
    for (int i = 0; i < 16; i += 4) {
        uint32_t w = next(&x);
        for (int k = 0; k < 4; k++)
            ctr[i + k] = (uint8_t)(w >> (8 * k));
    }
    expand_key(key);
    uint32_t h = 0;
    for (uint32_t blk = 0; blk < WASMCU_N; blk++) {
        for (int i = 0; i < 16; i++)
            ks[i] = ctr[i];
        encrypt_block(ks);
        for (int i = 0; i < 16; i += 4) {
            uint32_t k = (uint32_t)ks[i] | (uint32_t)ks[i + 1] << 8 | (uint32_t)ks[i + 2] << 16 | (uint32_t)ks[i + 3] << 24;
            h = h * 31u + (next(&x) ^ k);
        }
        for (int i = 15; i >= 12; i--)       /* inc32: the last four bytes, big-endian */
            if (++ctr[i] != 0)
                break;
    }
    return h;
}
