"""Builds: kernels to wasm modules, to host shared libraries, to MCU objects; all cached."""
