/* The benchmark API of an Embench-shaped tree (written for wasmcu's tests). */
#ifndef SUPPORT_H
#define SUPPORT_H
void initialise_board(void);
void start_trigger(void);
void stop_trigger(void);
void initialise_benchmark(void);
void warm_caches(int temperature);
int benchmark(void) __attribute__((noinline));
int verify_benchmark(int result);
#include "beebsc.h"
#endif
