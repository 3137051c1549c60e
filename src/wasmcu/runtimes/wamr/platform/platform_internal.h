/* wasmcu's bare-metal platform layer for WAMR: single thread, picolibc, no MMU. */
#ifndef WASMCU_WAMR_PLATFORM_INTERNAL_H
#define WASMCU_WAMR_PLATFORM_INTERNAL_H

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BH_PLATFORM_WASMCU
#define BH_PLATFORM_WASMCU
#endif

#define BH_APPLET_PRESERVED_STACK_SIZE (2 * BH_KB)
#define BH_THREAD_DEFAULT_PRIORITY 0

/* No threads: the types exist so the runtime compiles; the functions are no-ops. */
typedef int korp_tid;
typedef int korp_mutex;
typedef int korp_cond;
typedef int korp_thread;
typedef int korp_sem;
typedef struct {
    int dummy;
} korp_rwlock;

#define os_printf printf
#define os_vprintf vprintf

typedef int os_file_handle;
typedef void *os_dir_stream;
typedef int os_raw_file_handle;
/* newer WAMR (after 2.4.5) declares os_poll() with these; a board has no poll, only the types */
typedef struct {
    int fd;
    short events;
    short revents;
} os_poll_file_handle;
typedef unsigned int os_nfds_t;

static inline os_file_handle
os_get_invalid_handle(void)
{
    return -1;
}

/* WAMR's core calls it; WAMR's platform API headers do not declare it (each platform's
 * platform_internal.h does): undeclared, it is an error with GCC 14 and later. */
int
os_getpagesize(void);

#endif
