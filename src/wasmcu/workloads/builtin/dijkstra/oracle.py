"""Independent Python oracle for the dijkstra kernel: adjacency lists and a binary heap (heapq)."""

import heapq

MASK = 0xFFFFFFFF
INF = 0xFFFFFFFF


def graph(n: int, seed: int) -> list[dict[int, int]]:
    """adj[u][v] = weight of the edge u -> v."""
    x = seed
    adj: list[dict[int, int]] = [{} for _ in range(n)]
    for i in range(n):
        for j in range(n):
            x = (x * 1664525 + 1013904223) & MASK
            if i != j and x >> 29 == 0:
                adj[i][j] = 1 + ((x >> 16) & 0xFF)
    for i in range(n):
        adj[i][(i + 1) % n] = 1000
    return adj


def shortest(adj: list[dict[int, int]], s: int) -> list[int]:
    dist = [INF] * len(adj)
    dist[s] = 0
    heap = [(0, s)]
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        for v, w in adj[u].items():
            if d + w < dist[v]:
                dist[v] = d + w
                heapq.heappush(heap, (d + w, v))
    return dist


def checksum(n: int, seed: int) -> int:
    adj = graph(n, seed)
    h = 0
    for s in range(n):
        for d in shortest(adj, s):
            h = (h * 31 + d) & MASK
    return h
