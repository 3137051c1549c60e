"""A device (its merged data and what it says: clock, memories, cost model) and the queries on devices by name."""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError


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
