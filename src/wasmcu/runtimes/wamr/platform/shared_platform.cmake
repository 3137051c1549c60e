# wasmcu's bare-metal platform layer for WAMR (single thread, picolibc).
# Use it from WAMR's own CMake build with
#   -DWAMR_BUILD_PLATFORM=wasmcu -DSHARED_PLATFORM_CONFIG=<this file>
set (PLATFORM_SHARED_DIR ${CMAKE_CURRENT_LIST_DIR})
add_definitions (-DBH_PLATFORM_WASMCU)
include_directories (${PLATFORM_SHARED_DIR})
include_directories (${SHARED_DIR}/platform/include)   # WAMR's platform API headers
set (PLATFORM_SHARED_SOURCE ${PLATFORM_SHARED_DIR}/wasmcu_platform.c)
