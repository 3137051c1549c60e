/* wasmcu glue for the `wasm2c` runtime on a board and a module that imports WASI preview 1:
 * wasmcu's WASI layer bound to the translated module (wasi_bind.h). The result is the digest of
 * stdout and the exit code. */
#include <stdint.h>

#include "wasi_bind.h"
#include "wasmcu_fw.h"

const char wasmcu_glue_runtime[] = "wasm2c";

static Z_kern_instance_t instance;

int wasmcu_glue_load(const char **error)
{
    wasm_rt_init();
    wasm_rt_trap_t code = wasi_instantiate(&instance);
    if (code != WASM_RT_TRAP_NONE) {
        *error = wasm_rt_strerror(code);
        return 1;
    }
    return 0;
}

int wasmcu_glue_run(uint32_t seed, uint32_t *result, const char **error)
{
    wasm_rt_trap_t code = wasi_run(&instance, seed);
    if (code != WASM_RT_TRAP_NONE) {
        *error = wasm_rt_strerror(code);
        return 1;
    }
    *result = wasmcu_wasi_result((uint32_t)wasmcu_wasi_exit_code()); /* a kernel's: run's, kept as the exit code */
    return 0;
}

void wasmcu_glue_report(void)
{
    wasmcu_wasi_report();
}
