"""Device data's schema: every key a layer may hold, its kind, and the checks of a merged device."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ConfigError

BACKENDS = ("host", "qemu", "board")
ISAS = ("thumb", "rv32")   # the instruction decoders of the event-count plugin


class _Open:
    """A table whose keys another module checks (it names the file and key itself)."""


OPEN = _Open()
STR, INT, BOOL = (str, "a string"), (int, "an integer"), (bool, "true or false")
STRS = ("strs", "a list of strings")
INTS = ("ints", "a list of integers")

QEMU_TABLE = {"binary": (str, "a QEMU program, e.g. 'qemu-system-arm'"), "machine": (str, "a QEMU machine, e.g. 'mps2-an385'"),
              "flash_origin": (int, "the flash base address, an integer"),
              "ram_origin": (int, "the RAM base address, an integer"),
              "args": (STRS[0], "a list of extra QEMU options, e.g. [\"-bios\", \"none\"]"), "note": STR}
TOOLCHAIN_TABLE = {"cc": (str, "a cross compiler, e.g. 'arm-none-eabi-gcc'"), "cflags": STRS,
                   "rust_target": (str, "a Rust target, e.g. 'thumbv6m-none-eabi'"),
                   "rust_features": (str, "rustc -C target-feature, e.g. '+fp-armv8d16sp'"),
                   "linker_script": (str, "the linker script included after the memory layout, e.g. 'picolibc.ld'")}
ARCH_SCHEMA = {"name": STR, "description": STR, "isa": (str, " or ".join(ISAS)), "toolchain": TOOLCHAIN_TABLE,
               "qemu": QEMU_TABLE, "wamr": {"target": (str, "WAMR's WAMR_BUILD_TARGET, e.g. 'THUMBV6M'"),
                                           "wamrc": STRS, "aligned_stores": BOOL},
               "build": {"opt": STR, "stack_bytes": INT}}
CORE_SCHEMA = {"name": STR, "description": STR, "arch": (str, "an architecture (a file of devices/arch/)"),
               "toolchain": {"cflags": STRS}, "cycle_model": OPEN}
BOARD_SCHEMA = {
    "name": (str, "a device name such as 'pico'"), "description": (str, "a one-line description"),
    "backend": (str, " or ".join(BACKENDS)), "core": (str, "a core (a file of devices/cores/), e.g. 'cortex-m0plus'"),
    "arch": (str, "the core's architecture (optional: the core says it)"),
    "extends": (str, "the name of a board whose data this profile overrides"),
    "clock": {"default_hz": (int, "the core clock in Hz, an integer"), "options_hz": INTS,
              "source": (str, "where the figure comes from (datasheet section)")},
    "memory": {"flash_bytes": (int, "a size in bytes, an integer"), "ram_bytes": (int, "a size in bytes, an integer"),
               "source": (str, "where the figures come from (datasheet section)")},
    "qemu": QEMU_TABLE, "memory_system": OPEN, "cycle_model": OPEN, "power": OPEN, "board": OPEN,
    "build": {"opt": STR, "sdk_opt": STR, "sdk_source": STR, "stack_bytes": INT},
    "limits": {"linear_memory_bytes": INT},
    "runtimes": OPEN,
    "update": OPEN,        # link rates and flash timings of an update (wasmcu.measure.update)
    "calibration": OPEN,   # written by `wasmcu calibrate`: where a fitted cost table comes from
}


def _check_schema(data: dict, schema: dict, file: Path, prefix: str = "") -> None:
    for key, value in data.items():
        where = f"{prefix}{key}"
        if key not in schema:
            raise ConfigError(f"unknown key {key!r}", file=file, field=where,
                              expected="one of " + ", ".join(schema))
        rule = schema[key]
        if rule is OPEN:
            if not isinstance(value, dict):
                raise ConfigError(f"invalid value {value!r}", file=file, field=where, expected="a table")
            continue
        if isinstance(rule, dict):
            if not isinstance(value, dict):
                raise ConfigError(f"invalid value {value!r}", file=file, field=where,
                                  expected="a table with " + ", ".join(rule))
            _check_schema(value, rule, file, where + ".")
            continue
        kind, expected = rule
        if kind == "strs":
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        elif kind == "ints":
            ok = isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        else:
            ok = isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
        if not ok:
            raise ConfigError(f"invalid value {value!r}", file=file, field=where, expected=expected)


def _need(data: dict, path: str, kind, file: Path, expected: str, layers: str = ""):
    cur: Any = data
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            raise ConfigError("missing" + layers, file=file, field=path, expected=expected)
        cur = cur[part]
    if not isinstance(cur, kind) or isinstance(cur, bool):
        raise ConfigError(f"invalid value {cur!r}", file=file, field=path, expected=expected)
    return cur


def _check_costs(table, file: Path) -> None:
    """A partial [cycle_model] of one layer: known keys, valid costs (completeness is checked
    on the merged device)."""
    from ..measure.cycles import COSTS, META_KEYS, _cost

    for key, value in table.items():
        if key in META_KEYS:
            if not isinstance(value, str):
                raise ConfigError(f"invalid value {value!r}", file=file, field=f"cycle_model.{key}", expected="a string")
        elif key in COSTS:
            _cost(value, file, f"cycle_model.{key}")
        else:
            raise ConfigError(f"unknown key {key!r}", file=file, field=f"cycle_model.{key}",
                              expected="one of " + ", ".join((*COSTS, *META_KEYS)))


def _validate_device(device, costed: bool) -> None:
    """The merged data is complete and consistent; errors name the board's file."""
    data, file, backend = device.data, device.file, device.backend
    _need(data, "description", str, file, BOARD_SCHEMA["description"][1])
    if backend == "host":
        return
    below = f" (in the board and in its core {data['core']!r} and architecture {data['arch']!r})"
    hz = _need(data, "clock.default_hz", int, file, "the core clock in Hz, an integer", below)
    if hz <= 0:
        raise ConfigError(f"invalid value {hz}", file=file, field="clock.default_hz", expected="a positive integer")
    _need(data, "clock.source", str, file, "where the figure comes from (datasheet section)", below)
    for key in ("flash_bytes", "ram_bytes"):
        v = _need(data, f"memory.{key}", int, file, "a size in bytes, an integer", below)
        if v <= 0:
            raise ConfigError(f"invalid value {v}", file=file, field=f"memory.{key}", expected="a positive integer")
    _need(data, "memory.source", str, file, "where the figures come from (datasheet section)", below)
    if backend == "board":
        _need(data, "board.chip", str, file, "the chip wasmcu builds firmware for: \"rp2040\"", below)
    if backend == "qemu":
        _need(data, "qemu.machine", str, file, "a QEMU machine such as 'mps2-an385'", below)
        _need(data, "qemu.binary", str, file, "a QEMU program such as 'qemu-system-arm'", below)
    if "power" in data:
        from ..measure.energy import check_power

        check_power(data["power"], file)
    if "update" in data:
        from ..measure.update import check_update

        check_update(data["update"], file)
    if "memory_system" in data:
        _check_memory_system(data["memory_system"], file)
    if "runtimes" in data:
        _check_runtime_sizes(data["runtimes"], file)
    if costed:  # an emulated board, or a board giving costs of its own: a complete cost table
        from ..measure.cycles import CostModel

        try:
            CostModel.from_table(data.get("cycle_model"), file)
        except ConfigError as exc:
            raise ConfigError(f"{exc} — the board's cost table is its core's ({data['core']!r}) with the board's "
                              "own [cycle_model] keys over it (memories: fetch_wait, ifetch_miss, dfetch_miss)") from None


def _check_runtime_sizes(table: dict, file: Path) -> None:
    """[runtimes.NAME]: sizes a runtime's firmware part is built with (its `firmware_sizes`):
    tables of positive byte counts here; the runtime names and their keys are checked by the
    runtimes layer (wasmcu.runtimes.check_device_sizes), which knows them."""
    for name, sizes in table.items():
        if not isinstance(sizes, dict):
            raise ConfigError(f"invalid value {sizes!r}", file=file, field=f"runtimes.{name}",
                              expected="a table of sizes in bytes, e.g. stack_bytes = 4096")
        for key, value in sizes.items():
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"invalid value {value!r}", file=file, field=f"runtimes.{name}.{key}",
                                  expected="a positive number of bytes")


MEMORY_SYSTEM_KEYS = {"cache_bytes": int, "cache_ways": int, "line_bytes": int, "code_in": str, "source": str,
                      "data_reads": bool}


def _check_memory_system(ms, file: Path) -> None:
    """[memory_system]: the flash cache the code and flash data go through."""
    if not isinstance(ms, dict):
        raise ConfigError("invalid value", file=file, field="memory_system", expected="a table")
    for key in ms:
        if key not in MEMORY_SYSTEM_KEYS:
            raise ConfigError(f"unknown key {key!r}", file=file, field=f"memory_system.{key}",
                              expected="one of " + ", ".join(MEMORY_SYSTEM_KEYS))
    for key, kind in MEMORY_SYSTEM_KEYS.items():
        if key == "data_reads":  # optional: model data reads too (slower emulation)
            if not isinstance(ms.get(key, False), bool):
                raise ConfigError(f"invalid value {ms[key]!r}", file=file, field="memory_system.data_reads",
                                  expected="true or false")
            continue
        value = _need({"memory_system": ms}, f"memory_system.{key}", kind, file, f"a {kind.__name__}")
        if kind is int and value <= 0:
            raise ConfigError(f"invalid value {value}", file=file, field=f"memory_system.{key}", expected="> 0")
    if ms["cache_bytes"] % (ms["cache_ways"] * ms["line_bytes"]):
        raise ConfigError("cache_bytes is not a multiple of cache_ways x line_bytes", file=file,
                          field="memory_system.cache_bytes", expected="sets x ways x line bytes")
    if ms["code_in"] != "flash":
        raise ConfigError(f"invalid value {ms['code_in']!r}", file=file, field="memory_system.code_in",
                          expected="'flash' (code executed in place through the cache: the only placement the "
                                   "firmware builds today)")
