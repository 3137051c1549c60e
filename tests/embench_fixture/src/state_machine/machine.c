/* state_machine: globals named `time` and `step`, as in Embench's statemate; no check (-1). */
#include "support.h"
#define LOCAL_SCALE_FACTOR 3
unsigned long time;
char step;
static int state;

static int __attribute__((noinline)) benchmark_body(int lsf, int gsf)
{
    int out = 0;
    for (int i = 0; i < lsf * gsf; i++) {
        time = 0;
        state = 0;
        for (step = 0; step < 100; step++) {
            time += (unsigned long)step * 3u;
            state = (state * 5 + (int)(time & 7)) % 1009;
        }
        out += state;
    }
    return out;
}

void initialise_benchmark(void) { time = 0; step = 0; }
void warm_caches(int heat) { (void)benchmark_body(1, heat); }
int benchmark(void) { return benchmark_body(LOCAL_SCALE_FACTOR, GLOBAL_SCALE_FACTOR); }
int verify_benchmark(int result) { (void)result; return -1; }
