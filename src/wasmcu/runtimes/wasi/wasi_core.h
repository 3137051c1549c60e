/* wasmcu's WASI preview 1 layer: the runtime-neutral core every runtime's WASI glue binds.
 *
 * Each call takes the module's linear memory (base and size in bytes) and its wasm arguments
 * and returns a WASI errno (0: success). Pointers into linear memory are checked against its
 * size (EFAULT). What the layer provides, and nothing more:
 *   fd_write           fd 1 (stdout) and 2 (stderr); stdout is hashed (CRC-32) and its first
 *                      WASMCU_WASI_TEXT_BYTES kept for the report; stderr is counted
 *   proc_exit          records the code; the binding unwinds the call (a trap it recognises)
 *   clock_time_get     from wasmcu_wasi_clock_ns (the platform's timer)
 *   random_get         a deterministic PRNG (xorshift32, fixed seed): the same bytes every run
 *   args_*, environ_*  empty
 *   fd_fdstat_get      fds 0-2 are character devices
 *   fd_seek            ESPIPE on 0-2, EBADF otherwise
 *   fd_close           0 on 0-2, EBADF otherwise
 *   fd_prestat_get     EBADF (no preopened directories)
 * Any other import is refused before the module runs ("not provided on this device").
 */
#ifndef WASMCU_WASI_CORE_H
#define WASMCU_WASI_CORE_H

#include <stdint.h>

#define WASMCU_WASI_ESUCCESS 0
#define WASMCU_WASI_EBADF 8
#define WASMCU_WASI_EFAULT 21
#define WASMCU_WASI_EINVAL 28
#define WASMCU_WASI_ESPIPE 70

#ifndef WASMCU_WASI_TEXT_BYTES
#define WASMCU_WASI_TEXT_BYTES 1024
#endif

/* The platform's clock (firmware: the chip's timer; host: clock_gettime), in ns. */
uint64_t wasmcu_wasi_clock_ns(uint32_t clock_id);

/* Whether the layer provides wasi_snapshot_preview1.NAME. */
int wasmcu_wasi_provides(const char *name);

int32_t wasmcu_wasi_fd_write(uint8_t *mem, uint32_t size, int32_t fd, uint32_t iovs, uint32_t iovs_len,
                             uint32_t nwritten);
int32_t wasmcu_wasi_fd_fdstat_get(uint8_t *mem, uint32_t size, int32_t fd, uint32_t buf);
int32_t wasmcu_wasi_fd_seek(uint8_t *mem, uint32_t size, int32_t fd, int64_t offset, int32_t whence,
                            uint32_t newoffset);
int32_t wasmcu_wasi_fd_close(int32_t fd);
int32_t wasmcu_wasi_fd_prestat_get(uint8_t *mem, uint32_t size, int32_t fd, uint32_t buf);
int32_t wasmcu_wasi_fd_prestat_dir_name(uint8_t *mem, uint32_t size, int32_t fd, uint32_t path, uint32_t len);
int32_t wasmcu_wasi_sizes_get(uint8_t *mem, uint32_t size, uint32_t count, uint32_t buf_size); /* args, environ */
int32_t wasmcu_wasi_list_get(uint8_t *mem, uint32_t size, uint32_t list, uint32_t buf);         /* args, environ */
int32_t wasmcu_wasi_clock_time_get(uint8_t *mem, uint32_t size, int32_t id, uint64_t precision, uint32_t time);
int32_t wasmcu_wasi_random_get(uint8_t *mem, uint32_t size, uint32_t buf, uint32_t len);
void wasmcu_wasi_proc_exit(int32_t code);

/* The run's outcome: whether proc_exit was called, the exit code, stdout's length, its CRC-32 and
 * the digest (CRC-32 of stdout then the exit code, 4 bytes little-endian: wasmcu's command_digest),
 * the text kept, stderr's length. */
int wasmcu_wasi_exited(void);
int32_t wasmcu_wasi_exit_code(void);
void wasmcu_wasi_set_exit_code(int32_t code);
uint32_t wasmcu_wasi_stdout_bytes(void);
uint32_t wasmcu_wasi_stderr_bytes(void);
uint32_t wasmcu_wasi_digest(void);
const uint8_t *wasmcu_wasi_text(uint32_t *len);
void wasmcu_wasi_reset(void);
/* The output record in the run's report (wasi_core.c). */
void wasmcu_wasi_report(void);

/* A run's result, as every runtime's WASI glue gives it: a kernel that prints returns run's
 * result (`returned`), as any kernel; a command or reactor, the digest of its output. */
static inline uint32_t wasmcu_wasi_result(uint32_t returned)
{
#ifdef WASMCU_WASI_KERNEL
    return returned;
#else
    (void)returned;
    return wasmcu_wasi_digest();
#endif
}

#endif
