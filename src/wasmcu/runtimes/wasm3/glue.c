/* wasmcu glue for the `wasm3` runtime: the module embedded as a C array. */
#include <stddef.h>
#include <stdio.h>

#include "wasm3.h"
#include "wasmcu_fw.h"

extern const unsigned char wasmcu_module[];
extern const unsigned int wasmcu_module_len;

#ifndef WASMCU_WASM3_STACK
#define WASMCU_WASM3_STACK 4096
#endif
/* the bytes of linear memory wasm3 allocates, below the module's pages (0: all of them); an
   access beyond them traps as out of bounds (wasmcu.backends.linear_memory) */
#if defined(WASMCU_WASM3_MEMORY_LIMIT) && WASMCU_WASM3_MEMORY_LIMIT > 0
#include "m3_env.h"
#endif

const char wasmcu_glue_runtime[] = "wasm3";

static IM3Environment env;
static IM3Runtime runtime;
static IM3Function function;

#ifdef WASMCU_WASM3_GAS /* gas metering (runtimes/wasm3/gas.py): the module calls metering.usegas(cost) */
static int32_t gas_left;

m3ApiRawFunction(wasmcu_usegas)
{
    m3ApiGetArg(int32_t, cost);
    gas_left -= cost;
    if (gas_left < 0) { /* the containment suite's report says the call was stopped on its budget */
        printf("@wasmcu stopped_by=\"gas: %ld units, then usegas trapped\"\n", (long)WASMCU_WASM3_GAS);
        m3ApiTrap("out of gas");
    }
    m3ApiSuccess();
}
#endif

int wasmcu_glue_load(const char **error)
{
    IM3Module module;
    M3Result r;
    env = m3_NewEnvironment();
    if (!env) {
        *error = "out of memory creating the environment";
        return 1;
    }
    runtime = m3_NewRuntime(env, WASMCU_WASM3_STACK, NULL);
    if (!runtime) {
        *error = "out of memory creating the runtime";
        return 1;
    }
#if defined(WASMCU_WASM3_MEMORY_LIMIT) && WASMCU_WASM3_MEMORY_LIMIT > 0
    runtime->memoryLimit = WASMCU_WASM3_MEMORY_LIMIT;
#endif
    if ((r = m3_ParseModule(env, &module, wasmcu_module, wasmcu_module_len)) || (r = m3_LoadModule(runtime, module))) {
        *error = r;
        return 1;
    }
#ifdef WASMCU_WASM3_GAS
    if ((r = m3_LinkRawFunction(module, "metering", "usegas", "v(i)", &wasmcu_usegas))) {
        *error = r;
        return 1;
    }
#endif
    if ((r = m3_FindFunction(&function, runtime, "run"))) {
        *error = r == m3Err_functionLookupFailed ? "the module has no exported function 'run'" : r;
        return 1;
    }
    return 0;
}

int wasmcu_glue_run(uint32_t seed, uint32_t *result, const char **error)
{
#ifdef WASMCU_WASM3_GAS
    gas_left = WASMCU_WASM3_GAS; /* a budget per call */
#endif
    M3Result r = m3_CallV(function, seed);
    if (!r)
        r = m3_GetResultsV(function, result);
    if (r) {
        *error = r;
        return 1;
    }
    return 0;
}
