/* wasmcu glue around a module translated by wasm2c (name prefix "kern"). */
#include <stdint.h>
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
