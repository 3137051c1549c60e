#include <stdlib.h>
#include "portbench.h"

static int pb_compare(const void *a, const void *b)
{
    pb_u32 x = *(const pb_u32 *)a, y = *(const pb_u32 *)b;
    return (x > y) - (x < y);
}

pb_u32 *pb_table_make(int n, pb_u32 seed)
{
    pb_u32 *t = PB_ALLOC(n * sizeof *t);
    if (!t)
        return 0;
    for (int i = 0; i < n; i++) {
        seed = pb_seed_next(seed);
        t[i] = (seed >> 8) * PB_SCALE;
    }
    qsort(t, n, sizeof *t, pb_compare);
    return t;
}

int pb_table_lookups(const pb_u32 *table, int n)
{
    int found = 0;
    for (int i = 0; i < n; i += 3) {
        pb_u32 key = table[i];
        found += bsearch(&key, table, n, sizeof *table, pb_compare) != 0;
        key += 1;
        found += bsearch(&key, table, n, sizeof *table, pb_compare) != 0;
    }
    return found;
}
