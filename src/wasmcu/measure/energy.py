"""Energy figures: modelled on emulated boards from the profile's [power], measured on real boards.

On emulated boards: a model, E = V x I x estimated time, from the device
profile's datasheet figures. Always labelled `model`, never `measured`. On a real board a
PPK2 measures it (`[power.ppk2]`: wasmcu.measure.ppk2 and powertrace), labelled `measured`.

A profile's [power] gives two currents, each with its source and range: the SoC's
([power.soc]) and the whole development board's ([power.board]: regulators, USB bridge,
LEDs), and `scope` says which one energy figures use by default (`board`: what a power
profiler on the board measures). `clock_hz`, when given, is the clock the figures are for (in Hz):
at another clock there is no model.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError
from ..model import ENERGY_MODEL

SCOPES = ("board", "soc")


@dataclass(frozen=True)
class Power:
    scope: str
    mw: float
    low_mw: float
    high_mw: float


def check_power(power, file) -> None:
    """Validate a profile's [power] table; errors name the file and the key."""
    if not isinstance(power, dict):
        raise ConfigError("invalid value", file=file, field="power", expected="a table")
    unknown = set(power) - {"scope", "clock_hz", "ppk2", *SCOPES}
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(f"unknown key {key!r}", file=file, field=f"power.{key}",
                          expected="scope, clock_hz, [power.board], [power.soc] and [power.ppk2]")
    hz = power.get("clock_hz")
    if hz is not None and (isinstance(hz, bool) or not isinstance(hz, int) or hz <= 0):
        raise ConfigError(f"invalid value {hz!r}", file=file, field="power.clock_hz",
                          expected="the clock the figures were taken at, in Hz (a whole number > 0)")
    scope = power.get("scope", "board")
    if scope not in SCOPES or scope not in power:
        raise ConfigError(f"invalid scope {scope!r}", file=file, field="power.scope",
                          expected="'board' or 'soc', with its [power.<scope>] table")
    for s in SCOPES:
        if s in power:
            _figure(power, s, file)
    if "ppk2" in power:  # a PPK2 supplies the scope's rail at its voltage_v and measures it
        from .ppk2 import check_ppk2

        check_ppk2(power["ppk2"], power, file)


def _figure(power: dict, scope: str, file) -> Power:
    from .cycles import _cost

    table = power[scope]
    if not isinstance(table, dict) or set(table) - {"current_ma", "voltage_v", "source"} or \
            not {"current_ma", "voltage_v", "source"} <= set(table):
        raise ConfigError(f"invalid [power.{scope}]", file=file, field=f"power.{scope}",
                          expected="current_ma (a number or { value, low, high, why }), voltage_v and source")
    current = _cost(table["current_ma"], file, f"power.{scope}.current_ma", unit="mA")
    volts = table["voltage_v"]
    if isinstance(volts, bool) or not isinstance(volts, (int, float)) or volts <= 0:
        raise ConfigError(f"invalid value {volts!r}", file=file, field=f"power.{scope}.voltage_v", expected="volts > 0")
    return Power(scope, current.value * volts, current.low * volts, current.high * volts)


def active_power(device, scope: str | None = None) -> Power | None:
    """Active power at the device's clock; None without a figure for that clock and scope."""
    power = device.section("power")
    if not power or power.get("clock_hz") not in (None, device.clock_hz):
        return None
    scope = scope or power.get("scope", "board")
    if scope not in power:
        return None
    return _figure(power, scope, device.file)


def modelled_energy(device, time_us: float | None, time_range=None):
    """(energy µJ, [low, high] µJ, kind, scope) for an estimated time, or Nones without a figure."""
    p = active_power(device)
    if p is None or time_us is None:
        return None, None, None, None
    lo_t, hi_t = time_range or (time_us, time_us)
    # mW x µs = nJ
    return p.mw * time_us / 1000.0, [p.low_mw * lo_t / 1000.0, p.high_mw * hi_t / 1000.0], ENERGY_MODEL, p.scope
