/* wasmcu's timing protocol (see wasmcu/runtimes/base.py) for wasm3.
 *
 * wasmcu's host embedding program for a wasm3 built from a source tree (`wasmcu wasm3
 * build`): load and instantiate a module with wasm3's embedding API, time load and calls
 * separately, print JSON. The same program as WAMR's (wamr/bench.c), with wasm3's calls.
 * usage: wasm3_bench MODULE REPEAT WARMUP LOAD_REPEAT MIN_SAMPLE_US MIN_WARMUP_S SEED [once]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasm3.h"
#include "host_program.h"

#ifndef WASMCU_WASM3_STACK
#define WASMCU_WASM3_STACK (64 * 1024)
#endif

#ifdef WASMCU_WASM3_GAS /* gas metering (wasm3-gas@VERSION): the module calls metering.usegas(cost) */
static int64_t gas_left;

m3ApiRawFunction(wasmcu_usegas)
{
    m3ApiGetArg(int32_t, cost);
    gas_left -= cost;
    if (gas_left < 0)
        m3ApiTrap("out of gas");
    m3ApiSuccess();
}
#define GAS_RESET() (gas_left = WASMCU_WASM3_GAS) /* a budget per call */
#else
#define GAS_RESET() ((void)0)
#endif

static IM3Function call_fn;

static uint32_t call(uint32_t seed)
{
    uint32_t result = 0;
    M3Result r;
    GAS_RESET();
    if ((r = m3_CallV(call_fn, seed)) || (r = m3_GetResultsV(call_fn, &result)))
        fail(r == m3Err_trapStackOverflow ? "stack-limit" : "trap", r);
    return result;
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
    uint32_t size;
    uint8_t *bytes = read_file(argv[1], &size);

    double load_us[64];
    int nload = load_repeat < 1 ? 1 : (load_repeat > 64 ? 64 : load_repeat);
    IM3Environment env = NULL;
    IM3Runtime rt = NULL;
    IM3Function fn = NULL;
    uint8_t *copy = malloc(size);
    for (int i = 0; i < nload; i++) {
        if (rt) {
            m3_FreeRuntime(rt); /* frees the modules loaded into it */
            m3_FreeEnvironment(env);
        }
        memcpy(copy, bytes, size); /* wasm3 keeps pointers into the buffer it parsed */
        double t0 = now_us();
        IM3Module module;
        M3Result r;
        env = m3_NewEnvironment();
        if (!env)
            fail("load", "m3_NewEnvironment failed");
        rt = m3_NewRuntime(env, WASMCU_WASM3_STACK, NULL);
        if (!rt)
            fail("instantiate", "m3_NewRuntime failed");
        if ((r = m3_ParseModule(env, &module, copy, size)))
            fail("load", r);
        if ((r = m3_LoadModule(rt, module)))
            fail("instantiate", r);
#ifdef WASMCU_WASM3_GAS
        if ((r = m3_LinkRawFunction(module, "metering", "usegas", "v(i)", &wasmcu_usegas)))
            fail("load", r);
#endif
        if ((r = m3_FindFunction(&fn, rt, "run")))
            fail("load", r == m3Err_functionLookupFailed ? "the module has no exported function 'run'" : r);
        load_us[i] = now_us() - t0;
    }

    call_fn = fn;
    return time_calls(call, seed, argc > 8 && strcmp(argv[8], "once") == 0, repeat, warmup, min_sample, min_warmup,
                      load_us, nload);
}
