/* wasmcu glue around a module translated by wasm2c (name prefix "kern"). */
#include <stdint.h>
#include <time.h>
#include "wasm-rt-impl.h"
#include "kern.h"

static Z_kern_instance_t instance;

int wasmcu_init(void)
{
    wasm_rt_init();
    wasm_rt_trap_t code = wasm_rt_impl_try();
    if (code != 0)
        return (int)code;
    Z_kern_init_module();
    Z_kern_instantiate(&instance);
    return 0;
}

/* returns 0 and the kernel's result in *out, or the trap code */
int wasmcu_run(uint32_t seed, uint32_t *out)
{
    wasm_rt_trap_t code = wasm_rt_impl_try();
    if (code != 0)
        return (int)code;
    *out = Z_kernZ_run(&instance, seed);
    return 0;
}

const char *wasmcu_strerror(int code)
{
    return wasm_rt_strerror((wasm_rt_trap_t)code);
}

/* wasmcu's timing loop inside the program (see wasmcu/runtimes/base.py): n calls timed
 * together, each result compared with `expect`. Returns 0 or the trap code. */
int wasmcu_run_loop(uint32_t seed, uint32_t expect, uint32_t n, uint64_t *ns, uint32_t *bad, uint32_t *got)
{
    struct timespec t0, t1;
    wasm_rt_trap_t code = wasm_rt_impl_try();
    if (code != 0)
        return (int)code;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = Z_kernZ_run(&instance, seed);
        if (r != expect && !*bad) {
            *bad = 1;
            *got = r;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    *ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)(t1.tv_nsec - t0.tv_nsec);
    return 0;
}
