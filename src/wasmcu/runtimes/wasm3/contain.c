/* The containment suite under a wasm3 built from a source tree (wasm3@VERSION) on the host
 * (wasmcu/backends/containment.py).
 *
 * Loads a module, calls run(SEED) once, then run(0) in the same runtime, and prints one JSON
 * object: {"containment": {...}}. wasm3 offers no way to interrupt a running call, so an endless
 * loop ends only by the worker's time limit, unless the module was instrumented for gas: built
 * with WASMCU_WASM3_GAS=N, this program links metering.usegas, which traps once N units are spent.
 * usage: wasm3_contain MODULE SEED
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasm3.h"
#define WASMCU_HOST_PROGRAM_OWN_ERRORS
#include "host_program.h"

#ifndef WASMCU_WASM3_STACK
#define WASMCU_WASM3_STACK (64 * 1024)
#endif

static void fail(const char *what, const char *detail)
{
    printf("{\"kind\": \"load-failed\", \"error\": \"%s: ", what);
    json_text(detail);
    printf("\"}\n");
    exit(3);
}

#ifdef WASMCU_WASM3_GAS
static int64_t gas_left;
static int out_of_gas;

m3ApiRawFunction(wasmcu_usegas)
{
    m3ApiGetArg(int32_t, cost);
    gas_left -= cost;
    if (gas_left < 0) {
        out_of_gas = 1;
        m3ApiTrap("out of gas");
    }
    m3ApiSuccess();
}
#endif

static M3Result call(IM3Function fn, uint32_t arg, uint32_t *result)
{
#ifdef WASMCU_WASM3_GAS
    gas_left = WASMCU_WASM3_GAS; /* a budget per call */
    out_of_gas = 0;
#endif
    M3Result r = m3_CallV(fn, arg);
    return r ? r : m3_GetResultsV(fn, result);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s MODULE SEED\n", argv[0]);
        return 2;
    }
    uint32_t seed = (uint32_t)strtoul(argv[2], NULL, 0);
    FILE *f = fopen(argv[1], "rb");
    if (!f)
        fail("cannot open the module", argv[1]);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *bytes = malloc(n > 0 ? n : 1);
    if (!bytes || fread(bytes, 1, n, f) != (size_t)n)
        fail("cannot read the module", argv[1]);
    fclose(f);

    IM3Environment env = m3_NewEnvironment();
    IM3Runtime rt = env ? m3_NewRuntime(env, WASMCU_WASM3_STACK, NULL) : NULL;
    IM3Module module;
    IM3Function fn;
    M3Result r;
    if (!rt)
        fail("instantiate", "out of memory creating the runtime");
    if ((r = m3_ParseModule(env, &module, bytes, (uint32_t)n)) || (r = m3_LoadModule(rt, module)))
        fail("load", r);
#ifdef WASMCU_WASM3_GAS
    if ((r = m3_LinkRawFunction(module, "metering", "usegas", "v(i)", &wasmcu_usegas)))
        fail("load", r);
#endif
    if ((r = m3_FindFunction(&fn, rt, "run")))
        fail("load", r == m3Err_functionLookupFailed ? "the module has no exported function 'run'" : r);

    uint32_t result = 0;
    double t0 = now_us();
    r = call(fn, seed, &result);
    double detect_us = now_us() - t0;
    printf("{\"containment\": {\"trap\": ");
    if (r) {
        int gas = 0;
#ifdef WASMCU_WASM3_GAS
        gas = out_of_gas;
#endif
        quoted(r);
        printf(", \"trap_kind\": \"%s\", \"result\": null", gas ? "out-of-gas" : "trap");
#ifdef WASMCU_WASM3_GAS
        if (gas)
            printf(", \"stopped_by\": \"gas: %ld units (one per wasm instruction), then usegas trapped\"",
                   (long)WASMCU_WASM3_GAS);
#endif
    } else
        printf("null, \"trap_kind\": null, \"result\": %lu", (unsigned long)result);
    printf(", \"detect_us\": %.3f, \"second_call\": \"the same runtime in the same process\"", detect_us);
    uint32_t again = 0;
    if ((r = call(fn, 0, &again))) {
        printf(", \"alive\": null, \"alive_error\": ");
        quoted(r);
        printf("}}\n");
    } else
        printf(", \"alive\": %lu, \"alive_error\": null}}\n", (unsigned long)again);
    return 0;
}
