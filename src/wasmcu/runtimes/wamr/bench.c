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

    uint32_t args[2];
#define CALL()                                                              \
    do {                                                                    \
        args[0] = seed;                                                     \
        if (!wasm_runtime_call_wasm(env, fn, 1, args))                      \
            fail("trap", wasm_runtime_get_exception(inst));                 \
    } while (0)

    if (argc > 8 && strcmp(argv[8], "once") == 0) { /* a run-once kernel: one call in this fresh instance */
        double t0 = now_us();
        CALL();
        double t1 = now_us();
        printf("{\"checksum\": %lu, \"calls_per_sample\": 1, \"samples_us\": [%.4f], \"load_samples_us\": [%.3f]}\n",
               (unsigned long)args[0], t1 - t0, load_us[0]);
        return 0;
    }
    CALL();
    uint32_t first = args[0];
    double deadline = now_us() + min_warmup;
    for (int i = 0; i < warmup || now_us() < deadline; i++) {
        CALL();
        if (args[0] != first)
            fail("not-repeatable", "the kernel returned another result when called again in the same instance");
    }
    double t0 = now_us();
    CALL();
    double one = now_us() - t0;
    if (one < 0.01)
        one = 0.01;
    int inner = one < min_sample ? (int)(min_sample / one) + 1 : 1;
    if (inner > 10000)
        inner = 10000;
    printf("{\"checksum\": %lu, \"calls_per_sample\": %d, \"samples_us\": [", (unsigned long)first, inner);
    for (int s = 0; s < (repeat < 1 ? 1 : repeat); s++) {
        int bad = 0;
        t0 = now_us();
        for (int i = 0; i < inner; i++) {
            CALL();
            bad |= args[0] != first; /* every call's result, as the protocol says */
        }
        double t1 = now_us();
        if (bad)
            fail("not-repeatable", "the kernel returned another result when called again in the same instance");
        printf("%s%.4f", s ? ", " : "", (t1 - t0) / inner);
    }
    printf("], \"load_samples_us\": [");
    for (int i = 0; i < nload; i++)
        printf("%s%.3f", i ? ", " : "", load_us[i]);
    printf("]}\n");
    return 0;
}
