"""The table's and the fitted estimates side by side.

`wasmcu calibrate` writes a profile that extends an emulated board with costs fitted to the real
board (and a [calibration] table saying where they come from). For the stored emulated cells
of that board, the report costs the same event counts with both tables (nothing runs again):
the estimate a user had, and the one the real board agrees with.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from ..measure.cycles import CostModel, recost
from .markdown import md_text


@dataclass(frozen=True)
class Fitted:
    """A fitted profile: its name, the emulated profile it extends, its costs and provenance."""

    name: str
    emulated: str
    model: CostModel
    calibration: dict


def fitted_profiles(devices: dict, names: list[str] | None = None) -> dict[str, Fitted]:
    """Emulated device name -> its fitted profile: the ones named, else every profile that has a
    [calibration] table (the layers `wasmcu calibrate` writes)."""
    from ..errors import ConfigError

    out: dict[str, Fitted] = {}
    for name in names if names is not None else list(devices):
        if name not in devices:
            raise ConfigError(f"unknown fitted profile '{name}'; known: {', '.join(devices)} (wasmcu calibrate writes "
                              "NAME-fitted.toml; add its folder with --device-dir)")
        dev = devices[name]
        cal = dev.section("calibration")
        if not cal:
            if names is not None:
                raise ConfigError(f"'{name}' has no [calibration] table: it is not a profile written by wasmcu "
                                  "calibrate")
            continue
        out[cal.get("emulated", "")] = Fitted(name, cal.get("emulated", ""), dev.cycle_model, cal)
    return out


def fitted_rows(results, fitted: dict[str, Fitted]) -> list[dict]:
    """One row per stored emulated cell whose device has a fitted profile."""
    rows = []
    for device, f in fitted.items():
        for r in recost(results, f.model, device):
            table_cycles = r.stored_cycles
            rows.append({"cell": r.key, "device": device, "fitted_profile": f.name, "table_cycles": table_cycles,
                         "fitted_cycles": r.cycles, "fitted_low": r.low, "fitted_high": r.high,
                         "fitted_time_us": r.time_us,
                         "change_pct": (100 * (r.cycles / table_cycles - 1)) if table_cycles else None})
    return rows


def _about(f: Fitted) -> str:
    c, fit = f.calibration, f.calibration.get("fit", {})
    return (f"{f.name}: {f.emulated}'s costs fitted to {c.get('board', '?')} ({c.get('timer', 'its timer')}, "
            f"{c.get('flasher', '?')}) on {str(c.get('date', '?'))[:10]}, {c.get('kernels', '?')} kernels, "
            f"residual {fit.get('rms_residual_pct', '?')} % rms, leave-one-out {fit.get('rms_loo_error_pct', '?')} % "
            f"rms; the table's own error there {fit.get('rms_table_error_pct', '?')} % rms")


def fitted_markdown(rows: list[dict], fitted: dict[str, Fitted]) -> str:
    if not rows:
        return ""
    lines = ["Both are estimates from the same QEMU event counts (never measurements): the device table's costs, "
             "and the costs `wasmcu calibrate` fitted to a real board.", ""]
    lines += [f"- {_about(f)}" for f in fitted.values()]
    lines += ["", "| cell | table estimate (cycles) | fitted estimate (cycles) | fitted range | change |",
              "|---|---:|---:|---:|---:|"]
    for r in rows:
        change = f"{r['change_pct']:+.1f} %" if r["change_pct"] is not None else ""
        table = f"{r['table_cycles']:,}" if r["table_cycles"] is not None else ""
        lines.append(f"| {md_text(r['cell'])} | {table} | {r['fitted_cycles']:,} | {r['fitted_low']:,}–{r['fitted_high']:,} "
                     f"| {change} |")
    return "\n".join(lines) + "\n"


def fitted_html(rows: list[dict], fitted: dict[str, Fitted]) -> str:
    if not rows:
        return ""
    parts = ["<h2>Estimates: the table's and the fitted costs</h2>",
             "<p>Both are <b>estimated</b> from the same QEMU event counts, not measured: the device table's costs, "
             "and the costs <code>wasmcu calibrate</code> fitted to a real board's measured cycles.</p><ul>"]
    parts += [f"<li>{escape(_about(f))}</li>" for f in fitted.values()]
    parts.append("</ul><table><tr><th>cell</th><th>table estimate (cycles)</th><th>fitted estimate (cycles)</th>"
                 "<th>fitted range</th><th>change</th></tr>")
    for r in rows:
        change = f"{r['change_pct']:+.1f} %" if r["change_pct"] is not None else ""
        table = f"{r['table_cycles']:,}" if r["table_cycles"] is not None else ""
        parts.append(f"<tr><td>{escape(r['cell'])}</td><td class='num est'>{table}</td>"
                     f"<td class='num est'>{r['fitted_cycles']:,}</td>"
                     f"<td class='num est'>{r['fitted_low']:,}–{r['fitted_high']:,}</td>"
                     f"<td class='num'>{change}</td></tr>")
    parts.append("</table>")
    return "".join(parts)
