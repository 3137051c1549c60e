/* wasmcu glue for the `wasm2c` runtime on a board: the module translated to C by wabt's
 * wasm2c (name prefix "kern"), compiled with the board's compiler together with wabt's
 * runtime. Memory accesses are bounds-checked in code (no guard pages on a
 * microcontroller); a trap returns here through longjmp. */
#include <stdint.h>

#include "kern.h"
#include "wasm-rt-impl.h"
#include "wasmcu_fw.h"

const char wasmcu_glue_runtime[] = "wasm2c";

static Z_kern_instance_t instance;

int wasmcu_glue_load(const char **error)
{
    wasm_rt_init();
    wasm_rt_trap_t code = wasm_rt_impl_try();
    if (code != WASM_RT_TRAP_NONE) {
        *error = wasm_rt_strerror(code);
        return 1;
    }
    Z_kern_init_module();
    Z_kern_instantiate(&instance);
    return 0;
}

int wasmcu_glue_run(uint32_t seed, uint32_t *result, const char **error)
{
    wasm_rt_trap_t code = wasm_rt_impl_try();
    if (code != WASM_RT_TRAP_NONE) {
        *error = wasm_rt_strerror(code);
        return 1;
    }
    *result = Z_kernZ_run(&instance, seed);
    return 0;
}
