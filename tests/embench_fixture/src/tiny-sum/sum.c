/* tiny-sum: the sum of 64 generated numbers, LOCAL_SCALE_FACTOR x GLOBAL_SCALE_FACTOR times. */
#include "support.h"
#define LOCAL_SCALE_FACTOR 4
#define EXPECTED 1042493
static int values[64];

static int __attribute__((noinline)) benchmark_body(int lsf, int gsf)
{
    int sum = 0;
    for (int i = 0; i < lsf; i++)
        for (int j = 0; j < gsf; j++) {
            srand_beebs(7);
            sum = 0;
            for (int k = 0; k < 64; k++) {
                values[k] = rand_beebs();
                sum += values[k];
            }
        }
    return sum;
}

void initialise_benchmark(void) {}
void warm_caches(int heat) { (void)benchmark_body(1, heat); }
int benchmark(void) { return benchmark_body(LOCAL_SCALE_FACTOR, GLOBAL_SCALE_FACTOR); }
int verify_benchmark(int result) { return result == EXPECTED; }
