/* wasmcu's WASI layer (runtimes/wasi) bound to WAMR as native functions of the module
 * "wasi_snapshot_preview1", raw (pointers passed as offsets, checked by the layer against the
 * instance's default memory). proc_exit ends the call with an exception the glue tells from a
 * trap by wasmcu_wasi_exited(). Included once, by the runtime's WASI glue. */
#include <stdint.h>

#include "wasi_core.h"
#include "wasm_export.h"

#define WASI_EXIT "wasi proc_exit"

static uint8_t *wasi_memory(wasm_exec_env_t env, uint32_t *size)
{
    wasm_memory_inst_t mem = wasm_runtime_get_default_memory(wasm_runtime_get_module_inst(env));
    if (!mem) {
        *size = 0;
        return 0;
    }
    *size = (uint32_t)(wasm_memory_get_cur_page_count(mem) * wasm_memory_get_bytes_per_page(mem));
    return (uint8_t *)wasm_memory_get_base_address(mem);
}

#define MEM                              \
    uint32_t size;                       \
    uint8_t *mem = wasi_memory(env, &size)
/* raw natives (each argument in a 64-bit slot, the result in the first): WAMR's invokeNative,
 * whichever flavour the library was built with, is not involved */
#define RAW(name) static void name(wasm_exec_env_t env, uint64_t *args)
#define ARG(type, name) type name = *(type *)(args++)
#define RET(value) *raw_ret = (value)
#define RAW_RET int32_t *raw_ret = (int32_t *)args

RAW(wasi_w_fd_write)
{
    RAW_RET; ARG(int32_t, fd); ARG(uint32_t, iovs); ARG(uint32_t, n); ARG(uint32_t, out); MEM;
    RET(wasmcu_wasi_fd_write(mem, size, fd, iovs, n, out));
}
RAW(wasi_w_fd_fdstat_get)
{
    RAW_RET; ARG(int32_t, fd); ARG(uint32_t, buf); MEM;
    RET(wasmcu_wasi_fd_fdstat_get(mem, size, fd, buf));
}
RAW(wasi_w_fd_seek)
{
    RAW_RET; ARG(int32_t, fd); ARG(int64_t, off); ARG(int32_t, whence); ARG(uint32_t, out); MEM;
    RET(wasmcu_wasi_fd_seek(mem, size, fd, off, whence, out));
}
RAW(wasi_w_fd_close)
{
    (void)env;
    RAW_RET; ARG(int32_t, fd);
    RET(wasmcu_wasi_fd_close(fd));
}
RAW(wasi_w_fd_prestat_get)
{
    RAW_RET; ARG(int32_t, fd); ARG(uint32_t, buf); MEM;
    RET(wasmcu_wasi_fd_prestat_get(mem, size, fd, buf));
}
RAW(wasi_w_fd_prestat_dir_name)
{
    RAW_RET; ARG(int32_t, fd); ARG(uint32_t, path); ARG(uint32_t, len); MEM;
    RET(wasmcu_wasi_fd_prestat_dir_name(mem, size, fd, path, len));
}
RAW(wasi_w_sizes_get)
{
    RAW_RET; ARG(uint32_t, a); ARG(uint32_t, b); MEM;
    RET(wasmcu_wasi_sizes_get(mem, size, a, b));
}
RAW(wasi_w_list_get)
{
    RAW_RET; ARG(uint32_t, a); ARG(uint32_t, b); MEM;
    RET(wasmcu_wasi_list_get(mem, size, a, b));
}
RAW(wasi_w_clock_time_get)
{
    RAW_RET; ARG(int32_t, id); ARG(uint64_t, precision); ARG(uint32_t, out); MEM;
    RET(wasmcu_wasi_clock_time_get(mem, size, id, precision, out));
}
RAW(wasi_w_random_get)
{
    RAW_RET; ARG(uint32_t, buf); ARG(uint32_t, len); MEM;
    RET(wasmcu_wasi_random_get(mem, size, buf, len));
}
RAW(wasi_w_proc_exit)
{
    ARG(int32_t, code);
    wasmcu_wasi_proc_exit(code);
    wasm_runtime_set_exception(wasm_runtime_get_module_inst(env), WASI_EXIT);
}

static NativeSymbol wasi_symbols[] = {
    {"fd_write", (void *)wasi_w_fd_write, "(iiii)i", 0},
    {"fd_fdstat_get", (void *)wasi_w_fd_fdstat_get, "(ii)i", 0},
    {"fd_seek", (void *)wasi_w_fd_seek, "(iIii)i", 0},
    {"fd_close", (void *)wasi_w_fd_close, "(i)i", 0},
    {"fd_prestat_get", (void *)wasi_w_fd_prestat_get, "(ii)i", 0},
    {"fd_prestat_dir_name", (void *)wasi_w_fd_prestat_dir_name, "(iii)i", 0},
    {"args_sizes_get", (void *)wasi_w_sizes_get, "(ii)i", 0},
    {"environ_sizes_get", (void *)wasi_w_sizes_get, "(ii)i", 0},
    {"args_get", (void *)wasi_w_list_get, "(ii)i", 0},
    {"environ_get", (void *)wasi_w_list_get, "(ii)i", 0},
    {"clock_time_get", (void *)wasi_w_clock_time_get, "(iIi)i", 0},
    {"random_get", (void *)wasi_w_random_get, "(ii)i", 0},
    {"proc_exit", (void *)wasi_w_proc_exit, "(i)", 0},
};

/* wamrc knows WAMR's own libc-wasi signatures and compiles a call to one of these imports as a
 * direct C call, its pointer arguments ('*') already converted to native pointers: in an AOT
 * module the layer's calls take that shape (pointers turned back into offsets here). */
#define OFF(p) ((uint32_t)((uint8_t *)(p) - mem))
static int32_t wasi_a_fd_write(wasm_exec_env_t env, int32_t fd, void *iovs, int32_t n, void *out)
{
    MEM;
    return wasmcu_wasi_fd_write(mem, size, fd, OFF(iovs), (uint32_t)n, OFF(out));
}
static int32_t wasi_a_fd_fdstat_get(wasm_exec_env_t env, int32_t fd, void *buf)
{
    MEM;
    return wasmcu_wasi_fd_fdstat_get(mem, size, fd, OFF(buf));
}
static int32_t wasi_a_fd_seek(wasm_exec_env_t env, int32_t fd, int64_t off, int32_t whence, void *out)
{
    MEM;
    return wasmcu_wasi_fd_seek(mem, size, fd, off, whence, OFF(out));
}
static int32_t wasi_a_fd_close(wasm_exec_env_t env, int32_t fd)
{
    (void)env;
    return wasmcu_wasi_fd_close(fd);
}
static int32_t wasi_a_fd_prestat_get(wasm_exec_env_t env, int32_t fd, void *buf)
{
    MEM;
    return wasmcu_wasi_fd_prestat_get(mem, size, fd, OFF(buf));
}
static int32_t wasi_a_fd_prestat_dir_name(wasm_exec_env_t env, int32_t fd, void *path, uint32_t len)
{
    MEM;
    return wasmcu_wasi_fd_prestat_dir_name(mem, size, fd, OFF(path), len);
}
static int32_t wasi_a_sizes_get(wasm_exec_env_t env, void *a, void *b)
{
    MEM;
    return wasmcu_wasi_sizes_get(mem, size, OFF(a), OFF(b));
}
static int32_t wasi_a_list_get(wasm_exec_env_t env, void *a, void *b)
{
    MEM;
    return wasmcu_wasi_list_get(mem, size, OFF(a), OFF(b));
}
static int32_t wasi_a_clock_time_get(wasm_exec_env_t env, int32_t id, uint64_t precision, void *out)
{
    MEM;
    return wasmcu_wasi_clock_time_get(mem, size, id, precision, OFF(out));
}
static int32_t wasi_a_random_get(wasm_exec_env_t env, void *buf, uint32_t len)
{
    MEM;
    return wasmcu_wasi_random_get(mem, size, OFF(buf), len);
}
static void wasi_a_proc_exit(wasm_exec_env_t env, int32_t code)
{
    wasmcu_wasi_proc_exit(code);
    wasm_runtime_set_exception(wasm_runtime_get_module_inst(env), WASI_EXIT);
}

static NativeSymbol wasi_aot_symbols[] = {
    {"fd_write", (void *)wasi_a_fd_write, "(i*i*)i", 0},
    {"fd_fdstat_get", (void *)wasi_a_fd_fdstat_get, "(i*)i", 0},
    {"fd_seek", (void *)wasi_a_fd_seek, "(iIi*)i", 0},
    {"fd_close", (void *)wasi_a_fd_close, "(i)i", 0},
    {"fd_prestat_get", (void *)wasi_a_fd_prestat_get, "(i*)i", 0},
    {"fd_prestat_dir_name", (void *)wasi_a_fd_prestat_dir_name, "(i*~)i", 0},
    {"args_sizes_get", (void *)wasi_a_sizes_get, "(**)i", 0},
    {"environ_sizes_get", (void *)wasi_a_sizes_get, "(**)i", 0},
    {"args_get", (void *)wasi_a_list_get, "(**)i", 0},
    {"environ_get", (void *)wasi_a_list_get, "(**)i", 0},
    {"clock_time_get", (void *)wasi_a_clock_time_get, "(iI*)i", 0},
    {"random_get", (void *)wasi_a_random_get, "(*~)i", 0},
    {"proc_exit", (void *)wasi_a_proc_exit, "(i)", 0},
};

/* Register the layer's calls, before the module is loaded: raw for the interpreters, in
 * libc-wasi's shape for an AOT module (`module`: its bytes, "\0aot..." for AOT). */
static int wasi_register(const unsigned char *module)
{
    wasmcu_wasi_reset();
    if (module[0] == 0 && module[1] == 'a' && module[2] == 'o' && module[3] == 't')
        return wasm_runtime_register_natives("wasi_snapshot_preview1", wasi_aot_symbols,
                                             sizeof wasi_aot_symbols / sizeof wasi_aot_symbols[0]);
    return wasm_runtime_register_natives_raw("wasi_snapshot_preview1", wasi_symbols,
                                             sizeof wasi_symbols / sizeof wasi_symbols[0]);
}

/* Call a function: with no arguments (_start, _initialize), or (seed) -> i32 (a reactor's entry:
 * its result in the exit code's place). 1, or 0 with the exception in *error. */
static int wasi_call(wasm_exec_env_t exec_env, wasm_module_inst_t instance, wasm_function_inst_t fn, int with_seed,
                     uint32_t seed, const char **error)
{
    uint32_t argv[2] = {seed, 0};
    int ok = wasm_runtime_call_wasm(exec_env, fn, with_seed ? 1 : 0, argv);
    if (ok && with_seed)
        wasmcu_wasi_set_exit_code((int32_t)argv[0]);
    if (!ok && wasmcu_wasi_exited()) {
        wasm_runtime_clear_exception(instance);
        return 1;
    }
    if (!ok) {
        const char *exc = wasm_runtime_get_exception(instance);
        *error = exc ? exc : "trap";
    }
    return ok;
}
