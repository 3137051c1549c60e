/* The containment suite under WAMR on the host (wasmcu/backends/containment.py).
 *
 * Loads a module (wasm or AOT), calls run(SEED) once under a watchdog thread, then run(0) on the
 * same instance, and prints one JSON object: {"containment": {...}}. The watchdog calls
 * wasm_runtime_terminate when the call outlives WATCHDOG_MS. WAMR heeds that only where the
 * build checks for it (its thread manager, WAMR_BUILD_THREAD_MGR=1); where the call still has not
 * returned after a grace period, the watchdog reports a hang itself and ends the process. With
 * WASMCU_WAMR_METERING (a build with WAMR_BUILD_INSTRUCTION_METERING=1) the call also has an
 * instruction budget.
 * usage: wamr_contain MODULE SEED WATCHDOG_MS
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wasm_export.h"
#define WASMCU_HOST_PROGRAM_OWN_ERRORS
#include "host_program.h"

#define GRACE_MS 500 /* after the terminate request: how long the watchdog waits for the call to return */
#ifndef WASMCU_WAMR_INSTRUCTIONS
#define WASMCU_WAMR_INSTRUCTIONS 200000000
#endif

static void fail(const char *kind, const char *what, const char *detail)
{
    printf("{\"kind\": \"%s\", \"error\": \"%s: ", kind, what);
    json_text(detail);
    printf("\"}\n");
    exit(3);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t returned_cond = PTHREAD_COND_INITIALIZER;
static int returned, terminated;
static wasm_module_inst_t inst;
static long watchdog_ms;
static double t_call;

static int wait_returned(long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    int rc = 0;
    while (!returned && rc == 0)
        rc = pthread_cond_timedwait(&returned_cond, &lock, &until);
    return returned;
}

static void *watchdog(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    if (!wait_returned(watchdog_ms)) {
        terminated = 1;
        wasm_runtime_terminate(inst);
        if (!wait_returned(GRACE_MS)) { /* WAMR did not heed it: the call is still running */
            printf("{\"containment\": {\"trap\": null, \"result\": null, \"alive\": null, \"alive_error\": "
                   "\"none: the call never returned\", \"detect_us\": %.1f, \"second_call\": \"none: the call never "
                   "returned\", \"hang\": \"the watchdog called wasm_runtime_terminate after %ld ms and the call "
                   "had not returned %d ms later: this WAMR build does not check for termination in its loops "
                   "(built without WAMR_BUILD_THREAD_MGR); the program ended itself\"}}\n",
                   now_us() - t_call, watchdog_ms, GRACE_MS);
            fflush(stdout);
            _exit(0);
        }
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

static uint8_t *read_file(const char *path, uint32_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail("load-failed", "cannot open the module", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? n : 1);
    if (!buf || fread(buf, 1, n, f) != (size_t)n)
        fail("load-failed", "cannot read the module", path);
    fclose(f);
    *size = (uint32_t)n;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s MODULE SEED WATCHDOG_MS\n", argv[0]);
        return 2;
    }
    uint32_t seed = (uint32_t)strtoul(argv[2], NULL, 0);
    watchdog_ms = atol(argv[3]) > 0 ? atol(argv[3]) : 1000;
    char err[256];
    uint32_t size;
    uint8_t *bytes = read_file(argv[1], &size);
    if (!wasm_runtime_init())
        fail("error", "runtime", "wasm_runtime_init failed");
    wasm_module_t module = wasm_runtime_load(bytes, size, err, sizeof err);
    if (!module)
        fail("load-failed", "load", err);
    inst = wasm_runtime_instantiate(module, 64 * 1024, 0, err, sizeof err);
    if (!inst)
        fail("load-failed", "instantiate", err);
    wasm_function_inst_t fn = wasm_runtime_lookup_function(inst, "run");
    if (!fn)
        fail("load-failed", "load", "the module has no exported function 'run'");
    wasm_exec_env_t env = wasm_runtime_create_exec_env(inst, 64 * 1024);
    if (!env)
        fail("load-failed", "instantiate", "cannot create the execution environment");
#ifdef WASMCU_WAMR_METERING
    wasm_runtime_set_instruction_count_limit(env, WASMCU_WAMR_INSTRUCTIONS);
#endif

    pthread_t dog;
    uint32_t args[2] = {seed, 0};
    t_call = now_us();
    pthread_create(&dog, NULL, watchdog, NULL);
    int ok = wasm_runtime_call_wasm(env, fn, 1, args);
    double detect_us = now_us() - t_call;
    pthread_mutex_lock(&lock);
    returned = 1;
    pthread_cond_signal(&returned_cond);
    int was_terminated = terminated;
    pthread_mutex_unlock(&lock);
    pthread_join(dog, NULL);

    printf("{\"containment\": {\"trap\": ");
    if (ok)
        printf("null, \"trap_kind\": null, \"result\": %lu", (unsigned long)args[0]);
    else {
        const char *exc = wasm_runtime_get_exception(inst);
#ifdef WASMCU_WAMR_METERING
        int metered = exc && strstr(exc, "instruction limit exceeded");
#else
        int metered = 0;
#endif
        quoted(exc);
        printf(", \"trap_kind\": \"%s\", \"result\": null",
               was_terminated ? "terminated" : metered ? "out-of-fuel" : "trap");
        if (was_terminated)
            printf(", \"stopped_by\": \"a watchdog thread: wasm_runtime_terminate after %ld ms\"", watchdog_ms);
        else if (metered)
            printf(", \"stopped_by\": \"WAMR's instruction budget: %d instructions\"", WASMCU_WAMR_INSTRUCTIONS);
        wasm_runtime_clear_exception(inst); /* as an embedder does before calling the instance again */
    }
    printf(", \"detect_us\": %.3f, \"second_call\": \"the same instance in the same process\"", detect_us);
    args[0] = 0;
#ifdef WASMCU_WAMR_METERING
    wasm_runtime_set_instruction_count_limit(env, WASMCU_WAMR_INSTRUCTIONS);
#endif
    if (wasm_runtime_call_wasm(env, fn, 1, args))
        printf(", \"alive\": %lu, \"alive_error\": null}}\n", (unsigned long)args[0]);
    else {
        printf(", \"alive\": null, \"alive_error\": ");
        quoted(wasm_runtime_get_exception(inst));
        printf("}}\n");
    }
    return 0;
}
