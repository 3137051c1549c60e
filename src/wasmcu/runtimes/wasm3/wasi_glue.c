/* wasmcu glue for the `wasm3` runtime and a module that imports WASI preview 1: wasmcu's WASI
 * layer (runtimes/wasi) bound as wasm3 raw functions. A command's `_start` runs to its end or to
 * proc_exit (a trap, m3Err_trapExit, that ends the call); a reactor's `_initialize` runs at load
 * and its entry (i32) -> i32 at run. The result is the digest of stdout and the exit code (the
 * entry's result for a reactor), or run's result for a kernel that prints (WASMCU_WASI_KERNEL). */
#include <stddef.h>

#include "wasm3.h"
#include "wasi_core.h"
#include "wasmcu_fw.h"

extern const unsigned char wasmcu_module[];
extern const unsigned int wasmcu_module_len;

#ifndef WASMCU_WASM3_STACK
#define WASMCU_WASM3_STACK 4096
#endif

const char wasmcu_glue_runtime[] = "wasm3";

static IM3Environment env;
static IM3Runtime runtime;
static IM3Function function;

#define MEM uint8_t *mem = (uint8_t *)_mem; uint32_t size = m3_GetMemorySize(runtime); (void)_ctx

static m3ApiRawFunction(wasi_w_fd_write)
{
    m3ApiReturnType(int32_t) m3ApiGetArg(int32_t, fd) m3ApiGetArg(uint32_t, iovs) m3ApiGetArg(uint32_t, n)
    m3ApiGetArg(uint32_t, written) MEM;
    m3ApiReturn(wasmcu_wasi_fd_write(mem, size, fd, iovs, n, written));
}
static m3ApiRawFunction(wasi_w_fd_fdstat_get)
{
    m3ApiReturnType(int32_t) m3ApiGetArg(int32_t, fd) m3ApiGetArg(uint32_t, buf) MEM;
    m3ApiReturn(wasmcu_wasi_fd_fdstat_get(mem, size, fd, buf));
}
static m3ApiRawFunction(wasi_w_fd_seek)
{
    m3ApiReturnType(int32_t) m3ApiGetArg(int32_t, fd) m3ApiGetArg(int64_t, off) m3ApiGetArg(int32_t, whence)
    m3ApiGetArg(uint32_t, out) MEM;
    m3ApiReturn(wasmcu_wasi_fd_seek(mem, size, fd, off, whence, out));
}
static m3ApiRawFunction(wasi_w_fd_close)
{
    m3ApiReturnType(int32_t) m3ApiGetArg(int32_t, fd) (void)_mem, (void)_ctx, (void)runtime;
    m3ApiReturn(wasmcu_wasi_fd_close(fd));
}
static m3ApiRawFunction(wasi_w_fd_prestat_get)
{
    m3ApiReturnType(int32_t) m3ApiGetArg(int32_t, fd) m3ApiGetArg(uint32_t, buf) MEM;
    m3ApiReturn(wasmcu_wasi_fd_prestat_get(mem, size, fd, buf));
}
static m3ApiRawFunction(wasi_w_fd_prestat_dir_name)
{
    m3ApiReturnType(int32_t) m3ApiGetArg(int32_t, fd) m3ApiGetArg(uint32_t, path) m3ApiGetArg(uint32_t, len) MEM;
    m3ApiReturn(wasmcu_wasi_fd_prestat_dir_name(mem, size, fd, path, len));
}
static m3ApiRawFunction(wasi_w_sizes_get)
{
    m3ApiReturnType(int32_t) m3ApiGetArg(uint32_t, count) m3ApiGetArg(uint32_t, buf_size) MEM;
    m3ApiReturn(wasmcu_wasi_sizes_get(mem, size, count, buf_size));
}
static m3ApiRawFunction(wasi_w_list_get)
{
    m3ApiReturnType(int32_t) m3ApiGetArg(uint32_t, list) m3ApiGetArg(uint32_t, buf) MEM;
    m3ApiReturn(wasmcu_wasi_list_get(mem, size, list, buf));
}
static m3ApiRawFunction(wasi_w_clock_time_get)
{
    m3ApiReturnType(int32_t) m3ApiGetArg(int32_t, id) m3ApiGetArg(uint64_t, precision) m3ApiGetArg(uint32_t, out) MEM;
    m3ApiReturn(wasmcu_wasi_clock_time_get(mem, size, id, precision, out));
}
static m3ApiRawFunction(wasi_w_random_get)
{
    m3ApiReturnType(int32_t) m3ApiGetArg(uint32_t, buf) m3ApiGetArg(uint32_t, len) MEM;
    m3ApiReturn(wasmcu_wasi_random_get(mem, size, buf, len));
}
static m3ApiRawFunction(wasi_w_proc_exit)
{
    m3ApiGetArg(int32_t, code) (void)_mem, (void)_ctx, (void)runtime;
    wasmcu_wasi_proc_exit(code);
    m3ApiTrap(m3Err_trapExit);
}

static const struct {
    const char *name, *sig;
    M3RawCall fn;
} wasi_imports[] = {
    {"fd_write", "i(iiii)", wasi_w_fd_write}, {"fd_fdstat_get", "i(ii)", wasi_w_fd_fdstat_get},
    {"fd_seek", "i(iIii)", wasi_w_fd_seek}, {"fd_close", "i(i)", wasi_w_fd_close},
    {"fd_prestat_get", "i(ii)", wasi_w_fd_prestat_get}, {"fd_prestat_dir_name", "i(iii)", wasi_w_fd_prestat_dir_name},
    {"args_sizes_get", "i(ii)", wasi_w_sizes_get}, {"environ_sizes_get", "i(ii)", wasi_w_sizes_get},
    {"args_get", "i(ii)", wasi_w_list_get}, {"environ_get", "i(ii)", wasi_w_list_get},
    {"clock_time_get", "i(iIi)", wasi_w_clock_time_get}, {"random_get", "i(ii)", wasi_w_random_get},
    {"proc_exit", "v(i)", wasi_w_proc_exit},
};

int wasmcu_glue_load(const char **error)
{
    IM3Module module;
    M3Result r;
    wasmcu_wasi_reset();
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
    if ((r = m3_ParseModule(env, &module, wasmcu_module, wasmcu_module_len)) || (r = m3_LoadModule(runtime, module))) {
        *error = r;
        return 1;
    }
    for (unsigned i = 0; i < sizeof wasi_imports / sizeof wasi_imports[0]; i++) {
        r = m3_LinkRawFunction(module, "wasi_snapshot_preview1", wasi_imports[i].name, wasi_imports[i].sig, wasi_imports[i].fn);
        if (r && r != m3Err_functionLookupFailed) {
            *error = r;
            return 1;
        }
    }
#ifdef WASMCU_WASI_REACTOR
    IM3Function init;
    if (!m3_FindFunction(&init, runtime, "_initialize") && (r = m3_CallV(init))) {
        *error = r;
        return 1;
    }
    r = m3_FindFunction(&function, runtime, WASMCU_WASI_REACTOR);
#else
    r = m3_FindFunction(&function, runtime, "_start");
#endif
    if (r) {
        *error = r == m3Err_functionLookupFailed ? "the module has no exported entry function" : r;
        return 1;
    }
    return 0;
}

int wasmcu_glue_run(uint32_t seed, uint32_t *result, const char **error)
{
#ifdef WASMCU_WASI_REACTOR
    uint32_t ret = 0;
    M3Result r = m3_CallV(function, seed);
    if (!r)
        r = m3_GetResultsV(function, &ret);
    if (!r)
        wasmcu_wasi_set_exit_code((int32_t)ret);
#else
    (void)seed;
    M3Result r = m3_CallV(function);
#endif
    if (r && !(r == m3Err_trapExit && wasmcu_wasi_exited())) {
        *error = r;
        return 1;
    }
    *result = wasmcu_wasi_result((uint32_t)wasmcu_wasi_exit_code()); /* a kernel's: run's, kept as the exit code */
    return 0;
}

void wasmcu_glue_report(void)
{
    wasmcu_wasi_report();
}
