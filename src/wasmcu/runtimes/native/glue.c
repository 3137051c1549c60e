/* wasmcu glue for the `native` runtime: the kernel linked into the firmware. */
#include "wasmcu_fw.h"

extern uint32_t run(uint32_t seed);

const char wasmcu_glue_runtime[] = "native";

int wasmcu_glue_load(const char **error)
{
    (void)error;
    return 0;
}

int wasmcu_glue_run(uint32_t seed, uint32_t *result, const char **error)
{
    (void)error;
    *result = run(seed);
    return 0;
}
