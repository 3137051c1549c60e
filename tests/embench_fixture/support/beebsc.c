/* A linear congruential generator with 15-bit results (written for wasmcu's tests). */
#include "beebsc.h"
static unsigned long next_value = 0;
int rand_beebs(void)
{
    next_value = (next_value * 1103515245 + 12345) & ((1UL << 31) - 1);
    return (int)(next_value >> 16);
}
void srand_beebs(unsigned int seed) { next_value = seed; }
