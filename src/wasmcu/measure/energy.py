"""Energy. On emulated boards: a model, E = P_active x estimated time, P from the
device profile's datasheet figures. Always labelled `model`, never `measured`."""

from __future__ import annotations

from ..model import ENERGY_MODEL


def active_power_mw(device) -> float | None:
    """Active power at the device's clock; None when the datasheet figure is for another clock."""
    power = device.section("power")
    if power.get("clock_hz") not in (None, device.clock_hz):
        return None
    if "active_mw" in power:
        return float(power["active_mw"])
    if "current_ma" in power and "voltage_v" in power:
        return float(power["current_ma"]) * float(power["voltage_v"])
    return None


def modelled_energy_uj(device, time_us: float | None) -> tuple[float | None, str | None]:
    """(energy in µJ, kind) for an estimated time; (None, None) without a power figure."""
    p = active_power_mw(device)
    if p is None or time_us is None:
        return None, None
    return p * time_us / 1000.0, ENERGY_MODEL  # mW x µs = nJ
