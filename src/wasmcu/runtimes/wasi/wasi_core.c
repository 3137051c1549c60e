/* wasmcu's WASI preview 1 layer, its runtime-neutral core (see wasi_core.h). */
#include <stdio.h>
#include <string.h>

#include "wasi_core.h"

/* every name here starts with wasmcu_wasi_: the layer's flash and RAM are read from the image's
 * symbols by that prefix (wasmcu.measure.wasi_cost) */
static uint32_t wasmcu_wasi_s_out_crc = 0xFFFFFFFFu, wasmcu_wasi_s_rng = 0x2545F491u;
static uint32_t wasmcu_wasi_s_out_bytes, wasmcu_wasi_s_err_bytes, wasmcu_wasi_s_text_len;
static int32_t wasmcu_wasi_s_exit_code;
static int wasmcu_wasi_s_exited;
static uint8_t wasmcu_wasi_s_text[WASMCU_WASI_TEXT_BYTES];

static const char *const wasmcu_wasi_s_provided[] = {
    "fd_write", "proc_exit", "clock_time_get", "random_get", "args_sizes_get", "args_get", "environ_sizes_get",
    "environ_get", "fd_fdstat_get", "fd_seek", "fd_close", "fd_prestat_get", "fd_prestat_dir_name",
};

int wasmcu_wasi_provides(const char *name)
{
    for (unsigned i = 0; i < sizeof wasmcu_wasi_s_provided / sizeof wasmcu_wasi_s_provided[0]; i++)
        if (strcmp(name, wasmcu_wasi_s_provided[i]) == 0)
            return 1;
    return 0;
}

static uint32_t wasmcu_wasi_s_crc32_update(uint32_t crc, const uint8_t *p, uint32_t n)
{
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return crc;
}

static int wasmcu_wasi_s_in_memory(uint32_t size, uint32_t ptr, uint32_t len)
{
    return ptr <= size && len <= size - ptr;
}

static uint32_t wasmcu_wasi_s_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wasmcu_wasi_s_wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static void wasmcu_wasi_s_wr64(uint8_t *p, uint64_t v)
{
    wasmcu_wasi_s_wr32(p, (uint32_t)v);
    wasmcu_wasi_s_wr32(p + 4, (uint32_t)(v >> 32));
}

int32_t wasmcu_wasi_fd_write(uint8_t *mem, uint32_t size, int32_t fd, uint32_t iovs, uint32_t iovs_len,
                             uint32_t nwritten)
{
    if (fd != 1 && fd != 2)
        return WASMCU_WASI_EBADF;
    if (iovs_len > size / 8 || !wasmcu_wasi_s_in_memory(size, iovs, iovs_len * 8) || !wasmcu_wasi_s_in_memory(size, nwritten, 4))
        return WASMCU_WASI_EFAULT;
    uint32_t total = 0;
    for (uint32_t i = 0; i < iovs_len; i++) {
        uint32_t buf = wasmcu_wasi_s_rd32(mem + iovs + 8 * i), len = wasmcu_wasi_s_rd32(mem + iovs + 8 * i + 4);
        if (!wasmcu_wasi_s_in_memory(size, buf, len))
            return WASMCU_WASI_EFAULT;
        if (fd == 1) {
            wasmcu_wasi_s_out_crc = wasmcu_wasi_s_crc32_update(wasmcu_wasi_s_out_crc, mem + buf, len);
            uint32_t keep = len < WASMCU_WASI_TEXT_BYTES - wasmcu_wasi_s_text_len ? len : WASMCU_WASI_TEXT_BYTES - wasmcu_wasi_s_text_len;
            memcpy(wasmcu_wasi_s_text + wasmcu_wasi_s_text_len, mem + buf, keep);
            wasmcu_wasi_s_text_len += keep;
            wasmcu_wasi_s_out_bytes += len;
        } else {
            wasmcu_wasi_s_err_bytes += len;
        }
        total += len;
    }
    wasmcu_wasi_s_wr32(mem + nwritten, total);
    return WASMCU_WASI_ESUCCESS;
}

int32_t wasmcu_wasi_fd_fdstat_get(uint8_t *mem, uint32_t size, int32_t fd, uint32_t buf)
{
    if (fd < 0 || fd > 2)
        return WASMCU_WASI_EBADF;
    if (!wasmcu_wasi_s_in_memory(size, buf, 24))
        return WASMCU_WASI_EFAULT;
    memset(mem + buf, 0, 24);
    mem[buf] = 2;                                         /* filetype: character device */
    wasmcu_wasi_s_wr64(mem + buf + 8, fd == 0 ? 1u << 1 : 1u << 6);     /* rights: fd_read or fd_write, no seek/tell */
    return WASMCU_WASI_ESUCCESS;
}

int32_t wasmcu_wasi_fd_seek(uint8_t *mem, uint32_t size, int32_t fd, int64_t offset, int32_t whence,
                            uint32_t newoffset)
{
    (void)mem, (void)size, (void)offset, (void)whence, (void)newoffset;
    return fd >= 0 && fd <= 2 ? WASMCU_WASI_ESPIPE : WASMCU_WASI_EBADF;
}

int32_t wasmcu_wasi_fd_close(int32_t fd)
{
    return fd >= 0 && fd <= 2 ? WASMCU_WASI_ESUCCESS : WASMCU_WASI_EBADF;
}

int32_t wasmcu_wasi_fd_prestat_get(uint8_t *mem, uint32_t size, int32_t fd, uint32_t buf)
{
    (void)mem, (void)size, (void)fd, (void)buf;
    return WASMCU_WASI_EBADF;
}

int32_t wasmcu_wasi_fd_prestat_dir_name(uint8_t *mem, uint32_t size, int32_t fd, uint32_t path, uint32_t len)
{
    (void)mem, (void)size, (void)fd, (void)path, (void)len;
    return WASMCU_WASI_EBADF;
}

int32_t wasmcu_wasi_sizes_get(uint8_t *mem, uint32_t size, uint32_t count, uint32_t buf_size)
{
    if (!wasmcu_wasi_s_in_memory(size, count, 4) || !wasmcu_wasi_s_in_memory(size, buf_size, 4))
        return WASMCU_WASI_EFAULT;
    wasmcu_wasi_s_wr32(mem + count, 0);
    wasmcu_wasi_s_wr32(mem + buf_size, 0);
    return WASMCU_WASI_ESUCCESS;
}

int32_t wasmcu_wasi_list_get(uint8_t *mem, uint32_t size, uint32_t list, uint32_t buf)
{
    (void)mem, (void)size, (void)list, (void)buf; /* no entries: nothing to write */
    return WASMCU_WASI_ESUCCESS;
}

int32_t wasmcu_wasi_clock_time_get(uint8_t *mem, uint32_t size, int32_t id, uint64_t precision, uint32_t time)
{
    (void)precision;
    if (id < 0 || id > 3)
        return WASMCU_WASI_EINVAL;
    if (!wasmcu_wasi_s_in_memory(size, time, 8))
        return WASMCU_WASI_EFAULT;
    wasmcu_wasi_s_wr64(mem + time, wasmcu_wasi_clock_ns((uint32_t)id));
    return WASMCU_WASI_ESUCCESS;
}

int32_t wasmcu_wasi_random_get(uint8_t *mem, uint32_t size, uint32_t buf, uint32_t len)
{
    if (!wasmcu_wasi_s_in_memory(size, buf, len))
        return WASMCU_WASI_EFAULT;
    for (uint32_t i = 0; i < len; i++) {
        wasmcu_wasi_s_rng ^= wasmcu_wasi_s_rng << 13, wasmcu_wasi_s_rng ^= wasmcu_wasi_s_rng >> 17, wasmcu_wasi_s_rng ^= wasmcu_wasi_s_rng << 5;
        mem[buf + i] = (uint8_t)wasmcu_wasi_s_rng;
    }
    return WASMCU_WASI_ESUCCESS;
}

void wasmcu_wasi_proc_exit(int32_t code)
{
    wasmcu_wasi_s_exit_code = code;
    wasmcu_wasi_s_exited = 1;
}

int wasmcu_wasi_exited(void) { return wasmcu_wasi_s_exited; }
int32_t wasmcu_wasi_exit_code(void) { return wasmcu_wasi_s_exit_code; }
void wasmcu_wasi_set_exit_code(int32_t code) { wasmcu_wasi_s_exit_code = code; }
uint32_t wasmcu_wasi_stdout_bytes(void) { return wasmcu_wasi_s_out_bytes; }
uint32_t wasmcu_wasi_stderr_bytes(void) { return wasmcu_wasi_s_err_bytes; }

uint32_t wasmcu_wasi_digest(void)
{
    uint8_t code[4];
    wasmcu_wasi_s_wr32(code, (uint32_t)wasmcu_wasi_s_exit_code);
    return wasmcu_wasi_s_crc32_update(wasmcu_wasi_s_out_crc, code, 4) ^ 0xFFFFFFFFu;
}

const uint8_t *wasmcu_wasi_text(uint32_t *len)
{
    *len = wasmcu_wasi_s_text_len;
    return wasmcu_wasi_s_text;
}

void wasmcu_wasi_reset(void)
{
    wasmcu_wasi_s_out_crc = 0xFFFFFFFFu, wasmcu_wasi_s_out_bytes = wasmcu_wasi_s_err_bytes = wasmcu_wasi_s_text_len = 0, wasmcu_wasi_s_rng = 0x2545F491u;
    wasmcu_wasi_s_exit_code = 0, wasmcu_wasi_s_exited = 0;
}

/* The output record in the run's report (the line protocol, wasmcu/protocol.py): exit code,
 * stdout's and stderr's lengths, the text kept (hex); on a board over its report channel, on the
 * host on stdout. */
void wasmcu_wasi_report(void)
{
    uint32_t len;
    const uint8_t *text = wasmcu_wasi_text(&len);
    printf("@wasmcu wasi_exit=%ld stdout_bytes=%lu stderr_bytes=%lu stdout_hex=", (long)wasmcu_wasi_exit_code(),
           (unsigned long)wasmcu_wasi_stdout_bytes(), (unsigned long)wasmcu_wasi_stderr_bytes());
    for (uint32_t i = 0; i < len; i++)
        printf("%02x", text[i]);
    printf("\n");
}
