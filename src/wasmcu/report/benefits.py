"""What WebAssembly buys, as report tables: the same module bytes across devices, the cost of an update, containment.

Each table is built once as rows (`portability_rows`, `update_rows`, `containment_rows`,
`tradeoff_rows`) and written as Markdown or HTML. Modelled and estimated figures say so.
"""

from __future__ import annotations

import html
from collections import defaultdict

from ..model import OK, Result
from .markdown import md_text
from .modes import mode_of
from .ratios import geomean_gsd, native_key
from .tables import native_of, overhead

Table = tuple[list[str], list[list[str]]]


def _kb(v) -> str:
    return "–" if v is None else f"{v / 1024:,.2f}"


def portability_rows(results: list[Result]) -> Table:
    """Per module hash: the kernel, its size, the devices and runtimes it ran on, and whether
    every result agreed (all cells ok, one checksum)."""
    groups: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        if r.extra.get("module_sha256") and "misbehaviour" not in r.extra:  # containment cells: their own table
            groups[r.extra["module_sha256"]].append(r)
    rows = []
    for sha, rs in sorted(groups.items(), key=lambda kv: (kv[1][0].cell.workload, kv[1][0].cell.n, kv[0])):
        first = rs[0]
        ran = [r for r in rs if r.status == OK and r.checksum is not None]
        sums = {r.checksum for r in ran}
        if not ran:
            agreed = "no cell ran it"
        elif len(sums) == 1 and len(ran) == len(rs):
            agreed = f"yes: {len(ran)} cells, checksum {next(iter(sums)):#010x}"
        else:
            bad = [f"{r.cell.runtime}/{r.cell.device}: {r.status}" for r in rs if r.status != OK]
            agreed = f"no: {len(sums)} checksums" + (f"; {', '.join(bad)}" if bad else "")
        devices = sorted({r.cell.device for r in ran})
        runtimes = sorted({r.cell.runtime for r in ran})
        derived = sorted({f"{r.extra['derived_kind']} {r.extra['derived_sha256'][:12]} on {r.cell.device}"
                          for r in ran if r.extra.get("derived_sha256")})
        rows.append([f"{first.cell.workload}:{first.cell.n}/{first.cell.lang}", sha[:16], f"{first.extra['module_bytes']:,}",
                     ", ".join(devices), ", ".join(runtimes), agreed, "; ".join(derived) or "–"])
    return (["kernel", "module sha256 (first 16)", "module bytes", "devices where it ran", "runtimes", "every result agreed",
             "derived artefacts (kind, sha256, device)"], rows)


def _seconds(v) -> str:
    return "–" if v is None else (f"{v * 1000:,.1f} ms" if v < 1 else f"{v:,.2f} s")


def update_rows(results: list[Result]) -> Table:
    """Per board cell: what an update ships, compressed and as a delta, and its modelled time
    and energy (with the range the figures allow)."""
    rows = []
    for r in sorted(results, key=lambda r: (r.cell.device, r.cell.workload, r.cell.n, r.cell.lang, r.cell.runtime)):
        e = r.extra
        if r.status != OK or e.get("update_bytes") is None or "misbehaviour" in e:
            continue
        comp = e.get("update_bytes_compressed") or {}
        parts = e.get("update_time_parts") or {}
        t = e.get("update_time_s")
        rng = e.get("update_time_s_range")
        time = "–" if t is None else f"{_seconds(t)} [{_seconds(rng[0])}–{_seconds(rng[1])}]"
        split = ", ".join(f"{k} {_seconds(p['s'])} ({p['kind']})" for k, p in parts.items())
        energy = e.get("update_energy_uj")
        rows.append([r.cell.device, f"{r.cell.workload}:{r.cell.n}/{r.cell.lang}", r.cell.runtime, e["update_part"],
                     f"{e['update_bytes']:,}", f"{comp.get('lzma', 0):,}", f"{comp.get('heatshrink', 0):,}",
                     "–" if e.get("update_delta_bytes") is None else f"{e['update_delta_bytes']:,}",
                     e.get("update_link") or "–", time, split or "–",
                     "–" if energy is None else f"{energy / 1000:,.1f} (model)"])
    return (["device", "kernel", "runtime", "what is shipped", "bytes", "LZMA", "heatshrink", "delta (detools)", "link",
             "update time (modelled) [range]", "parts", "energy mJ"], rows)


def containment_rows(results: list[Result]) -> Table:
    """Per containment cell: the misbehaviour, the outcome, contained or not, the runtime's
    own word and the time to detection."""
    rows = []
    for r in sorted(results, key=lambda r: (r.cell.workload, r.cell.device, r.cell.runtime)):
        e = r.extra
        if "contained" not in e and "misbehaviour" not in e:
            continue
        contained = e.get("contained")
        rows.append([e.get("misbehaviour", r.cell.workload), r.cell.device, r.cell.runtime, r.status,
                     e.get("outcome") or "–", "–" if contained is None else ("yes" if contained else "NO"),
                     (e.get("trap") or "–")[:120], "–" if e.get("detect_us") is None else
                     f"{e['detect_us']:,.1f} ({e.get('detect_kind', '')})", (e.get("containment_note") or r.error or "")[:160]])
    return (["misbehaviour", "device", "runtime", "status", "outcome", "contained", "trap (the runtime's words)",
             "detected after µs", "note"], rows)


def tradeoff_rows(results: list[Result]) -> Table:
    """Per device and runtime, from one run: the costs (geometric mean slowdown, flash, peak
    RAM, energy against native) beside the benefits (modules shared with other devices, update
    bytes and time, containment)."""
    natives = native_of(results)
    native_cells = {native_key(r): r for r in results if r.cell.runtime == "native" and r.status == OK}
    devices_of: dict[str, set] = defaultdict(set)
    for r in results:
        if r.status == OK and r.extra.get("module_sha256"):
            devices_of[r.extra["module_sha256"]].add(r.cell.device)
    groups: dict[tuple, list[Result]] = defaultdict(list)
    for r in results:
        groups[(r.cell.device, r.cell.runtime)].append(r)
    rows = []
    for (device, runtime), rs in sorted(groups.items()):
        ok = [r for r in rs if r.status == OK]
        if not ok:
            continue
        work = [r for r in ok if "contained" not in r.extra]
        cont = [r for r in rs if "contained" in r.extra]
        def ratio(metric):
            vals = []
            for r in work:
                base = native_cells.get(native_key(r))
                a, b = metric(r), metric(base) if base else None
                if a and b:
                    vals.append(a / b)
            return "–" if not vals else f"{geomean_gsd(vals)[0]:,.2f}×"
        slow = [overhead(r, natives) for r in work]
        slow = [s for s in slow if s]
        shared = [len(devices_of[r.extra["module_sha256"]]) for r in work if r.extra.get("module_sha256")]
        upd = [r.extra for r in work if r.extra.get("update_bytes") is not None]
        est = any(r.time_kind != "measured" for r in work)
        contained = [r.extra.get("contained") for r in cont if r.status == OK]
        rows.append([device, runtime, mode_of(rs[0]),
                     "–" if runtime == "native" else ("–" if not slow else f"{geomean_gsd(slow)[0]:,.2f}×"
                                                      + (" (est.)" if est else "")),
                     "–" if runtime == "native" else ratio(lambda r: r.flash_bytes),
                     "–" if runtime == "native" else ratio(lambda r: r.ram_peak_bytes or r.ram_static_bytes),
                     "–" if runtime == "native" else ratio(lambda r: r.energy_uj) + (
                         " (model)" if any(r.energy_kind == "model" for r in work) else ""),
                     "–" if not shared else f"{max(shared)} device(s)",
                     "–" if not upd else f"{sum(u['update_bytes'] for u in upd) / len(upd) / 1024:,.2f} KB "
                                         f"({upd[0]['update_part'].split(' (')[0]})",
                     "–" if not upd or upd[0].get("update_time_s") is None else
                     f"{sum(u['update_time_s'] for u in upd if u.get('update_time_s') is not None) / len(upd):,.2f} s (model)",
                     "–" if not contained else f"{sum(1 for c in contained if c)} of {len(contained)}"])
    return (["device", "runtime", "mode", "slowdown × native", "flash × native", "peak RAM × native",
             "energy × native", "same module bytes ran on", "update ships (mean)", "update time (mean)",
             "misbehaviours contained"], rows)


def markdown(table: Table) -> str:
    head, rows = table
    if not rows:
        return "No cell of this run has these figures.\n"
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    # a cell's text (a runtime's trap message, an error) is shown, never rendered
    lines += ["| " + " | ".join(md_text(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def html_table(table: Table) -> str:
    head, rows = table
    if not rows:
        return "<p>No cell of this run has these figures.</p>"
    out = ["<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"]
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>")
    return "".join(out) + "</table>"


PORTABILITY_NOTE = ("One .wasm per kernel, built once: the same bytes (by sha256) run on every device and runtime listed. "
                    "A derived artefact (WAMR's .aot, compiled per architecture; wasm2c's C, the same everywhere) "
                    "is named with its own hash.")
UPDATE_NOTE = ("What a device receives to replace the kernel: the module for an interpreter, the .aot file for WAMR "
               "AOT, the whole application image for native code and wasm2c (the kernel is linked into the firmware). "
               "Compressed sizes are real (LZMA, heatshrink); the delta is a real detools patch to the kernel's next "
               "version where the workload has one ([update] in workload.toml). Times are modelled: transfer at the "
               "link's rate and flash erase/program times from the datasheets in the device profile, plus the cell's own "
               "load and instantiation time (estimated under QEMU, measured on a real board). Energy is modelled.")
CONTAINMENT_NOTE = ("Each kernel of the containment suite misbehaves on purpose. contained = yes: the runtime stopped it "
                    "(or it stayed inside the module's linear memory), the canary beside the kernel's data is intact and a "
                    "second call answered; NO: memory outside the module changed, the CPU or process faulted, or only "
                    "the time or instruction limit ended it.")


def markdown_sections(results: list[Result]) -> str:
    """The report's benefit sections, in Markdown."""
    parts = ["\n## Same bytes everywhere\n\n", PORTABILITY_NOTE + "\n\n", markdown(portability_rows(results)),
             "\n## Updating the code\n\n", UPDATE_NOTE + "\n\n", markdown(update_rows(results))]
    cont = containment_rows(results)
    if cont[1]:
        parts += ["\n## Containment\n\n", CONTAINMENT_NOTE + "\n\n", markdown(cont)]
    parts += ["\n## Costs beside benefits\n\n", markdown(tradeoff_rows(results))]
    return "".join(parts)


def html_sections(results: list[Result]) -> str:
    """The report's benefit sections, in HTML."""
    parts = ["<h2>Same bytes everywhere</h2>", f"<p>{html.escape(PORTABILITY_NOTE)}</p>",
             html_table(portability_rows(results)), "<h2>Updating the code</h2>", f"<p>{html.escape(UPDATE_NOTE)}</p>",
             html_table(update_rows(results))]
    cont = containment_rows(results)
    if cont[1]:
        parts += ["<h2>Containment</h2>", f"<p>{html.escape(CONTAINMENT_NOTE)}</p>", html_table(cont)]
    return "".join(parts)


def tradeoff_page(results: list[Result], css: str) -> str:
    """A page of its own: costs beside benefits per device and runtime, from one run."""
    return ("<!doctype html><html><head><meta charset='utf-8'><title>wasmcu: costs beside benefits</title>"
            f"<style>{css}</style></head><body><h1>Costs beside benefits</h1>"
            "<p>Per device and runtime, from one run. Costs: the geometric mean of each figure over the cells, divided "
            "by native code's on the same device (time est. = estimated from event counts on emulated boards; energy "
            "modelled there). Benefits: on how many devices the same module bytes ran, what an update ships and its "
            "modelled time, and how many misbehaving kernels were contained.</p>"
            + html_table(tradeoff_rows(results)) + html_sections(results) + "</body></html>")
