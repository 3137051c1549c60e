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

import copy
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).parent
BUILTIN = ROOT / "profiles"
BUILTIN_CORES = ROOT / "cores"
BUILTIN_ARCHES = ROOT / "arch"
BACKENDS = ("host", "qemu", "board")
ISAS = ("thumb", "rv32")   # the instruction decoders of the event-count plugin


def user_device_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "wasmcu" / "devices"


# --- schemas -------------------------------------------------------------------------------

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
                                           "wamrc": STRS},
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


def _read(file: Path) -> dict:
    try:
        return tomllib.loads(Path(file).read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", file=file) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", file=file) from exc


# --- layers ----------------------------------------------------------------------------------

@dataclass
class Layer:
    kind: str      # "arch", "core" or "board"
    name: str
    file: Path
    data: dict


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


def load_arch(file: Path) -> Layer:
    file = Path(file)
    data = _read(file)
    _check_schema(data, ARCH_SCHEMA, file)
    name = _need(data, "name", str, file, "the architecture's name, the file's stem, e.g. 'armv6m'")
    _need(data, "description", str, file, "a one-line description")
    isa = _need(data, "isa", str, file, " or ".join(ISAS))
    if isa not in ISAS:
        raise ConfigError(f"unknown isa {isa!r}", file=file, field="isa",
                          expected=" or ".join(ISAS) + " (the instruction decoders of wasmcu's QEMU plugin)")
    for key, (_, expected) in TOOLCHAIN_TABLE.items():
        if key == "rust_features":
            continue
        _need(data, f"toolchain.{key}", list if key == "cflags" else str, file, expected)
    return Layer("arch", name, file, data)


def load_core(file: Path) -> Layer:
    file = Path(file)
    data = _read(file)
    _check_schema(data, CORE_SCHEMA, file)
    name = _need(data, "name", str, file, "the core's name, e.g. 'cortex-m0plus'")
    _need(data, "description", str, file, "a one-line description")
    _need(data, "arch", str, file, CORE_SCHEMA["arch"][1])
    if "cycle_model" in data:
        _check_costs(data["cycle_model"], file)
    return Layer("core", name, file, data)


def load_board(file: Path) -> Layer:
    file = Path(file)
    data = _read(file)
    _check_schema(data, BOARD_SCHEMA, file)
    name = _need(data, "name", str, file, BOARD_SCHEMA["name"][1])
    if "extends" not in data:
        _need(data, "description", str, file, BOARD_SCHEMA["description"][1])
        backend = _need(data, "backend", str, file, BOARD_SCHEMA["backend"][1])
        if backend not in BACKENDS:
            raise ConfigError(f"unknown backend {backend!r}", file=file, field="backend", expected=" or ".join(BACKENDS))
    if "cycle_model" in data:
        _check_costs(data["cycle_model"], file)
    return Layer("board", name, file, data)


def merge(low: dict, high: dict) -> dict:
    """`high` over `low`, table by table; `[cycle_model] source` texts are joined."""
    out = copy.deepcopy(low)
    for key, value in high.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            joined = merge(out[key], value)
            if key == "cycle_model" and "source" in out[key] and "source" in value:
                joined["source"] = f"{out[key]['source']}; {value['source']}"
            out[key] = joined
        else:
            out[key] = copy.deepcopy(value)
    return out


@dataclass
class Catalog:
    """Every architecture, core and board known: the built-in ones, then the user's."""

    arches: dict[str, Layer] = field(default_factory=dict)
    cores: dict[str, Layer] = field(default_factory=dict)
    boards: dict[str, Layer] = field(default_factory=dict)

    def add_layers(self, d: Path) -> None:
        """The architectures in `d/arch/` and the cores in `d/cores/`."""
        for sub, load, into in (("arch", load_arch, self.arches), ("cores", load_core, self.cores)):
            for f in sorted((d / sub).glob("*.toml")) if (d / sub).is_dir() else []:
                layer = load(f)
                into[layer.name] = layer

    def add_boards(self, d: Path) -> None:
        for f in sorted(d.glob("*.toml")):
            self.add_board_file(f)

    def add_board_file(self, f: Path) -> None:
        layer = load_board(f)
        self.boards[layer.name] = layer

    def resolve(self, name: str) -> "Device":
        return _resolve(self, self.boards[name])


def _builtin_catalog() -> Catalog:
    cat = Catalog()
    cat.add_layers(ROOT)
    cat.add_boards(BUILTIN)
    return cat


def _board_chain(cat: Catalog, layer: Layer, seen=()) -> list[Layer]:
    base = layer.data.get("extends")
    if base is None:
        return [layer]
    if base == layer.name or base in seen:
        raise ConfigError(f"board {layer.name!r} extends itself (through {' -> '.join((*seen, base))})",
                          file=layer.file, field="extends", expected="a chain of boards without a cycle")
    if base not in cat.boards:
        raise ConfigError(f"unknown board {base!r}", file=layer.file, field="extends",
                          expected="one of " + ", ".join(cat.boards))
    return _board_chain(cat, cat.boards[base], (*seen, layer.name)) + [layer]


def _resolve(cat: Catalog, layer: Layer) -> "Device":
    file = layer.file
    chain = _board_chain(cat, layer)
    board: dict = {}
    for b in chain:
        board = merge(board, b.data)
    board["name"] = layer.name
    board.pop("extends", None)
    backend = board["backend"]
    layers = [b.file for b in chain]
    data = board
    if backend != "host":
        core_name = _need(board, "core", str, file, BOARD_SCHEMA["core"][1])
        if core_name not in cat.cores:
            raise ConfigError(f"unknown core {core_name!r}", file=file, field="core",
                              expected="one of " + ", ".join(cat.cores) + " (or a core file in a device directory's "
                                       "cores/ folder)")
        core = cat.cores[core_name]
        arch_name = core.data["arch"]
        if arch_name not in cat.arches:
            raise ConfigError(f"unknown arch {arch_name!r}", file=core.file, field="arch",
                              expected="one of " + ", ".join(cat.arches) + " (or an arch file in a device "
                                       "directory's arch/ folder)")
        if "arch" in board and board["arch"] != arch_name:
            raise ConfigError(f"arch {board['arch']!r} differs from core {core_name!r}'s {arch_name!r}", file=file,
                              field="arch", expected=f"{arch_name!r} or no arch key (the core gives it)")
        arch = cat.arches[arch_name]
        arch_data = {k: v for k, v in arch.data.items() if k not in ("name", "description")}
        core_data = {k: v for k, v in core.data.items() if k not in ("name", "description")}
        data = merge(merge(arch_data, core_data), board)
        data["arch"] = arch_name
        layers = [arch.file, core.file, *layers]
    device = Device(name=layer.name, description=data.get("description", ""), backend=backend, file=file, data=data,
                    layers=layers)
    _validate_device(device, costed=backend == "qemu" or any("cycle_model" in b.data for b in chain))
    return device


def _validate_device(device: "Device", costed: bool) -> None:
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


# --- devices -----------------------------------------------------------------------------------

@dataclass
class Device:
    name: str
    description: str
    backend: str
    file: Path
    data: dict[str, Any] = field(default_factory=dict)
    layers: list[Path] = field(default_factory=list)   # the files merged, lowest priority first

    @property
    def arch(self) -> str:
        return self.data.get("arch", "host")

    @property
    def core(self) -> str | None:
        return self.data.get("core")

    @property
    def clock_hz(self) -> int | None:
        return self.data.get("clock", {}).get("default_hz")

    @property
    def flash_bytes(self) -> int | None:
        return self.data.get("memory", {}).get("flash_bytes")

    @property
    def ram_bytes(self) -> int | None:
        return self.data.get("memory", {}).get("ram_bytes")

    @property
    def profile_hash(self) -> str:
        """A hash of the merged data (every layer): changes when any layer changes what it says."""
        text = json.dumps(self.data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def section(self, name: str) -> dict[str, Any]:
        return self.data.get(name, {})

    @property
    def cycle_model(self):
        """The validated cost table (wasmcu.measure.cycles.CostModel) of an emulated device."""
        from ..measure.cycles import CostModel

        return CostModel.from_table(self.data.get("cycle_model"), self.file)


def load_profile(file: Path, cat: Catalog | None = None) -> Device:
    """One board profile, on the built-in cores and architectures (and those in `cores/` and
    `arch/` beside it)."""
    file = Path(file)
    cat = cat or _builtin_catalog()
    if file.parent != BUILTIN:
        cat.add_layers(file.parent)
    layer = load_board(file)
    cat.boards[layer.name] = layer
    _remember_arches(cat)
    return _resolve(cat, layer)


# architectures known to this process (built-in, and the user's met by discover/load_profile):
# the toolchain layer builds for them (wasmcu.toolchains.mcu.ARCHES)
_ARCHES: dict[str, Layer] = {}


def _remember_arches(cat: Catalog) -> None:
    _ARCHES.update(cat.arches)


def arch_data(name: str) -> dict:
    """An architecture's data (its arch file), by name."""
    if not _ARCHES:
        _remember_arches(_builtin_catalog())
    try:
        return _ARCHES[name].data
    except KeyError:
        raise ConfigError(f"unknown arch {name!r}", expected="one of " + ", ".join(_ARCHES)) from None


def arch_names() -> list[str]:
    if not _ARCHES:
        _remember_arches(_builtin_catalog())
    return list(_ARCHES)


def catalog(extra: list[Path] | None = None) -> Catalog:
    """Every layer: built-in, then the user device directory, WASMCU_DEVICE_PATH and `extra`
    (directories of board profiles with optional cores/ and arch/ folders, or single files)."""
    cat = _builtin_catalog()
    dirs = []
    if user_device_dir().is_dir():
        dirs.append(user_device_dir())
    env = os.environ.get("WASMCU_DEVICE_PATH")
    if env:
        dirs += [Path(p) for p in env.split(os.pathsep) if p]
    dirs += [Path(p) for p in (extra or [])]
    for d in dirs:
        if d.is_file():
            cat.add_layers(d.parent)
            cat.add_board_file(d)
            continue
        if not d.is_dir():
            raise ConfigError("device directory does not exist", file=d,
                              expected="a folder of board profiles (*.toml), with optional cores/ and arch/ folders")
        cat.add_layers(d)
        cat.add_boards(d)
    _remember_arches(cat)
    return cat


def discover(extra: list[Path] | None = None) -> dict[str, Device]:
    cat = catalog(extra)
    return {name: cat.resolve(name) for name in cat.boards}


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



def at_clock(device: Device, mhz: str) -> Device:
    """The device at another of its documented clocks: `nrf5340@128` (MHz)."""
    options = device.section("clock").get("options_hz", [])
    try:
        hz = int(float(mhz) * 1_000_000)
    except ValueError:
        hz = -1
    if hz not in options:
        listed = ", ".join(f"{o / 1e6:g}" for o in options) or "none"
        raise ConfigError(f"device '{device.name}' has no {mhz} MHz clock; its documented clocks (MHz): {listed}")
    data = copy.deepcopy(device.data)
    data["name"] = f"{device.name}@{mhz}"
    data["clock"]["default_hz"] = hz
    return Device(name=data["name"], description=device.description, backend=device.backend, file=device.file,
                  data=data, layers=device.layers)


def parse(text: str | None, devices: dict[str, Device], default: list[str]) -> list[Device]:
    """Devices by name; `name@MHZ` selects another documented clock of a device."""
    names = [t.strip() for t in text.split(",")] if text else list(default)
    out = []
    for name in (n for n in names if n):
        base, _, mhz = name.partition("@")
        if base not in devices:
            raise ConfigError(f"unknown device '{base}'; known: {', '.join(devices)} (add a profile with --device-dir)")
        device = at_clock(devices[base], mhz) if mhz else devices[base]
        devices[device.name] = device
        out.append(device)
    return out
