/* wasmcu glue for WAMR (`wamr-classic`, `wamr-fast`, `wamr-aot`) and a module that imports WASI
 * preview 1: the ordinary glue's fixed heap pool and embedding, with wasmcu's WASI layer
 * registered as native functions (wasi_bind.h). The result is the digest of stdout and the exit
 * code. */
#include <stdio.h>
#include <string.h>

#include "wasi_bind.h"
#include "wasmcu_fw.h"

extern const unsigned char wasmcu_module[];
extern const unsigned int wasmcu_module_len;

#ifndef WASMCU_WAMR_POOL
#define WASMCU_WAMR_POOL (32 * 1024)
#endif
#ifndef WASMCU_WAMR_STACK
#define WASMCU_WAMR_STACK 4096
#endif
#ifndef WASMCU_WAMR_KIND
#define WASMCU_WAMR_KIND "wamr"
#endif

const char wasmcu_glue_runtime[] = WASMCU_WAMR_KIND;

static char pool[WASMCU_WAMR_POOL] __attribute__((aligned(8)));
static char errbuf[128];
static wasm_module_inst_t instance;
static wasm_exec_env_t exec_env;
static wasm_function_inst_t function;

int wasmcu_glue_load(const char **error)
{
    RuntimeInitArgs args;
    memset(&args, 0, sizeof args);
    args.mem_alloc_type = Alloc_With_Pool;
    args.mem_alloc_option.pool.heap_buf = pool;
    args.mem_alloc_option.pool.heap_size = sizeof pool;
    if (!wasm_runtime_full_init(&args)) {
        *error = "WAMR runtime initialisation failed";
        return 1;
    }
    if (!wasi_register(wasmcu_module)) {
        *error = "registering the WASI calls failed";
        return 1;
    }
    wasm_module_t module = wasm_runtime_load((uint8_t *)wasmcu_module, wasmcu_module_len, errbuf, sizeof errbuf);
    if (!module) {
        *error = errbuf;
        return 1;
    }
    instance = wasm_runtime_instantiate(module, WASMCU_WAMR_STACK, 0, errbuf, sizeof errbuf);
    if (!instance) {
        *error = errbuf;
        return 1;
    }
    exec_env = wasm_runtime_create_exec_env(instance, WASMCU_WAMR_STACK);
    if (!exec_env) {
        *error = "out of memory creating the execution environment";
        return 1;
    }
#ifdef WASMCU_WASI_REACTOR
    wasm_function_inst_t init = wasm_runtime_lookup_function(instance, "_initialize");
    if (init && !wasi_call(exec_env, instance, init, 0, 0, error))
        return 1;
    function = wasm_runtime_lookup_function(instance, WASMCU_WASI_REACTOR);
#else
    function = wasm_runtime_lookup_function(instance, "_start");
#endif
    if (!function) {
        *error = "the module has no exported entry function";
        return 1;
    }
    return 0;
}

int wasmcu_glue_run(uint32_t seed, uint32_t *result, const char **error)
{
#ifdef WASMCU_WASI_REACTOR
    int with_seed = 1;
#else
    int with_seed = 0;
#endif
    if (!wasi_call(exec_env, instance, function, with_seed, seed, error))
        return 1;
    *result = wasmcu_wasi_result((uint32_t)wasmcu_wasi_exit_code()); /* a kernel's: run's, kept as the exit code */
    return 0;
}

void wasmcu_glue_report(void)
{
    mem_alloc_info_t info;
    if (wasm_runtime_get_mem_alloc_info(&info))
        printf("@wasmcu pool_bytes=%lu pool_hwm=%lu\n", (unsigned long)info.total_size,
               (unsigned long)info.highmark_size);
    wasmcu_wasi_report();
}
