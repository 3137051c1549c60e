/* wasmcu's timing protocol (see wasmcu/runtimes/base.py) for WAMR.
 *
 * wasmcu's host embedding program for WAMR: load and instantiate a module (wasm or
 * AOT) with WAMR's embedding API, time load and calls separately, print JSON.
 * usage: wamr_bench MODULE REPEAT WARMUP LOAD_REPEAT MIN_SAMPLE_US MIN_WARMUP_S
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasm_export.h"
#include "host_program.h"

static wasm_exec_env_t call_env;
static wasm_function_inst_t call_fn;
static wasm_module_inst_t call_inst;

static uint32_t call(uint32_t seed)
{
    uint32_t args[2] = {seed, 0};
    if (!wasm_runtime_call_wasm(call_env, call_fn, 1, args))
        fail("trap", wasm_runtime_get_exception(call_inst));
    return args[0];
}

int main(int argc, char **argv)
{
    if (argc < 8) {
        fprintf(stderr, "usage: %s MODULE REPEAT WARMUP LOAD_REPEAT MIN_SAMPLE_US MIN_WARMUP_S SEED [once]\n", argv[0]);
        return 2;
    }
    int repeat = atoi(argv[2]), warmup = atoi(argv[3]), load_repeat = atoi(argv[4]);
    double min_sample = atof(argv[5]), min_warmup = atof(argv[6]) * 1e6;
    uint32_t seed = (uint32_t)strtoul(argv[7], NULL, 0);
    char err[256];
    uint32_t size;
    uint8_t *bytes = read_file(argv[1], &size);
    if (!wasm_runtime_init())
        fail("runtime", "wasm_runtime_init failed");

    double load_us[64];
    int nload = load_repeat < 1 ? 1 : (load_repeat > 64 ? 64 : load_repeat);
    wasm_module_t module = NULL;
    wasm_module_inst_t inst = NULL;
    wasm_exec_env_t env = NULL;
    wasm_function_inst_t fn = NULL;
    uint8_t *copy = malloc(size);
    for (int i = 0; i < nload; i++) {
        if (env) {
            wasm_runtime_destroy_exec_env(env);
            wasm_runtime_deinstantiate(inst);
            wasm_runtime_unload(module);
        }
        memcpy(copy, bytes, size); /* WAMR may modify the buffer it loads from */
        double t0 = now_us();
        module = wasm_runtime_load(copy, size, err, sizeof err);
        if (!module)
            fail("load", err);
        inst = wasm_runtime_instantiate(module, 64 * 1024, 0, err, sizeof err);
        if (!inst)
            fail("instantiate", err);
        fn = wasm_runtime_lookup_function(inst, "run");
        if (!fn)
            fail("load", "the module has no exported function 'run'");
        env = wasm_runtime_create_exec_env(inst, 64 * 1024);
        if (!env)
            fail("instantiate", "cannot create the execution environment");
        load_us[i] = now_us() - t0;
    }

    call_env = env, call_fn = fn, call_inst = inst;
    return time_calls(call, seed, argc > 8 && strcmp(argv[8], "once") == 0, repeat, warmup, min_sample, min_warmup,
                      load_us, nload);
}
