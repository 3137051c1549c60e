/* Dijkstra's shortest paths from every node of a directed graph of WASMCU_N nodes, held
 * as an adjacency matrix of 16-bit weights (0: no edge): about one edge in eight, weights
 * 1..256, plus a ring i -> i+1 of weight 1000 so every node is reachable, all from a linear
 * congruential generator seeded with the run-time argument `seed`. The O(n^2) array form
 * (a linear scan for the nearest node, no heap), as small firmware has it. Returns
 * h = h * 31 + d over the distances, source by source. */
#include <stdint.h>

#ifndef WASMCU_N
#error "build with -DWASMCU_N=<size>"
#endif

#define INF 0xFFFFFFFFu

static uint16_t w[WASMCU_N][WASMCU_N];
static uint32_t dist[WASMCU_N];
static uint32_t done[WASMCU_N];  /* done[v] == mark: v is settled in this search (nothing to clear) */
static uint32_t epoch;          /* one mark per search, across calls */

uint32_t run(uint32_t seed)
{
    uint32_t x = seed;
    for (uint32_t i = 0; i < WASMCU_N; i++)
        for (uint32_t j = 0; j < WASMCU_N; j++) {
            x = x * 1664525u + 1013904223u;
            w[i][j] = (i != j && (x >> 29) == 0) ? (uint16_t)(1u + ((x >> 16) & 0xFFu)) : 0;
        }
    for (uint32_t i = 0; i < WASMCU_N; i++)
        w[i][(i + 1) % WASMCU_N] = 1000;
    uint32_t h = 0;
    for (uint32_t s = 0; s < WASMCU_N; s++) {
        uint32_t mark = ++epoch;
        for (uint32_t v = 0; v < WASMCU_N; v++)
            dist[v] = v == s ? 0 : INF;
        for (uint32_t step = 0; step < WASMCU_N; step++) {
            uint32_t u = WASMCU_N, best = INF;
            for (uint32_t v = 0; v < WASMCU_N; v++)
                if (done[v] != mark && dist[v] < best) {
                    best = dist[v];
                    u = v;
                }
            if (u == WASMCU_N)
                break;
            done[u] = mark;
            for (uint32_t v = 0; v < WASMCU_N; v++) {
                uint32_t wt = w[u][v];
                if (wt != 0 && best + wt < dist[v])
                    dist[v] = best + wt;
            }
        }
        for (uint32_t v = 0; v < WASMCU_N; v++)
            h = h * 31u + dist[v];
    }
    return h;
}
