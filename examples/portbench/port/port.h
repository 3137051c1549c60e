/* the port layer for wasmcu: the size comes from wasmcu, memory from the C library */
#ifndef PORT_H
#define PORT_H
#include <stdint.h>
#include <stdlib.h>

typedef uint32_t pb_u32;
#define PB_SIZE WASMCU_N
#define PB_ALLOC malloc
#define PB_FREE free
pb_u32 pb_seed_next(pb_u32 seed);
#endif
