"""Command-line interface: a thin layer over the library.

    wasmcu bench   [--suite paper|embedded|embench] [--embench PATH] [--host-baseline o2|o3|o3-native] [--device ...] [--runtime ...] [--workload ...] [--lang ...] [--build o2,sdk]
                   [--firmware-cc gcc,clang]
                   [--repeat N] [--db PATH] [--json] [--resume [RUN]] [--config FILE] [--jobs N] [--fresh]
                   [--cluster ADDRESS [--tls-ca PEM --tls-cert PEM --tls-key PEM]]
    wasmcu report  [--db PATH] [--out DIR] [--run ID]
    wasmcu compare A B [--db PATH] [--threshold PCT]
    wasmcu recost  --model FILE [--device NAME] [--db PATH] [--run ID] [--json]
    wasmcu validate [--device pico] [--workload ...] [--runtime native,wasm3] [--lang c,rust] [--fitted NAME] [--json]
    wasmcu calibrate --device BOARD [--emulated NAME] [--kernels ...] [--suite ...] [--free] [--out FILE] [--json]
                     [--from JSON]
    wasmcu list    devices|runtimes|workloads
    wasmcu doctor
    wasmcu wamr build PATH [--out DIR] [--only NAMES] [--jobs N] [--any-version] [--no-config]
    wasmcu wasm3 build PATH [--out DIR] [--no-config]
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from pathlib import Path

from ._version import __version__
from .api_commands import LISTS
from .errors import WasmcuError
from .model import PASSING
from .runstate import Terminated, raise_terminated

log = logging.getLogger("wasmcu")


def _console():
    from rich.console import Console

    return Console(stderr=True)


def escape(text: str) -> str:
    """Text shown as it is: error messages name profile tables such as [board]."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


DB_HELP = "SQLite store (default results/wasmcu.sqlite or $WASMCU_DB)"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="wasmcu", description="What does WebAssembly cost on a microcontroller?")
    p.add_argument("--version", action="version", version=f"wasmcu {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logs on stderr")
    p.add_argument("--debug", action="store_true", help="on an error, show the full traceback too")
    # --debug is accepted after the command as well (wasmcu bench --debug ...)
    debug = argparse.ArgumentParser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("bench", parents=[debug], help="build, run, verify and store cells")
    b.add_argument("--config", type=Path, help="experiment file (TOML) with the same keys as these flags")
    b.add_argument("--suite", default=None, help="named set of cells: paper (default), embedded or embench")
    b.add_argument("--embench", metavar="PATH", help="your Embench-IoT checkout, for --suite embench (or "
                   "WASMCU_EMBENCH, or embench = \"PATH\" in the config file's [paths]); its files are used in place")
    b.add_argument("--host-baseline", choices=("o2", "o3", "o3-native"),
                   help="the host's native build: o2 (default, as everywhere), o3 (the AOT compilers' optimisation) "
                        "or o3-native (also -march=native)")
    b.add_argument("--device", help="comma-separated devices (see `wasmcu list devices`)")
    b.add_argument("--runtime", help="comma-separated runtimes (see `wasmcu list runtimes`)")
    b.add_argument("--workload", help="comma-separated workload[:n] (see `wasmcu list workloads`)")
    b.add_argument("--lang", help="comma-separated languages: c,cpp,rust,zig,assemblyscript,wasm")
    b.add_argument("--build", help="build modes on the boards: o2 (default: -O2 everywhere) and/or sdk "
                                   "(each board's vendor-SDK default optimisation), e.g. o2,sdk")
    b.add_argument("--firmware-cc", help="compiler of the kernel and the runtime libraries on the boards: gcc "
                                         "and/or clang, e.g. gcc,clang (default: GCC, except where a runtime needs "
                                         "Clang on an architecture: wasm3 on ARMv6-M); stored in each cell's build "
                                         "as o2+clang")
    b.add_argument("--repeat", type=int, help="host samples per cell (default 20)")
    b.add_argument("--warmup", type=int, help="host warm-up calls per cell (default 3)")
    b.add_argument("--timeout", type=float, help="seconds before a cell is stopped (default 300)")
    b.add_argument("--link", help="the link an update is delivered over on the boards, for the update-time model: "
                                  "a name of the device profile's [update.links], e.g. uart or ble (default: each "
                                  "device's own)")
    b.add_argument("--ram", choices=("module", "profile", "small"),
                   help="the board runtimes' memory (WAMR's pool and wasm stack, wasm3's stacks, the native stack): "
                        "module (default): a part that runs out is sized from what the module needs, within the "
                        "device's RAM; profile: the device profile's fixed sizes only; small: module, and the "
                        "module's linear memory only what its static data and shadow stack need (WAMR's shrunk "
                        "memory, wasm3's memory limit) instead of whole 64 KiB pages")
    b.add_argument("--jobs", type=int, help="emulated cells run in parallel (default: number of cores)")
    b.add_argument("--fresh", action="store_true",
                   help="emulate every emulated cell again (default: a cell whose firmware, QEMU, plugin, memory "
                        "model and inputs are unchanged reuses the event counts kept beside the store, re-costed)")
    b.add_argument("--workload-dir", type=Path, action="append", default=[], help="extra workload directory")
    b.add_argument("--device-dir", type=Path, action="append", default=[], help="extra device profile directory")
    b.add_argument("--db", type=Path, help=DB_HELP)
    b.add_argument("--json", action="store_true", help="print one JSON array of cells on stdout")
    b.add_argument("--resume", nargs="?", const="latest", metavar="RUN",
                   help="continue a stored run (default: the latest), running only the missing cells")
    b.add_argument("--place", metavar="NAME[,NAME...]",
                   help="run the board devices on a labgrid farm: the first of these places that is free")
    b.add_argument("--coordinator", metavar="HOST:PORT",
                   help="the labgrid coordinator (default: $LG_COORDINATOR, else 127.0.0.1:20408)")
    b.add_argument("--cluster", metavar="ADDRESS",
                   help="run the cells on the workers of a Dask scheduler (tls://HOST:PORT with certificates; an open "
                        "tcp://HOST:PORT on a private network only); boards run on the worker started with "
                        "--resources DEVICE=1; this process alone writes the store")
    b.add_argument("--tls-ca", metavar="PEM", help="with --cluster tls://: the CA certificate that signed the "
                                                   "cluster's certificates (default: Dask's distributed.comm.tls.ca-file)")
    b.add_argument("--tls-cert", metavar="PEM", help="with --cluster tls://: this client's certificate, signed by that "
                                                     "CA (default: Dask's distributed.comm.tls.client.cert)")
    b.add_argument("--tls-key", metavar="PEM", help="with --cluster tls://: this client's private key, when not in "
                                                    "--tls-cert's file (default: distributed.comm.tls.client.key)")
    b.add_argument("--mixed-versions", action="store_true",
                   help="with --cluster: run even when workers differ in tool or runtime versions (default: refuse)")

    r = sub.add_parser("report", parents=[debug], help="tables, figures and an HTML page from the store")
    r.add_argument("--db", type=Path, help=DB_HELP)
    r.add_argument("--out", type=Path, default=Path("report"), help="output directory (default ./report)")
    r.add_argument("--run", type=int, help="run id (default: the latest)")
    r.add_argument("--workload", help="workload[:n] shown in the figures (default bubblesort:100)")
    r.add_argument("--lang", help="language shown in the figures (default c)")
    r.add_argument("--fitted", help="comma-separated fitted profiles (written by wasmcu calibrate) whose estimates are "
                                    "shown beside the table's (default: every profile found with a [calibration])")
    r.add_argument("--device-dir", type=Path, action="append", default=[], help="extra device profile directory")

    c = sub.add_parser("compare", parents=[debug], help="compare two stored runs (or a run and a baseline file)")
    c.add_argument("a", help="baseline: run id or a JSON file written by `bench --json`")
    c.add_argument("b", help="candidate: run id or a JSON file")
    c.add_argument("--db", type=Path, help=DB_HELP)
    c.add_argument("--threshold", type=float, default=5.0, help="regression threshold in percent (default 5)")
    c.add_argument("--strict", action="store_true",
                   help="refuse when the runs differ in machine, Python or tool versions (default: warn)")

    rc = sub.add_parser("recost", parents=[debug], help="re-estimate stored emulated cells with another cost table (no re-run)")
    rc.add_argument("--model", type=Path, required=True, help="TOML file with a [cycle_model] table, as in a profile")
    rc.add_argument("--device", help="only cells of this device (a cost table describes one core)")
    rc.add_argument("--db", type=Path, help=DB_HELP)
    rc.add_argument("--run", type=int, help="run id (default: the latest)")
    rc.add_argument("--json", action="store_true", help="print one JSON array on stdout")

    v = sub.add_parser("validate", parents=[debug], help="cross-check the Pico's cycle estimates against rp2040js")
    v.add_argument("--device", default="pico", help="an emulated RP2040 device (default pico)")
    v.add_argument("--workload", help="comma-separated workload[:n] (default: the paper suite's)")
    v.add_argument("--runtime", default="native,wasm3", help="comma-separated runtimes (default native,wasm3)")
    v.add_argument("--lang", default="c,rust", help="comma-separated languages (default c,rust)")
    v.add_argument("--fitted", help="also estimate with a fitted profile (written by wasmcu calibrate, e.g. pico-fitted)")
    v.add_argument("--device-dir", type=Path, action="append", default=[], help="extra device profile directory")
    v.add_argument("--json", action="store_true", help="print one JSON array on stdout")

    cal = sub.add_parser("calibrate", parents=[debug], help="fit an emulated board's cost table to cycles measured on the real board")
    cal.add_argument("--device", help="the real board's profile (backend board), e.g. pico-board")
    cal.add_argument("--emulated", help="the emulated profile whose costs are fitted (default: BOARD without -board)")
    cal.add_argument("--kernels", help="comma-separated calibration microkernels (default: all; `none` for none)")
    cal.add_argument("--suite", help="comma-separated workload:n of the embedded suite run too (default: the suite at "
                                     "calibration sizes; `none` for none)")
    cal.add_argument("--free", action="store_true",
                     help="let every cost range from 0 to 4 x its stated high (default: within its stated range)")
    cal.add_argument("--out", type=Path, help="the board layer written (default: NAME-fitted.toml in the user device "
                                              "directory, ~/.config/wasmcu/devices)")
    cal.add_argument("--no-layer", action="store_true", help="fit and report only; write no board layer")
    cal.add_argument("--from", dest="from_json", type=Path,
                     help="fit again the measurements of an earlier `calibrate --json` (nothing runs)")
    cal.add_argument("--device-dir", type=Path, action="append", default=[], help="extra device profile directory")
    cal.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    lst = sub.add_parser("list", parents=[debug], help="list devices, runtimes or workloads")
    lst.add_argument("what", metavar="{" + ",".join(LISTS) + "}",
                     help=f"what to list, checked by the API (one of: {', '.join(LISTS)})")
    lst.add_argument("--workload-dir", type=Path, action="append", default=[], help="extra workload directory")
    lst.add_argument("--device-dir", type=Path, action="append", default=[], help="extra device profile directory")

    sub.add_parser("doctor", parents=[debug], help="which toolchains, emulators and runtimes are present, and how to get the rest")

    bd = sub.add_parser("board", parents=[debug], help="real boards: a bring-up self-test")
    bsub = bd.add_subparsers(dest="board_command", required=True)
    bc = bsub.add_parser("check", parents=[debug], help="port, flashing, banner, clocks and watchdog of a real board, "
                                                        "each step with what to do when it fails")
    bc.add_argument("--device", required=True, help="a real board's profile, e.g. pico-board")
    bc.add_argument("--busy-s", type=float, default=10.0, help="seconds of busy CPU in the watchdog and clock step "
                                                               "(default 10)")
    bc.add_argument("--device-dir", type=Path, action="append", default=[], help="extra device profile directory")
    bc.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    wm = sub.add_parser("wamr", parents=[debug], help="build WAMR (from a WAMR source tree you have) for every runtime wasmcu uses")
    wsub = wm.add_subparsers(dest="wamr_command", required=True)
    wb = wsub.add_parser("build", parents=[debug], help="run WAMR's CMake for every host and board configuration, write the config")
    wb.add_argument("path", type=Path, help="the WAMR source tree (a clone or release archive, 2.4.x)")
    wb.add_argument("--out", type=Path, help="where the builds go (default: ~/.local/share/wasmcu/wamr-VERSION)")
    wb.add_argument("--only", help="comma-separated configurations, e.g. host-classic,armv6m-fast (default: all)")
    wb.add_argument("--jobs", type=int, help="parallel compile jobs (default: number of cores)")
    wb.add_argument("--any-version", action="store_true", help="try a WAMR release other than 2.4.x")
    wb.add_argument("--no-config", action="store_true", help="do not write the build paths to the config file")
    wb.add_argument("--default", action="store_true", help="make this build the default (the plain names "
                                                           "wamr-classic, ...) even when another one is")

    w3 = sub.add_parser("wasm3", parents=[debug], help="build wasm3 from any wasm3 source tree and register it as "
                                                        "wasm3@VERSION")
    w3sub = w3.add_subparsers(dest="wasm3_command", required=True)
    w3b = w3sub.add_parser("build", parents=[debug], help="build wasm3 for the host and every board architecture, "
                                                          "register it in the config")
    w3b.add_argument("path", type=Path, help="a wasm3 release or git checkout, pywasm3's source distribution, or a "
                                             ".tar.gz of one")
    w3b.add_argument("--out", type=Path, help="where the build goes (default: ~/.local/share/wasmcu/wasm3-VERSION)")
    w3b.add_argument("--no-config", action="store_true", help="do not register the build in the config file")
    return p


def cmd_bench(args) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from . import api

    console = _console()
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=console, transient=True, disable=not console.is_terminal)
    task = None

    def on_result(result, done, total):
        nonlocal task
        if task is None:
            task = progress.add_task("bench", total=total)
        progress.update(task, completed=done, description=f"{result.cell.key}")
        mark = {"ok": "[green]ok[/]", "unsupported": "[yellow]unsupported[/]"}.get(result.status, f"[red]{result.status}[/]")
        detail = ""
        if result.time_us is not None:
            detail = f"{result.time_us:,.1f} µs ({result.time_kind})"
            if result.extra.get("reused_from"):
                detail += ", counts reused"
        if result.status not in ("ok",) and result.error:
            detail = _brief(result.error)
        progress.console.print(f"{mark} {escape(result.cell.key)} {escape(detail)}", highlight=False)

    try:
        with progress:
            run = api.bench(args.suite, args.device, args.runtime, args.workload, args.lang, args.build,
                            firmware_cc=args.firmware_cc, repeat=args.repeat, warmup=args.warmup,
                            timeout=args.timeout, db=args.db, jobs=args.jobs, resume=args.resume,
                            cluster=args.cluster, mixed_versions=args.mixed_versions, tls_ca=args.tls_ca,
                            tls_cert=args.tls_cert, tls_key=args.tls_key, place=args.place,
                            coordinator=args.coordinator, workload_dirs=args.workload_dir,
                            device_dirs=args.device_dir, config=args.config, link=args.link, embench=args.embench,
                            host_baseline=args.host_baseline, ram=args.ram, fresh=args.fresh, on_result=on_result,
                            argv=sys.argv)
    except KeyboardInterrupt as exc:
        what = "terminated" if isinstance(exc, Terminated) else "interrupted"
        console.print(f"[red]{what}[/]: every finished cell is stored in {args.db or api.default_db()}; "
                      f"run `wasmcu bench --resume` with the same options to finish")
        return 143 if isinstance(exc, Terminated) else 130
    results = run.results
    if args.resume is not None:  # the run's cells stored before, then this call's
        done = {r.cell for r in results}
        results = [r for r in api.results(run.db, run.run_id) if r.cell not in done] + results
    if args.json:
        sys.stdout.write(json.dumps([r.to_json() for r in results], indent=1) + "\n")
    bad = [r for r in results if r.status not in PASSING]
    console.print(f"run {run.run_id}: {len(results) - len(bad)} of {len(results)} cells ok or unsupported; "
                  f"stored in {run.db}")
    for r in bad:
        console.print(f"[red]{r.status}[/] {escape(r.cell.key)}: {escape(r.error or '')}", highlight=False)
    from .report.agreement import agreement

    for line in agreement(results):  # cells with no reference to check them: do they at least agree?
        console.print(f"[yellow]unverified[/] {escape(line)}", highlight=False)
    return 1 if bad else 0


def cmd_report(args) -> int:
    from . import api
    from .report.tables import time_table_markdown

    out = api.report(args.out, db=args.db, run=args.run, workload=args.workload, lang=args.lang,
                     fitted=args.fitted, device_dirs=args.device_dir)
    print(time_table_markdown(api.results(args.db, args.run)))
    for path in out:
        print(path)
    return 0


def cmd_compare(args) -> int:
    from .report.compare import compare_main

    return compare_main(args)


def cmd_recost(args) -> int:
    from dataclasses import asdict

    from . import api

    rows = api.recost(args.model, db=args.db, run=args.run, device=args.device)
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=1))
        return 0
    for r in rows:
        was = f"{r.stored_cycles:,}" if r.stored_cycles is not None else "-"
        print(f"{r.key}: {r.cycles:,} cycles [{r.low:,} .. {r.high:,}] (stored: {was}); "
              f"{r.time_us:,.1f} µs [{r.time_us_range[0]:,.1f} .. {r.time_us_range[1]:,.1f}]")
    return 0


def cmd_validate(args) -> int:
    from dataclasses import asdict

    from . import api
    from .validate import WHY

    checks, fitted = api.validate(args.device, args.runtime, args.workload, args.lang, fitted=args.fitted,
                                  device_dirs=args.device_dir)
    if args.json:
        print(json.dumps([dict(asdict(c), difference=c.difference, explained_difference=c.explained_difference,
                               fitted_difference=(c.fitted / c.rp2040js - 1) if c.fitted and c.rp2040js else None)
                          for c in checks], indent=1))
    else:
        print(f"{'cell':34} {'estimate [range]':>34} {'no cache model':>15} {'rp2040js':>12} {'diff':>7} "
              f"{'explained':>9}" + (f" {'fitted':>12} {'diff':>7}" if fitted else ""))
        for c in checks:
            if c.estimate is None:
                print(f"{c.cell:34} {c.error}")
                continue
            rng = f"{c.estimate:,} [{c.estimate_low:,}–{c.estimate_high:,}]"
            rp = f"{c.rp2040js:,}" if c.rp2040js is not None else "-"
            diff = f"{c.difference:+.1%}" if c.difference is not None else "-"
            expl = f"{c.explained_difference:+.2%}" if c.explained_difference is not None else "-"
            fit_cols = ""
            if fitted:
                fdiff = f"{c.fitted / c.rp2040js - 1:+.2%}" if c.rp2040js else "-"
                fit_cols = f" {c.fitted:>12,} {fdiff:>7}"
            print(f"{c.cell:34} {rng:>34} {c.estimate_no_cache:>15,} {rp:>12} {diff:>7} {expl:>9}{fit_cols}"
                  + (f"  {c.error}" if c.error else ""))
        print(WHY)
        if fitted:
            print(f"'fitted': the same event counts costed with {args.fitted}'s table (fitted by wasmcu calibrate to "
                  f"a board's measured cycles: {fitted.source})")
    return 0 if all(c.checksum_ok for c in checks) else 1


def cmd_calibrate(args) -> int:
    from . import api

    console = _console()

    def progress(name):
        if not args.json:
            console.print(f"[dim]{escape(name)}[/dim]")

    run = api.calibrate(args.device, args.emulated, args.kernels, args.suite, free=args.free, out=args.out,
                        write_layer=not args.no_layer, from_json=args.from_json, device_dirs=args.device_dir,
                        progress=progress)
    result, path = run.calibration, run.layer
    failed = 1 if any(m.error for m in result.measurements) else 0  # fitted without them, said so
    if args.json:
        print(json.dumps(dict(result.as_json(), layer=str(path) if path else None), indent=1))
        return failed
    f = result.fit
    print(f"cost table of {result.emulated} fitted to {result.board} ({'free bounds' if f.free else 'stated ranges'})")
    print(f"{'cost':17} {'table':>7} {'fitted':>9} {'± stderr':>9} {'bounds':>13}  status")
    for k, c in f.costs.items():
        se = f"{c.stderr:.3g}" if c.stderr is not None else "-"
        print(f"{k:17} {c.table:7g} {c.value:9.4g} {se:>9} {f'[{c.low:g}, {c.high:g}]':>13}  {c.status}")
    print(f"{'(timer overhead)':17} {'':>7} {f.overhead.value:9.4g} "
          f"{(f'{f.overhead.stderr:.3g}' if f.overhead.stderr is not None else '-'):>9}  cycles per call, not a cost")
    print(f"\n{'kernel':24} {'measured':>12} {'table err':>10} {'residual':>9} {'leave-one-out':>14}")
    for m in result.measurements:
        if m.error:
            print(f"{m.kernel:24} {m.error}")
            continue
        loo = f.loo_error_pct.get(m.kernel)
        print(f"{m.kernel:24} {m.measured:12,.0f} {f.table_error_pct[m.kernel]:+9.2f}% {f.residuals_pct[m.kernel]:+8.2f}% "
              + (f"{loo:+13.2f}%" if loo is not None else f"{'-':>14}"))
    print(f"rms: table {f.rms(f.table_error_pct):.2f} %, fitted {f.rms(f.residuals_pct):.2f} %, "
          f"leave-one-out {f.rms(f.loo_error_pct):.2f} % (cycles measured by {result.provenance.get('timer')})")
    for c in f.costs.values():
        if c.status in ("outside-range", "not-separable") or (c.status == "not-excited" and c.low != c.high):
            print(f"note: {c.name}: {c.note}")
    if path:
        print(f"board layer written: {path} (use --device {result.emulated}-fitted"
              + (", with --device-dir for that folder)" if args.out else ")"))
    if failed:
        print(f"wasmcu: {sum(1 for m in result.measurements if m.error)} kernel(s) did not run on both sides and "
              "were left out of the fit (see above)", file=sys.stderr)
    return failed


def cmd_list(args) -> int:
    from rich.console import Console
    from rich.table import Column, Table

    from . import api

    rows = api.listing(args.what, workload_dirs=args.workload_dir, device_dirs=args.device_dir)
    if args.what == "workloads":
        t = Table("workload", "sizes", "languages", "description", "directory")
        for w in rows:
            t.add_row(w["workload"], ",".join(map(str, w["sizes"])), ",".join(w["languages"]), w["description"],
                      w["directory"])
    elif args.what == "devices":
        t = Table("device", "backend", "core", "arch", "clock", "flash", "RAM", "description")
        for d in rows:
            hz = d["clock_hz"]
            t.add_row(d["device"], d["backend"], d["core"] or "-", d["arch"], f"{hz / 1e6:g} MHz" if hz else "-",
                      f"{d['flash_bytes'] // 1024} KiB" if d["flash_bytes"] else "-",
                      f"{d['ram_bytes'] // 1024} KiB" if d["ram_bytes"] else "-", d["description"])
    else:
        t = Table(Column("runtime", no_wrap=True), Column("mode", no_wrap=True), "runs on", "default on",
                  "available on host", "version (from)", "description")
        for r in rows:
            t.add_row(r["runtime"], r["mode"], ", ".join(r["where"]), ", ".join(r["default_on"]) or "-",
                      "yes" if r["available"] else f"no: {r['unavailable_reason']}", r["version"], r["summary"])
    Console().print(t)
    return 0


def cmd_doctor(args) -> int:
    from .doctor import doctor

    return doctor()


def cmd_board(args) -> int:
    from . import api
    from . import board_check

    marks = {board_check.OK: "ok  ", board_check.FAIL: "FAIL", board_check.SKIP: "skip"}

    started = []

    def log(step):  # the device was checked by the API before the first step
        if not args.json:
            if not started:
                started.append(print(f"board check: {args.device}", flush=True))
            print(f"  {marks[step.status]}  {step.name}: {step.detail}", flush=True)
            if step.fix:
                print(f"        what to do: {step.fix}", flush=True)

    device, steps = api.board_check(args.device, busy_s=args.busy_s, device_dirs=args.device_dir, log=log)
    if args.json:
        print(json.dumps(board_check.to_json(device, steps), indent=2))
    else:
        print(board_check.summary(steps))
    return 1 if any(s.status == board_check.FAIL for s in steps) else 0


def cmd_wamr(args) -> int:
    from . import api

    console = _console()
    outcome, _out = api.wamr_build(args.path, args.out, only=args.only, jobs=args.jobs, any_version=args.any_version,
                                   write_config=not args.no_config, make_default=True if args.default else None,
                                   progress=lambda m: console.print(escape(m), highlight=False))
    for name, path in outcome.built.items():
        console.print(f"[green]built[/] {escape(f'{name}: {path}')}", highlight=False)
    for name, why in outcome.skipped.items():
        console.print(f"[yellow]skipped[/] {escape(f'{name}: {why}')}", highlight=False)
    if outcome.config_file:
        console.print(escape(f"wrote the build paths to {outcome.config_file}: wamr-classic@{outcome.version}, "
                             f"wamr-fast@{outcome.version}, wamr-aot@{outcome.version} (the plain names stay the "
                             f"default build unless --default); `wasmcu doctor` shows what wasmcu finds"),
                      highlight=False)
    return 0


def cmd_wasm3(args) -> int:
    from . import api

    console = _console()
    outcome = api.wasm3_build(args.path, args.out, write_config=not args.no_config,
                              progress=lambda m: console.print(escape(m), highlight=False))
    for name, path in outcome.built.items():
        console.print(f"[green]built[/] {escape(f'{name}: {path}')}", highlight=False)
    if outcome.config_file:
        console.print(escape(f"registered wasm3@{outcome.version} in {outcome.config_file}: name it with --runtime "
                             f"wasm3@{outcome.version}"), highlight=False)
    return 0


def _brief(text: str, width: int = 200) -> str:
    """The first line of a message, shortened at a word boundary."""
    import textwrap

    return textwrap.shorten(text.splitlines()[0] if text else "", width=width, placeholder=" …")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(message)s", stream=sys.stderr)
    handlers = {"bench": cmd_bench, "report": cmd_report, "compare": cmd_compare, "recost": cmd_recost, "validate": cmd_validate, "calibrate": cmd_calibrate,
                "list": cmd_list,
                "doctor": cmd_doctor, "wamr": cmd_wamr, "wasm3": cmd_wasm3, "board": cmd_board}
    # SIGTERM (kill, a scheduler, a CI job cancelled) stops wasmcu as Ctrl-C does: finished cells
    # are kept and the run is marked interrupted, so that `--resume` finishes it
    import threading

    previous = signal.signal(signal.SIGTERM, raise_terminated) \
        if threading.current_thread() is threading.main_thread() else None
    try:
        return handlers[args.command](args)
    except WasmcuError as exc:
        _traceback(args)
        print(f"wasmcu: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print("wasmcu: " + ("terminated" if isinstance(exc, Terminated) else "interrupted"), file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130
    except Exception as exc:  # a bug or an unforeseen failure: one line, the traceback with --debug
        _traceback(args)
        text = " ".join(str(exc).split()) or "(no message)"
        hint = "" if getattr(args, "debug", False) else " (run it again with --debug to see the traceback)"
        print(f"wasmcu: error: unexpected {type(exc).__name__} in `wasmcu {args.command}`: {text}{hint}; "
              f"please report it with the command line", file=sys.stderr)
        return 3
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _traceback(args) -> None:
    if getattr(args, "debug", False):
        import traceback

        traceback.print_exc(file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
