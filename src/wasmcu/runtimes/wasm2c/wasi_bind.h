/* wasmcu's WASI layer (runtimes/wasi) bound to a module translated by wabt's wasm2c (name
 * prefix "kern"): the imports wasm2c declares, defined on the module's exported memory
 * `memory`. proc_exit ends the call through wasm_rt_trap; the glue tells it from a trap by
 * wasmcu_wasi_exited(). Included once, by the runtime's WASI glue. */
#include "kern.h"
#include "wasi_core.h"
#include "wasm-rt-impl.h"

struct Z_wasi_snapshot_preview1_instance_t {
    wasm_rt_memory_t *memory;
};

static struct Z_wasi_snapshot_preview1_instance_t wasi_instance;

#define MEM(w) (w)->memory->data, (w)->memory->size

u32 Z_wasi_snapshot_preview1Z_fd_write(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 iovs, u32 n,
                                       u32 out)
{
    return (u32)wasmcu_wasi_fd_write(MEM(w), (int32_t)fd, iovs, n, out);
}
u32 Z_wasi_snapshot_preview1Z_fd_fdstat_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 buf)
{
    return (u32)wasmcu_wasi_fd_fdstat_get(MEM(w), (int32_t)fd, buf);
}
u32 Z_wasi_snapshot_preview1Z_fd_seek(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u64 off, u32 whence,
                                      u32 out)
{
    return (u32)wasmcu_wasi_fd_seek(MEM(w), (int32_t)fd, (int64_t)off, (int32_t)whence, out);
}
u32 Z_wasi_snapshot_preview1Z_fd_close(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd)
{
    (void)w;
    return (u32)wasmcu_wasi_fd_close((int32_t)fd);
}
u32 Z_wasi_snapshot_preview1Z_fd_prestat_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 buf)
{
    return (u32)wasmcu_wasi_fd_prestat_get(MEM(w), (int32_t)fd, buf);
}
u32 Z_wasi_snapshot_preview1Z_fd_prestat_dir_name(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 path,
                                                  u32 len)
{
    return (u32)wasmcu_wasi_fd_prestat_dir_name(MEM(w), (int32_t)fd, path, len);
}
u32 Z_wasi_snapshot_preview1Z_args_sizes_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 a, u32 b)
{
    return (u32)wasmcu_wasi_sizes_get(MEM(w), a, b);
}
u32 Z_wasi_snapshot_preview1Z_environ_sizes_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 a, u32 b)
{
    return (u32)wasmcu_wasi_sizes_get(MEM(w), a, b);
}
u32 Z_wasi_snapshot_preview1Z_args_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 a, u32 b)
{
    return (u32)wasmcu_wasi_list_get(MEM(w), a, b);
}
u32 Z_wasi_snapshot_preview1Z_environ_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 a, u32 b)
{
    return (u32)wasmcu_wasi_list_get(MEM(w), a, b);
}
u32 Z_wasi_snapshot_preview1Z_clock_time_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 id, u64 precision,
                                             u32 out)
{
    return (u32)wasmcu_wasi_clock_time_get(MEM(w), (int32_t)id, precision, out);
}
u32 Z_wasi_snapshot_preview1Z_random_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 buf, u32 len)
{
    return (u32)wasmcu_wasi_random_get(MEM(w), buf, len);
}
void Z_wasi_snapshot_preview1Z_proc_exit(struct Z_wasi_snapshot_preview1_instance_t *w, u32 code)
{
    (void)w;
    wasmcu_wasi_proc_exit((int32_t)code);
    wasm_rt_trap(WASM_RT_TRAP_UNREACHABLE);
}

/* Instantiate with the WASI imports; a reactor's _initialize runs here too. 0 or a trap code. */
static wasm_rt_trap_t wasi_instantiate(Z_kern_instance_t *instance)
{
    wasmcu_wasi_reset();
    wasm_rt_trap_t code = wasm_rt_impl_try();
    if (code != WASM_RT_TRAP_NONE)
        return code;
    Z_kern_init_module();
    Z_kern_instantiate(instance, &wasi_instance);
    wasi_instance.memory = Z_kernZ_memory(instance);
#if defined(WASMCU_WASI_REACTOR_ID) && !defined(WASMCU_WASI_KERNEL)
    Z_kernZ__initialize(instance);
#endif
    return WASM_RT_TRAP_NONE;
}

#ifdef WASMCU_WASI_REACTOR_ID
#define WASI_ENTRY_(id) Z_kernZ_##id
#define WASI_ENTRY(id) WASI_ENTRY_(id)
#endif

/* Run the entry: _start for a command (its exit code from proc_exit, or 0), the reactor's entry
 * (seed) -> i32 for a reactor (its result in the exit code's place). 0, or a trap code. */
static wasm_rt_trap_t wasi_run(Z_kern_instance_t *instance, uint32_t seed)
{
    wasm_rt_trap_t code = wasm_rt_impl_try();
    if (code != WASM_RT_TRAP_NONE)
        return wasmcu_wasi_exited() ? WASM_RT_TRAP_NONE : code;
#ifdef WASMCU_WASI_REACTOR_ID
    wasmcu_wasi_set_exit_code((int32_t)WASI_ENTRY(WASMCU_WASI_REACTOR_ID)(instance, seed));
#else
    (void)seed;
    Z_kernZ__start(instance);
#endif
    return WASM_RT_TRAP_NONE;
}
