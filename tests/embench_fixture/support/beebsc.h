/* A small generator, as the benchmarks' support library provides one (written for the tests). */
#ifndef BEEBSC_H
#define BEEBSC_H
int rand_beebs(void);
void srand_beebs(unsigned int seed);
#endif
