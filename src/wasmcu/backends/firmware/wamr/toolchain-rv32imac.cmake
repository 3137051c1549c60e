# CMake toolchain file: bare-metal rv32imac with the distribution's GCC and picolibc.
set (CMAKE_SYSTEM_NAME Generic)
set (CMAKE_SYSTEM_PROCESSOR riscv)
set (CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set (CMAKE_ASM_COMPILER riscv64-unknown-elf-gcc)
set (CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set (CMAKE_C_FLAGS_INIT "-march=rv32imac -mabi=ilp32 -misa-spec=2.2 --specs=picolibc.specs -ffunction-sections -fdata-sections")
set (CMAKE_ASM_FLAGS_INIT "-march=rv32imac -mabi=ilp32 -misa-spec=2.2 --specs=picolibc.specs")
