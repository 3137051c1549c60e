/* Declarations only, for compiling wabt's wasm2c runtime (wasm-rt-impl.c) on a
 * microcontroller. On a 32-bit target wasm2c checks every memory access explicitly
 * (WASM_RT_MEMCHECK_SIGNAL_HANDLER is 0), so the runtime never maps or protects pages:
 * its mmap-based helpers are unused static functions. Nothing defines these, so a build
 * that did call them would fail to link instead of misbehaving. */
#ifndef WASMCU_SYS_MMAN_H
#define WASMCU_SYS_MMAN_H
#include <stddef.h>
#include <sys/types.h>

#define PROT_NONE 0
#define PROT_READ 1
#define PROT_WRITE 2
#define MAP_PRIVATE 2
#define MAP_ANONYMOUS 0x20
#define MAP_FAILED ((void *)-1)

void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset);
int munmap(void *addr, size_t length);
int mprotect(void *addr, size_t len, int prot);
#endif
