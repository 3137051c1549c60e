#include "port.h"

/* the benchmark's pseudo-random sequence: a 32-bit LCG (Numerical Recipes' constants) */
pb_u32 pb_seed_next(pb_u32 seed) { return seed * 1664525u + 1013904223u; }
