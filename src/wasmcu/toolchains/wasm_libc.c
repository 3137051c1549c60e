/* wasmcu's part of the C library in a wasm module (linked before wasi-libc, so that the
 * module imports nothing):
 *  - malloc, calloc, realloc, free (and aligned allocation): a first-fit allocator over the
 *    program break, which grows within the module's linear memory (workload.toml [wasm]
 *    memory_bytes). wasi-libc's dlmalloc takes 64 KB at a time and so cannot live in the
 *    one-page modules small boards host. When the memory runs out, the heap bytes needed
 *    are kept in wasmcu_heap_needed and the module traps, so wasmcu reports does-not-fit
 *    with the sizes instead of a kernel reading through a null pointer;
 *  - the three WASI calls that the C library's stdio machinery names (a kernel has no files:
 *    snprintf into a buffer works, output to a stream goes nowhere), except in a kernel that
 *    prints to stdout (built with WASMCU_WASI_OUTPUT: the module imports WASI, and every runtime
 *    provides it; wasmcu's own layer on wasm3, WAMR and wasm2c). */
#include <stddef.h>
#include <stdint.h>

extern unsigned char __heap_base;
static uintptr_t wasmcu_brk;
uint32_t wasmcu_heap_needed;

void *sbrk(intptr_t increment)
{
    if (!wasmcu_brk)
        wasmcu_brk = (uintptr_t)&__heap_base;
    uintptr_t old = wasmcu_brk;
    uintptr_t want = old + (uintptr_t)increment;
    uintptr_t have = __builtin_wasm_memory_size(0) * 65536u;
    if (increment < 0 || want < old)
        return (void *)-1;
    if (want > have) {
        size_t pages = (want - have + 65535u) / 65536u;
        if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) {
            wasmcu_heap_needed = (uint32_t)(want - (uintptr_t)&__heap_base);
            __builtin_trap();
        }
    }
    wasmcu_brk = want;
    return (void *)old;
}

/* a block: an 8-byte header (its size, header included, bit 0 set while in use), then the
 * payload; a free block's payload starts with the next free block (address order) */
typedef struct block { size_t size; size_t pad; } block;
typedef struct free_block { block h; struct free_block *next; } free_block;
static free_block *free_list;

#define HDR sizeof(block)
#define MIN_BLOCK sizeof(free_block)

static size_t round8(size_t n) { return (n + 7u) & ~(size_t)7u; }

static void insert_free(free_block *b)
{
    free_block **at = &free_list;
    while (*at && *at < b)
        at = &(*at)->next;
    b->next = *at;
    *at = b;
    if (b->next && (char *)b + b->h.size == (char *)b->next) { /* merge with the next one */
        b->h.size += b->next->h.size;
        b->next = b->next->next;
    }
    if (at != &free_list) { /* merge with the previous one */
        free_block *prev = (free_block *)((char *)at - offsetof(free_block, next));
        if ((char *)prev + prev->h.size == (char *)b) {
            prev->h.size += b->h.size;
            prev->next = b->next;
        }
    }
}

static void *take(size_t size)
{
    for (free_block **at = &free_list; *at; at = &(*at)->next) {
        free_block *b = *at;
        if (b->h.size < size)
            continue;
        if (b->h.size - size >= MIN_BLOCK) {
            free_block *rest = (free_block *)((char *)b + size);
            rest->h.size = b->h.size - size;
            rest->next = b->next;
            *at = rest;
            b->h.size = size;
        } else {
            *at = b->next;
        }
        b->h.size |= 1u;
        return (char *)b + HDR;
    }
    block *b = sbrk((intptr_t)size);
    if (b == (void *)-1)
        return 0;
    b->size = size | 1u;
    return (char *)b + HDR;
}

void *malloc(size_t n)
{
    if (n > 0x7fffffffu)
        return 0;
    size_t size = round8(n) + HDR;
    return take(size < MIN_BLOCK ? MIN_BLOCK : size);
}

void free(void *p)
{
    if (!p)
        return;
    block *b = (block *)((char *)p - HDR);
    b->size &= ~(size_t)1u;
    insert_free((free_block *)b);
}

void *calloc(size_t count, size_t n)
{
    if (n && count > 0x7fffffffu / n)
        return 0;
    void *p = malloc(count * n);
    if (p)
        __builtin_memset(p, 0, count * n);
    return p;
}

void *realloc(void *p, size_t n)
{
    if (!p)
        return malloc(n);
    size_t have = (((block *)((char *)p - HDR))->size & ~(size_t)1u) - HDR;
    if (n <= have)
        return p;
    void *q = malloc(n);
    if (q) {
        __builtin_memcpy(q, p, have);
        free(p);
    }
    return q;
}

size_t malloc_usable_size(void *p)
{
    return p ? (((block *)((char *)p - HDR))->size & ~(size_t)1u) - HDR : 0;
}

void *aligned_alloc(size_t align, size_t n)
{
    if (align <= 8)
        return malloc(n);
    if (align & (align - 1))
        return 0;
    char *p = malloc(n + align + MIN_BLOCK);
    if (!p)
        return 0;
    block *b = (block *)(p - HDR);
    size_t total = b->size & ~(size_t)1u;
    uintptr_t at = ((uintptr_t)p + MIN_BLOCK + align - 1) & ~(uintptr_t)(align - 1);
    size_t gap = at - (uintptr_t)p; /* at least MIN_BLOCK: the front becomes a free block */
    block *front = b, *aligned = (block *)(at - HDR);
    aligned->size = (total - gap) | 1u;
    front->size = gap | 1u;
    free((char *)front + HDR);
    return (void *)at;
}

int posix_memalign(void **out, size_t align, size_t n)
{
    if (align < sizeof(void *) || (align & (align - 1)))
        return 22; /* EINVAL */
    void *p = aligned_alloc(align, n);
    if (!p)
        return 12; /* ENOMEM */
    *out = p;
    return 0;
}

void *memalign(size_t align, size_t n) { return aligned_alloc(align, n); }

#define WASI_ENOSYS 52

#ifndef WASMCU_WASI_OUTPUT /* a kernel that prints is linked with the real calls (every runtime gives WASI) */
int32_t __imported_wasi_snapshot_preview1_fd_write(int32_t fd, int32_t iovs, int32_t count, int32_t written)
{
    (void)fd, (void)iovs, (void)count;
    *(uint32_t *)(uintptr_t)written = 0;
    return WASI_ENOSYS;
}

int32_t __imported_wasi_snapshot_preview1_fd_seek(int32_t fd, int64_t offset, int32_t whence, int32_t position)
{
    (void)fd, (void)offset, (void)whence, (void)position;
    return WASI_ENOSYS;
}

int32_t __imported_wasi_snapshot_preview1_fd_close(int32_t fd)
{
    (void)fd;
    return WASI_ENOSYS;
}
#endif

/* no program exit in a module that is called, not run: no destructors to call */
void __wasm_call_dtors(void) {}

/* libc++abi reports a fatal error (a failed new without exceptions, a pure virtual call)
 * with fprintf(stderr) before aborting, which would link the whole printf family into
 * every C++ module; a kernel has no stderr, so it traps at once */
void abort_message(const char *format, ...)
{
    (void)format;
    __builtin_trap();
}

/* libc++'s std::__libcpp_verbose_abort (a failed check in a container without exceptions):
 * the same, instead of vfprintf(stderr) */
void wasmcu_libcpp_verbose_abort(const char *format, ...) __asm__("_ZNSt3__222__libcpp_verbose_abortEPKcz");
void wasmcu_libcpp_verbose_abort(const char *format, ...)
{
    (void)format;
    __builtin_trap();
}
