"""What an update of a cell's code ships and costs: its bytes, compressed and as a delta, and its delivery modelled.

A board receives an update over a link (the device profile's [update.links.NAME]: a UART,
BLE, ...), writes it to flash (erase and program times from the flash's datasheet:
[update] erase_* and program_*), and, for a wasm module, loads and instantiates it (the
cell's own load time: measured on a real board, estimated under QEMU). Link and flash
figures are modelled from cited documents; every part of the total says its kind.

Compression is what embedded updaters use: LZMA (the .lzma "alone" format that small
decoders read) and heatshrink (an LZSS for a few hundred bytes of RAM, window 2^8, lookahead
2^7, as detools uses). A delta between two versions is made by detools (made for delta updates on
microcontrollers; a sequential patch, heatshrink-compressed, applied in place on the device).
"""

from __future__ import annotations

import io
import lzma
import math
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from .cycles import Cost, _cost

HEATSHRINK = {"window_sz2": 8, "lookahead_sz2": 7}  # detools' defaults: a decoder state of a few hundred bytes
MODELLED, MEASURED, ESTIMATED = "modelled", "measured", "estimated"


@dataclass(frozen=True)
class Link:
    name: str
    bytes_per_s: Cost
    power_mw: Cost | None   # what the link's own hardware draws while receiving, when the profile says
    source: str


@dataclass(frozen=True)
class Flash:
    erase_unit_bytes: int
    erase_s: Cost
    program_unit_bytes: int
    program_s: Cost
    source: str


_FLASH_KEYS = {"link", "links", "erase_unit_bytes", "erase_s", "program_unit_bytes", "program_s", "source"}
_LINK_KEYS = {"bytes_per_s", "current_ma", "voltage_v", "source"}


def check_update(table, file) -> None:
    """Validate a profile's [update] table; errors name the file and the key."""
    flash(table, file)
    if not isinstance(table.get("links"), dict) or not table["links"]:
        raise ConfigError("no links", file=file, field="update.links",
                          expected="[update.links.NAME] tables with bytes_per_s and source")
    for name in table["links"]:
        _link(table, name, file)
    default = table.get("link")
    if default not in table["links"]:
        raise ConfigError(f"invalid value {default!r}", file=file, field="update.link",
                          expected="the default link, one of " + ", ".join(table["links"]))


def flash(table, file) -> Flash:
    if not isinstance(table, dict):
        raise ConfigError("invalid value", file=file, field="update", expected="a table")
    unknown = set(table) - _FLASH_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(f"unknown key {key!r}", file=file, field=f"update.{key}", expected=", ".join(sorted(_FLASH_KEYS)))
    for key in ("erase_unit_bytes", "program_unit_bytes"):
        v = table.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise ConfigError(f"invalid value {v!r}", file=file, field=f"update.{key}",
                              expected="a size in bytes, a whole number > 0 (the flash's sector or page)")
    if not isinstance(table.get("source"), str) or not table["source"].strip():
        raise ConfigError("missing", file=file, field="update.source",
                          expected="where the erase and program times come from (datasheet section)")
    for key in ("erase_s", "program_s"):
        if key not in table:
            raise ConfigError("missing", file=file, field=f"update.{key}",
                              expected="seconds per unit: a number or { value, low, high, why }")
    return Flash(table["erase_unit_bytes"], _cost(table["erase_s"], file, "update.erase_s", unit="seconds"),
                 table["program_unit_bytes"], _cost(table["program_s"], file, "update.program_s", unit="seconds"),
                 table["source"])


def _link(table, name: str, file) -> Link:
    raw = table["links"][name]
    where = f"update.links.{name}"
    if not isinstance(raw, dict) or set(raw) - _LINK_KEYS or not {"bytes_per_s", "source"} <= set(raw):
        raise ConfigError(f"invalid [{where}]", file=file, field=where,
                          expected="bytes_per_s (a number or { value, low, high, why }), source, and optionally "
                                   "current_ma with voltage_v")
    rate = _cost(raw["bytes_per_s"], file, f"{where}.bytes_per_s", unit="bytes per second")
    if rate.low <= 0:
        raise ConfigError("a rate of 0", file=file, field=f"{where}.bytes_per_s", expected="bytes per second > 0")
    power = None
    if "current_ma" in raw:
        volts = raw.get("voltage_v")
        if isinstance(volts, bool) or not isinstance(volts, (int, float)) or volts <= 0:
            raise ConfigError(f"invalid value {volts!r}", file=file, field=f"{where}.voltage_v",
                              expected="volts > 0 (the link's supply, with current_ma)")
        c = _cost(raw["current_ma"], file, f"{where}.current_ma", unit="mA")
        power = Cost(c.value * volts, c.low * volts, c.high * volts, c.why)
    return Link(name, rate, power, raw["source"])


def link_of(device, name: str | None = None) -> Link | None:
    """The device's link `name` (default: its [update] link); None when the profile has no
    [update]. An unknown name is a ConfigError listing the device's links."""
    table = device.section("update")
    if not table:
        return None
    name = name or table.get("link")
    if name not in table.get("links", {}):
        raise ConfigError(f"device {device.name!r} has no link {name!r}", file=device.file, field="update.links",
                          expected="one of " + ", ".join(table.get("links", {})))
    return _link(table, name, device.file)


def compressed_sizes(data: bytes) -> dict[str, int]:
    """The bytes as an embedded updater would send them compressed: {'lzma': n, 'heatshrink': n}."""
    import heatshrink2

    return {"lzma": len(lzma.compress(data, format=lzma.FORMAT_ALONE, preset=9)),
            "heatshrink": len(heatshrink2.compress(data, **HEATSHRINK))}


def delta_bytes(old: bytes, new: bytes) -> int:
    """Size of a detools sequential patch from `old` to `new`, heatshrink-compressed (what a
    device applies in place)."""
    import detools

    patch = io.BytesIO()
    detools.create_patch(io.BytesIO(old), io.BytesIO(new), patch, compression="heatshrink",
                         heatshrink_window_sz2=HEATSHRINK["window_sz2"],
                         heatshrink_lookahead_sz2=HEATSHRINK["lookahead_sz2"])
    return len(patch.getvalue())


def apply_delta(old: bytes, patch: bytes) -> bytes:
    """The new version from the old one and a detools patch (to check a patch round-trips)."""
    import detools

    out = io.BytesIO()
    detools.apply_patch(io.BytesIO(old), io.BytesIO(patch), out)
    return out.getvalue()


def update_time(nbytes: int, link: Link, fl: Flash, load_us: float | None, load_kind: str | None) -> dict:
    """The time to deliver and apply an update of `nbytes`: each part (value, [low, high]
    and kind) and the total. Transfer and flash are modelled; the load and instantiation
    are the cell's own figure (measured or estimated) when it has one."""
    def part(value, low, high, kind, why):
        return {"s": value, "range": [low, high], "kind": kind, "why": why}

    sectors, pages = math.ceil(nbytes / fl.erase_unit_bytes), math.ceil(nbytes / fl.program_unit_bytes)
    parts = {
        "transfer": part(nbytes / link.bytes_per_s.value, nbytes / link.bytes_per_s.high,
                         nbytes / link.bytes_per_s.low, MODELLED, f"{nbytes:,} bytes over {link.name}"),
        "erase": part(sectors * fl.erase_s.value, sectors * fl.erase_s.low, sectors * fl.erase_s.high, MODELLED,
                      f"{sectors} × {fl.erase_unit_bytes}-byte erase"),
        "program": part(pages * fl.program_s.value, pages * fl.program_s.low, pages * fl.program_s.high, MODELLED,
                        f"{pages} × {fl.program_unit_bytes}-byte program"),
    }
    if load_us is not None:
        s = load_us / 1e6
        parts["load"] = part(s, s, s, load_kind or MEASURED, "the cell's own load and instantiation time")
    total = sum(p["s"] for p in parts.values())
    return {"update_time_s": total,
            "update_time_s_range": [sum(p["range"][0] for p in parts.values()),
                                    sum(p["range"][1] for p in parts.values())],
            "update_time_kind": MODELLED,
            "update_time_parts": parts,
            "update_sources": {"link": link.source, "flash": fl.source}}


def update_energy(time: dict, link: Link, active) -> dict:
    """Energy of an update (modelled): the device's active power (wasmcu.measure.energy.Power,
    or None) over the whole update, plus the link's own power over the transfer where the
    profile gives it. µJ, with its range."""
    parts = time["update_time_parts"]
    if active is None:
        return {}
    t, lo, hi = time["update_time_s"], *time["update_time_s_range"]
    energy = [active.mw * t, active.low_mw * lo, active.high_mw * hi]  # mW x s = mJ
    scope = f"{active.scope} active power over the update"
    if link.power_mw is not None:
        tr = parts["transfer"]
        energy = [energy[0] + link.power_mw.value * tr["s"], energy[1] + link.power_mw.low * tr["range"][0],
                  energy[2] + link.power_mw.high * tr["range"][1]]
        scope += f", plus the {link.name} link's receive power over the transfer"
    return {"update_energy_uj": energy[0] * 1000, "update_energy_uj_range": [energy[1] * 1000, energy[2] * 1000],
            "update_energy_kind": "model", "update_energy_scope": scope}


def image_bytes(elf: Path) -> bytes:
    """The bytes a firmware image stores in flash: its loadable segments' file contents in
    address order (what an application update writes)."""
    from elftools.elf.elffile import ELFFile

    with open(elf, "rb") as f:
        elf_file = ELFFile(f)
        segs = sorted((s["p_paddr"], s.data()) for s in elf_file.iter_segments()
                      if s["p_type"] == "PT_LOAD" and s["p_filesz"])
    return b"".join(data for _, data in segs)
