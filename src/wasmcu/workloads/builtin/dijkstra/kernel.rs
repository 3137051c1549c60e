// Dijkstra's shortest paths from every node of a directed graph of `super::N` nodes, held
// as an adjacency matrix of 16-bit weights (0: no edge): about one edge in eight, weights
// 1..256, plus a ring i -> i+1 of weight 1000 so every node is reachable, all from a linear
// congruential generator seeded with the run-time argument `seed`. The O(n^2) array form
// (a linear scan for the nearest node, no heap), as small firmware has it. Returns
// h = h * 31 + d over the distances, source by source.

const N: usize = super::N;
const INF: u32 = u32::MAX;

struct Graph {
    w: [[u16; N]; N],
    dist: [u32; N],
    done: [u32; N], // done[v] == mark: v is settled in this search (nothing to clear)
    epoch: u32,     // one mark per search, across calls
}

static mut G: Graph = Graph { w: [[0; N]; N], dist: [0; N], done: [0; N], epoch: 0 };

pub fn run(seed: u32) -> u32 {
    // Single-threaded kernel: no other reference to G exists.
    let g = unsafe { &mut *core::ptr::addr_of_mut!(G) };
    let mut x = seed;
    for i in 0..N {
        for j in 0..N {
            x = x.wrapping_mul(1664525).wrapping_add(1013904223);
            g.w[i][j] = if i != j && (x >> 29) == 0 { (1 + ((x >> 16) & 0xFF)) as u16 } else { 0 };
        }
    }
    for i in 0..N {
        g.w[i][(i + 1) % N] = 1000;
    }
    let mut h = 0u32;
    for s in 0..N {
        g.epoch = g.epoch.wrapping_add(1);
        let mark = g.epoch;
        for (v, d) in g.dist.iter_mut().enumerate() {
            *d = if v == s { 0 } else { INF };
        }
        for _ in 0..N {
            let (mut u, mut best) = (N, INF);
            for v in 0..N {
                if g.done[v] != mark && g.dist[v] < best {
                    best = g.dist[v];
                    u = v;
                }
            }
            if u == N {
                break;
            }
            g.done[u] = mark;
            let row = &g.w[u];
            for (d, &wt) in g.dist.iter_mut().zip(row.iter()) {
                if wt != 0 && best + (wt as u32) < *d {
                    *d = best + (wt as u32);
                }
            }
        }
        for &d in g.dist.iter() {
            h = h.wrapping_mul(31).wrapping_add(d);
        }
    }
    h
}
