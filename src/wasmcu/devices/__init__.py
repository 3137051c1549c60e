"""Devices: the machines a kernel runs on, described by profiles (TOML data).

Built-in profiles live in `profiles/`; users add their own with `--device-dir DIR`
or WASMCU_DEVICE_PATH (os.pathsep separated directories of *.toml files).

Required fields: name, description, backend ('host', 'qemu' or 'board'). Devices
with backend 'qemu' or 'board' also need: arch, core, [clock] default_hz + source,
[memory] flash_bytes, ram_bytes + source. Devices with backend 'qemu' also need [qemu]
machine and a complete [cycle_model] (every cost and its source; see
wasmcu.measure.cycles). Optional: [power], [build]. Every number should carry its source.
"""

from __future__ import annotations

import copy
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

BUILTIN = Path(__file__).parent / "profiles"
BACKENDS = ("host", "qemu", "board")
ARCHES = ("host", "armv6m", "armv8m", "rv32imac")


@dataclass
class Device:
    name: str
    description: str
    backend: str
    file: Path
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def arch(self) -> str:
        return self.data.get("arch", "host")

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
        return hashlib.sha256(self.file.read_bytes()).hexdigest()[:16]

    def section(self, name: str) -> dict[str, Any]:
        return self.data.get(name, {})

    @property
    def cycle_model(self):
        """The validated cost table (wasmcu.measure.cycles.CostModel) of an emulated device."""
        from ..measure.cycles import CostModel

        return CostModel.from_table(self.data.get("cycle_model"), self.file)


def _need(data: dict, path: str, kind, file: Path, expected: str):
    cur: Any = data
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            raise ConfigError("missing", file=file, field=path, expected=expected)
        cur = cur[part]
    if not isinstance(cur, kind) or isinstance(cur, bool):
        raise ConfigError(f"invalid value {cur!r}", file=file, field=path, expected=expected)
    return cur


def load_profile(file: Path) -> Device:
    file = Path(file)
    try:
        data = tomllib.loads(file.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", file=file) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", file=file) from exc
    name = _need(data, "name", str, file, "a device name such as 'pico'")
    _need(data, "description", str, file, "a one-line description")
    backend = _need(data, "backend", str, file, " or ".join(BACKENDS))
    if backend not in BACKENDS:
        raise ConfigError(f"unknown backend {backend!r}", file=file, field="backend", expected=" or ".join(BACKENDS))
    if backend != "host":
        arch = _need(data, "arch", str, file, " or ".join(ARCHES[1:]))
        if arch not in ARCHES[1:]:
            raise ConfigError(f"unknown arch {arch!r}", file=file, field="arch", expected=" or ".join(ARCHES[1:]))
        _need(data, "core", str, file, "a core name such as 'cortex-m0plus'")
        hz = _need(data, "clock.default_hz", int, file, "the core clock in Hz, an integer")
        if hz <= 0:
            raise ConfigError(f"invalid value {hz}", file=file, field="clock.default_hz", expected="a positive integer")
        _need(data, "clock.source", str, file, "where the figure comes from (datasheet section)")
        for key in ("flash_bytes", "ram_bytes"):
            v = _need(data, f"memory.{key}", int, file, "a size in bytes, an integer")
            if v <= 0:
                raise ConfigError(f"invalid value {v}", file=file, field=f"memory.{key}", expected="a positive integer")
        _need(data, "memory.source", str, file, "where the figures come from (datasheet section)")
        if backend == "board":
            _need(data, "board.chip", str, file, "the chip wasmcu builds firmware for: \"rp2040\"")
        if backend == "qemu":
            _need(data, "qemu.machine", str, file, "a QEMU machine such as 'mps2-an385'")
            args = data["qemu"].get("args", [])
            if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
                raise ConfigError(f"invalid value {args!r}", file=file, field="qemu.args",
                                  expected="a list of extra QEMU options, e.g. [\"-bios\", \"none\"]")
        if "power" in data:
            from ..measure.energy import check_power

            check_power(data["power"], file)
        if "memory_system" in data:
            _check_memory_system(data["memory_system"], file)
        if backend == "qemu" or "cycle_model" in data:
            from ..measure.cycles import CostModel

            CostModel.from_table(data.get("cycle_model"), file)
    return Device(name=name, description=data["description"], backend=backend, file=file, data=data)


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


def discover(extra: list[Path] | None = None) -> dict[str, Device]:
    dirs = [BUILTIN]
    env = os.environ.get("WASMCU_DEVICE_PATH")
    if env:
        dirs += [Path(p) for p in env.split(os.pathsep) if p]
    dirs += [Path(p) for p in (extra or [])]
    found: dict[str, Device] = {}
    for d in dirs:
        if d.is_file():
            dev = load_profile(d)
            found[dev.name] = dev
            continue
        if not d.is_dir():
            raise ConfigError("device directory does not exist", file=d)
        for f in sorted(d.glob("*.toml")):
            dev = load_profile(f)
            found[dev.name] = dev
    return found


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
                  data=data)


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
