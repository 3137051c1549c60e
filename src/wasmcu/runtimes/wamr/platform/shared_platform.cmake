# wasmcu's bare-metal platform layer for WAMR (single thread, picolibc).
# Use it from WAMR's own CMake build with
#   -DWAMR_BUILD_PLATFORM=wasmcu -DSHARED_PLATFORM_CONFIG=<this file>
set (PLATFORM_SHARED_DIR ${CMAKE_CURRENT_LIST_DIR})
add_definitions (-DBH_PLATFORM_WASMCU)
include_directories (${PLATFORM_SHARED_DIR})
include_directories (${SHARED_DIR}/platform/include)   # WAMR's platform API headers
set (PLATFORM_SHARED_SOURCE ${PLATFORM_SHARED_DIR}/wasmcu_platform.c)
# A core that faults on unaligned word access (-DWASMCU_ALIGNED_STORES=1): the classic
# interpreter's i64/f64 stores to linear memory check the alignment (aligned_stores.h).
if (WASMCU_ALIGNED_STORES)
  set_source_files_properties (${IWASM_DIR}/interpreter/wasm_interp_classic.c PROPERTIES
                               COMPILE_OPTIONS "-include;${PLATFORM_SHARED_DIR}/aligned_stores.h")
endif ()
