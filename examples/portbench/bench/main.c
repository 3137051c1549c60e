#include "portbench.h"

pb_u32 pb_main(pb_u32 seed)
{
    int n = PB_SIZE;
    pb_u32 *t = pb_table_make(n, seed);
    if (!t)
        return 0;
    pb_u32 h = 0;
    for (int i = 0; i < n; i++)
        h = h * 31u + t[i];
    h ^= (pb_u32)pb_table_lookups(t, n) << 16;
    h += pb_text_digest(t, n);
    PB_FREE(t);
    return h;
}
