/* portbench: a small table benchmark. The port layer (port.h, written per platform)
 * supplies pb_u32, PB_ALLOC/PB_FREE and pb_seed_next(). */
#ifndef PORTBENCH_H
#define PORTBENCH_H
#include "port.h"

pb_u32 *pb_table_make(int n, pb_u32 seed);
int pb_table_lookups(const pb_u32 *table, int n);
pb_u32 pb_text_digest(const pb_u32 *table, int n);
pb_u32 pb_main(pb_u32 seed);
#endif
