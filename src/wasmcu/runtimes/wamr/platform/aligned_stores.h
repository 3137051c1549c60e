/* wasmcu: WAMR's classic interpreter built for a core that faults on unaligned word access.
 *
 * On a CPU without unaligned access, WAMR's PUT_I64_TO_ADDR/PUT_F64_TO_ADDR store a 64-bit value
 * as two 32-bit words, which is right for its own frames (word-aligned) but not for the
 * i64.store/f64.store of a module, whose address may be anything: GCC merges the two stores
 * into an STM, and ARMv6-M (and ARMv7-M/v8-M for STM) faults when the address is not
 * word-aligned. (WAMR's loads from linear memory already check it: LOAD_I64.)
 *
 * This header is force-included (-include) into the interpreter file only when wasmcu builds
 * WAMR for such a core (the arch file's [wamr] aligned_stores): it includes WAMR's header first,
 * so its include guard keeps the definitions below, which keep the two word stores for an
 * aligned address and store bytes otherwise. */
#ifndef WASMCU_WAMR_ALIGNED_STORES_H
#define WASMCU_WAMR_ALIGNED_STORES_H

#include "wasm_runtime_common.h"

#if WASM_CPU_SUPPORTS_UNALIGNED_ADDR_ACCESS == 0

/* the rare unaligned store, out of line so that each of the interpreter's many stores grows by one
   test and branch only */
static __attribute__((noinline)) void
wasmcu_store_unaligned_u64(void *addr, uint32 lo, uint32 hi)
{
    uint8 *p = (uint8 *)addr;
    p[0] = (uint8)lo;
    p[1] = (uint8)(lo >> 8);
    p[2] = (uint8)(lo >> 16);
    p[3] = (uint8)(lo >> 24);
    p[4] = (uint8)hi;
    p[5] = (uint8)(hi >> 8);
    p[6] = (uint8)(hi >> 16);
    p[7] = (uint8)(hi >> 24);
}

#define WASMCU_PUT_8_BYTES(addr, type, value)                       \
    do {                                                            \
        union {                                                     \
            type val;                                               \
            uint32 parts[2];                                        \
        } u_;                                                       \
        u_.val = (type)(value);                                     \
        if (((uintptr_t)(addr) & (uintptr_t)3) == 0) {              \
            ((uint32 *)(addr))[0] = u_.parts[0];                    \
            ((uint32 *)(addr))[1] = u_.parts[1];                    \
        }                                                           \
        else                                                        \
            wasmcu_store_unaligned_u64((addr), u_.parts[0],         \
                                       u_.parts[1]);                \
    } while (0)

#undef PUT_I64_TO_ADDR
#define PUT_I64_TO_ADDR(addr, value) WASMCU_PUT_8_BYTES(addr, int64, value)
#undef PUT_F64_TO_ADDR
#define PUT_F64_TO_ADDR(addr, value) WASMCU_PUT_8_BYTES(addr, float64, value)

#endif /* WASM_CPU_SUPPORTS_UNALIGNED_ADDR_ACCESS == 0 */
#endif /* WASMCU_WAMR_ALIGNED_STORES_H */
