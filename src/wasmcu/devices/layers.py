"""Loading device data: the arch, core and board files, merged layer over layer into devices."""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError
from .device import Device
from .schema import (ARCH_SCHEMA, BACKENDS, BOARD_SCHEMA, CORE_SCHEMA, ISAS, TOOLCHAIN_TABLE, _check_costs,
                     _check_schema, _need, _validate_device)

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).parent  # the built-in data: profiles/, cores/, arch/
BUILTIN = ROOT / "profiles"
BUILTIN_CORES = ROOT / "cores"
BUILTIN_ARCHES = ROOT / "arch"


def user_device_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "wasmcu" / "devices"


def _read(file: Path) -> dict:
    try:
        return tomllib.loads(Path(file).read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", file=file) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", file=file) from exc


@dataclass
class Layer:
    kind: str      # "arch", "core" or "board"
    name: str
    file: Path
    data: dict


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
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}", name):  # it is a --device word, a path and a label
        raise ConfigError(f"invalid name {name!r}", file=file, field="name",
                          expected="letters, digits and _ . + - (at most 64, a letter or digit first), e.g. "
                                   "'pico-fast'")
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
            for f in sorted((d / sub).glob("*.toml")):   # none when there is no such folder
                layer = load(f)
                into[layer.name] = layer

    def add_boards(self, d: Path) -> None:
        for f in sorted(d.glob("*.toml")):
            self.add_board_file(f)

    def add_board_file(self, f: Path) -> None:
        layer = load_board(f)
        if layer.name in self.boards:  # a user's profile replacing another one (e.g. the built-in pico)
            from ..workloads.checks import shadowed

            shadowed("device", layer.name, self.boards[layer.name].file, layer.file)
        self.boards[layer.name] = layer

    def resolve(self, name: str) -> Device:
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
        raise ConfigError(f"board {layer.name!r} extends itself (through {' -> '.join((*seen, layer.name, base))})",
                          file=layer.file, field="extends", expected="a chain of boards without a cycle")
    if base not in cat.boards:
        raise ConfigError(f"unknown board {base!r}", file=layer.file, field="extends",
                          expected="one of " + ", ".join(cat.boards))
    return _board_chain(cat, cat.boards[base], (*seen, layer.name)) + [layer]


def _resolve(cat: Catalog, layer: Layer) -> Device:
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
