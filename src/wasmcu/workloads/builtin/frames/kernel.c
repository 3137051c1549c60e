/* A byte-stuffed frame protocol, generated and parsed by a state machine. A frame on the
 * wire is 0x7E, the stuffed body, 0x7E; the body is type, length, `length` payload bytes
 * and an 8-bit sum of the bytes before it; stuffing writes 0x7E and 0x7D as 0x7D followed
 * by the byte xor 0x20. WASMCU_N frames come from a linear congruential generator seeded
 * with the run-time argument `seed`: type 0..3, length 0..15, random payload, and one
 * frame in eight has one stuffed byte corrupted (xor a nonzero value), which may turn it
 * into a flag or an escape. The stream is built in a 1 KB buffer and parsed chunk by
 * chunk (a chunk ends after a frame). The parser: the bytes between two flags are a frame
 * if there are any; it is valid when it does not end in an escape, unstuffs to at most 32
 * bytes, at least 3, with length == size - 3 and a matching sum. Returns h = h * 31 + b
 * over each valid frame's type and payload, plus 0x10001 per valid frame and 0x9E3779B9
 * per invalid one. */
#include <stdint.h>

#ifndef WASMCU_N
#error "build with -DWASMCU_N=<size>"
#endif

#define FLAG 0x7Eu
#define ESC 0x7Du
#define CHUNK 1024u
#define MAX_WIRE (2u + 2u * (3u + 15u))  /* flags and a fully stuffed body */
#define MAX_BODY 32u

enum { IDLE, IN, ESCAPED };

static uint8_t wire[CHUNK];

static struct {
    int state;
    uint32_t seen;   /* raw bytes since the last flag */
    uint32_t len;    /* unstuffed bytes kept */
    int overflow;
    uint8_t body[MAX_BODY];
    uint32_t hash, valid, invalid;
} p;

static void finish(void)
{
    int ok = p.state != ESCAPED && !p.overflow && p.len >= 3 && p.body[1] == p.len - 3;
    if (ok) {
        uint32_t sum = 0;
        for (uint32_t i = 0; i + 1 < p.len; i++)
            sum += p.body[i];
        ok = (sum & 0xFFu) == p.body[p.len - 1];
    }
    if (ok) {
        p.valid++;
        p.hash = p.hash * 31u + p.body[0];
        for (uint32_t i = 2; i + 1 < p.len; i++)
            p.hash = p.hash * 31u + p.body[i];
    } else {
        p.invalid++;
    }
}

static void parse(const uint8_t *data, uint32_t size)
{
    for (uint32_t i = 0; i < size; i++) {
        uint8_t b = data[i];
        if (b == FLAG) {
            if (p.state != IDLE && p.seen > 0)
                finish();
            p.state = IN;
            p.seen = p.len = 0;
            p.overflow = 0;
            continue;
        }
        if (p.state == IDLE)
            continue;
        p.seen++;
        if (p.state == IN && b == ESC) {
            p.state = ESCAPED;
            continue;
        }
        if (p.state == ESCAPED) {
            b ^= 0x20u;
            p.state = IN;
        }
        if (p.len < MAX_BODY)
            p.body[p.len++] = b;
        else
            p.overflow = 1;
    }
}

uint32_t run(uint32_t seed)
{
    p.state = IDLE;
    p.seen = p.len = 0;
    p.overflow = 0;
    p.hash = p.valid = p.invalid = 0;
    uint32_t x = seed, used = 0;
    for (uint32_t f = 0; f < WASMCU_N; f++) {
        if (used + MAX_WIRE > CHUNK) {
            parse(wire, used);
            used = 0;
        }
        x = x * 1664525u + 1013904223u;
        uint32_t type = x >> 30, len = (x >> 16) & 15u, corrupt = ((x >> 8) & 7u) == 0;
        uint8_t body[3 + 15];
        body[0] = (uint8_t)type;
        body[1] = (uint8_t)len;
        uint32_t sum = type + len, w = 0;
        for (uint32_t i = 0; i < len; i++) {
            if ((i & 3u) == 0) {
                x = x * 1664525u + 1013904223u;
                w = x;
            }
            body[2 + i] = (uint8_t)(w >> (8 * (i & 3u)));
            sum += body[2 + i];
        }
        body[2 + len] = (uint8_t)sum;
        uint32_t start = used;
        wire[used++] = FLAG;
        for (uint32_t i = 0; i < len + 3; i++) {
            uint8_t b = body[i];
            if (b == FLAG || b == ESC) {
                wire[used++] = ESC;
                wire[used++] = (uint8_t)(b ^ 0x20u);
            } else {
                wire[used++] = b;
            }
        }
        if (corrupt) {
            uint32_t stuffed = used - start - 1;
            x = x * 1664525u + 1013904223u;
            wire[start + 1 + (((x >> 16) * stuffed) >> 16)] ^= (uint8_t)((x >> 24) | 1u);
        }
        wire[used++] = FLAG;
    }
    parse(wire, used);
    return p.hash + p.valid * 0x10001u + p.invalid * 0x9E3779B9u;
}
