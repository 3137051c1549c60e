# CMake toolchain file: bare-metal armv8m with the distribution's GCC and picolibc.
set (CMAKE_SYSTEM_NAME Generic)
set (CMAKE_SYSTEM_PROCESSOR arm)
set (CMAKE_C_COMPILER arm-none-eabi-gcc)
set (CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set (CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set (CMAKE_C_FLAGS_INIT "-mcpu=cortex-m33 -mthumb -mfloat-abi=softfp -mfpu=fpv5-sp-d16 --specs=picolibc.specs -ffunction-sections -fdata-sections")
set (CMAKE_ASM_FLAGS_INIT "-mcpu=cortex-m33 -mthumb -mfloat-abi=softfp -mfpu=fpv5-sp-d16 --specs=picolibc.specs")
