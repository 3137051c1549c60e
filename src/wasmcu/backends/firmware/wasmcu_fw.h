/* wasmcu bare-metal firmware: the interface between main.c and a runtime's glue. */
#ifndef WASMCU_FW_H
#define WASMCU_FW_H

#include <stdint.h>

/* Load and instantiate the kernel (a no-op for native code). Returns 0, or sets
 * *error to a message and returns non-zero. */
int wasmcu_glue_load(const char **error);

/* Call the kernel once as run(seed). Returns 0 and the kernel's result in *result,
 * or sets *error and returns non-zero (a trap). */
int wasmcu_glue_run(uint32_t seed, uint32_t *result, const char **error);

/* Name of the runtime, reported in the line protocol. */
extern const char wasmcu_glue_runtime[];

#endif
