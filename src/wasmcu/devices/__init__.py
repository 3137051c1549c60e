"""Devices: the machines a kernel runs on, described by layered data (TOML).

A device's data is merged from layers, lowest priority first:

    arch/NAME.toml      an architecture: ISA, compiler and flags, Rust target, linker script,
                        QEMU binary, machine and memory map, WAMR targets
    cores/NAME.toml     a core: its architecture (`arch = ...`) and its pipeline's cycle costs
    profiles/NAME.toml  a board: `core = ...`, clock, memories and their cache and costs, power,
                        vendor-SDK defaults, how to reach a real board
    (user overrides)    a profile with `extends = "BOARD"`: that board's data, then its own keys

Tables merge key by key (a higher layer replaces a key of a lower one; `[cycle_model] source`
texts are joined). A new board on a known core is one small profile; a new core is one core
file; a new architecture one arch file. Every file is checked against a schema: a missing or
unknown key, or a value of the wrong kind, is an error naming the file, the key and what was
expected.

Built-in data lives beside this module. Users add boards (and `cores/`, `arch/` subfolders)
in a device directory: `--device-dir DIR`, WASMCU_DEVICE_PATH (os.pathsep separated) or
`~/.config/wasmcu/devices` ($XDG_CONFIG_HOME) when it exists; a board of the same name as an
earlier one replaces it.
"""

from __future__ import annotations

from .device import Device, at_clock, parse
from .layers import (BUILTIN, BUILTIN_ARCHES, BUILTIN_CORES, ROOT, Catalog, Layer, arch_data, arch_names, catalog,
                     discover, load_arch, load_board, load_core, load_profile, merge, user_device_dir)
from .schema import (ARCH_SCHEMA, BACKENDS, BOARD_SCHEMA, CORE_SCHEMA, ISAS, MEMORY_SYSTEM_KEYS, OPEN, QEMU_TABLE,
                     TOOLCHAIN_TABLE)

__all__ = ["ARCH_SCHEMA", "BACKENDS", "BOARD_SCHEMA", "BUILTIN", "BUILTIN_ARCHES", "BUILTIN_CORES", "CORE_SCHEMA",
           "Catalog", "Device", "ISAS", "Layer", "MEMORY_SYSTEM_KEYS", "OPEN", "QEMU_TABLE", "ROOT", "TOOLCHAIN_TABLE",
           "arch_data", "arch_names", "at_clock", "catalog", "discover", "load_arch", "load_board", "load_core",
           "load_profile", "merge", "parse", "user_device_dir"]
