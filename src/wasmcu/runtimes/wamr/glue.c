/* wasmcu glue for WAMR (`wamr-classic`, `wamr-fast`): WAMR's embedding API with a
 * fixed heap pool, the module embedded as a C array. Linked with a WAMR static
 * library built with wasmcu's platform layer (see the README). */
#include <stdio.h>
#include <string.h>

#include "wasm_export.h"
#include "wasmcu_fw.h"

extern const unsigned char wasmcu_module[];
extern const unsigned int wasmcu_module_len;

#ifndef WASMCU_WAMR_POOL
#define WASMCU_WAMR_POOL (32 * 1024)   /* module, instance, stacks; linear memory comes from os_mmap (malloc) */
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
    /* WAMR's interpreters read the bytecode in place; the array stays in flash */
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
    function = wasm_runtime_lookup_function(instance, "run");
    if (!function) {
        *error = "the module has no exported function 'run'";
        return 1;
    }
    exec_env = wasm_runtime_create_exec_env(instance, WASMCU_WAMR_STACK);
    if (!exec_env) {
        *error = "out of memory creating the execution environment";
        return 1;
    }
    return 0;
}

int wasmcu_glue_run(uint32_t seed, uint32_t *result, const char **error)
{
    uint32_t argv[2] = {seed, 0};
#ifdef WASMCU_CONTAINMENT
    /* the containment suite calls again after a trap: WAMR keeps the trap on the instance, and
     * an embedder clears it before the next call */
    wasm_runtime_clear_exception(instance);
#endif
    if (!wasm_runtime_call_wasm(exec_env, function, 1, argv)) {
        const char *exc = wasm_runtime_get_exception(instance);
        *error = exc ? exc : "trap";
        return 1;
    }
    *result = argv[0];
    return 0;
}

void wasmcu_glue_report(void)
{
    mem_alloc_info_t info;
    if (wasm_runtime_get_mem_alloc_info(&info))
        printf("@wasmcu pool_bytes=%lu pool_hwm=%lu\n", (unsigned long)info.total_size,
               (unsigned long)info.highmark_size);
}
