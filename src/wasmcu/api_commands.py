"""The API's calls for the commands besides bench: calibrate, board check, the WAMR and wasm3 builds, the listings.

Each call checks its inputs once, here, and raises :class:`wasmcu.errors.WasmcuError` saying
what was wrong and what to do; ``wasmcu calibrate``, ``wasmcu board check``, ``wasmcu wamr
build``, ``wasmcu wasm3 build`` and ``wasmcu list`` translate their arguments into these calls
and print what they return, so the CLI and a script accept and refuse the same things.
They are reached as ``wasmcu.api.calibrate``, ``wasmcu.api.board_check``, ...
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError, WasmcuError

LISTS = ("devices", "runtimes", "workloads")


def _names(value, what: str) -> list[str] | None:
    """A comma-separated string or a list of names as a list (None when not given)."""
    if value is None:
        return None
    if isinstance(value, str):
        return [x.strip() for x in value.split(",") if x.strip()]
    try:
        items = list(value)
    except TypeError:
        raise WasmcuError(f"{what}: expected a comma-separated string or a list of names, got {value!r}") from None
    if not all(isinstance(v, str) for v in items):
        raise WasmcuError(f"{what}: expected names (strings), got {items!r}")
    return [v.strip() for v in items if v.strip()]


def _positive_int(value, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"invalid {what} {value!r}", expected="a whole number of at least 1")
    return value


@dataclass(frozen=True)
class CalibrateRun:
    """What :func:`calibrate` gives back: the calibration and the board layer it wrote."""

    calibration: object
    """The `wasmcu.calibrate.Calibration` (fit, measurements, provenance)."""
    layer: Path | None
    """The board layer written, or None (``write_layer=False``)."""

    @property
    def failed(self) -> list:
        """The kernels that did not run on both sides (left out of the fit)."""
        return [m for m in self.calibration.measurements if m.error]


def calibrate(device: str | None = None, emulated: str | None = None, kernels: str | Iterable[str] | None = None,
              suite: str | Iterable[str] | None = None, *,
              free: bool = False, out: str | Path | None = None, write_layer: bool = True,
              from_json: str | Path | None = None, device_dirs: Iterable[str | Path] = (),
              progress: Callable[[str], None] | None = None) -> CalibrateRun:
    """Fit an emulated board's cost table to cycles measured on the real board, as ``wasmcu calibrate``.

    Args:
        device: the real board's profile (backend ``board``), e.g. ``"pico-board"``; with
            `from_json`, the file's board when not given.
        emulated: the emulated profile whose costs are fitted (default: `device` without ``-board``).
        kernels: calibration microkernels, a comma-separated string or a list (default: all;
            ``"none"`` for none).
        suite: ``workload:n`` of the embedded suite run too (default: the suite at calibration
            sizes; ``"none"`` for none).
        free: let every cost range from 0 to 4 × its stated high (default: within its range).
        out: the board layer written (default: NAME-fitted.toml in the user device directory).
        write_layer: False: fit and report only.
        from_json: fit again the measurements of an earlier ``calibrate --json`` (nothing runs).
        device_dirs: extra device profile directories.
        progress: called with a line naming each kernel before it runs.

    Raises:
        WasmcuError: no or an unknown device, an unknown kernel, fewer than two kernels.
    """
    from . import calibrate as cal
    from . import devices as devices_mod
    from . import workloads as workloads_mod
    from .backends import RunContext

    devs = devices_mod.discover([Path(d) for d in device_dirs])
    measurements, measured_on = None, None
    if from_json is not None:
        data = cal.load_json(Path(from_json))
        measurements = cal.measurements_from_json(data)
        measured_on = (data.get("provenance") or {}).get("date")
        device, emulated = device or data.get("board"), emulated or data.get("emulated")
    if not device:
        raise WasmcuError("wasmcu calibrate needs --device BOARD: a real board's profile, e.g. pico-board")
    if device not in devs:
        raise WasmcuError(f"unknown device '{device}'; known: {', '.join(devs)}")
    board = devs[device]
    emulated_device = cal.emulated_for(board, devs, emulated)
    chosen = []
    if measurements is None:
        micro = cal.microkernels()
        names = _names(kernels, "kernels")
        if names != ["none"]:
            names = names or list(micro)
            unknown = [k for k in names if k not in micro]
            if unknown:
                raise WasmcuError(f"unknown calibration kernel '{unknown[0]}'; known: {', '.join(micro)}")
            chosen += [(micro[k], micro[k].sizes[0]) for k in names]
        suite_text = ",".join(_names(suite, "suite")) if suite is not None else None
        if suite_text != "none":
            wls = workloads_mod.discover()
            chosen += (workloads_mod.parse_specs(suite_text, wls) if suite_text else cal.suite_kernels(wls))
        if len(chosen) < 2:
            raise WasmcuError("calibrate needs at least two kernels (see --kernels and --suite)")
    say = progress or (lambda line: None)
    result = cal.calibrate(board, emulated_device, chosen, free=free, ctx=RunContext(),
                           progress=lambda name: say(f"{name}: QEMU on {emulated_device.name}, then {board.name}"),
                           measurements=measurements,
                           measured_on=measured_on)
    path = cal.write_layer(result, Path(out) if out else cal.default_layer_path(emulated_device.name)) \
        if write_layer else None
    return CalibrateRun(result, path)


def board_check(device: str, *, busy_s: float = 10.0, device_dirs: Iterable[str | Path] = (),
                log: Callable[[object], None] | None = None):
    """A real board's bring-up self-test, as ``wasmcu board check``: (the device, its steps).

    Args:
        device: a real board's profile (backend ``board``), e.g. ``"pico-board"``.
        busy_s: seconds of busy CPU in the watchdog and clock step (more than 0).
        device_dirs: extra device profile directories.
        log: called with each `wasmcu.board_check.Step` as it finishes.

    Raises:
        WasmcuError: an unknown device or one that is not a real board, a busy time that is
            not a positive number of seconds.
    """
    from . import board_check as bc
    from . import devices as devices_mod

    if isinstance(busy_s, bool) or not isinstance(busy_s, (int, float)) or not math.isfinite(busy_s) or busy_s <= 0:
        raise ConfigError(f"invalid busy time {busy_s!r}", expected="a positive number of seconds, e.g. 10")
    devs = devices_mod.discover([Path(d) for d in device_dirs])
    boards = ", ".join(n for n, d in devs.items() if d.backend == "board")
    if device not in devs:
        raise WasmcuError(f"unknown device '{device}'; known boards: {boards}")
    if devs[device].backend != "board":
        raise WasmcuError(f"device '{device}' is not a real board (its backend is {devs[device].backend}); "
                          f"known boards: {boards}")
    return devs[device], bc.check(devs[device], busy_s=float(busy_s), log=log)


def wamr_build(path: str | Path, out: str | Path | None = None, *, only: str | Iterable[str] | None = None,
               jobs: int | None = None, any_version: bool = False, write_config: bool = True,
               make_default: bool | None = None, progress: Callable[[str], None] | None = None) -> tuple[object, Path]:
    """Build WAMR from the source tree at `path` for every runtime wasmcu uses, as ``wasmcu wamr build``.

    Args:
        path: the WAMR source tree (a clone or a release archive, 2.4.x).
        out: where the builds go (default: ~/.local/share/wasmcu/wamr-VERSION).
        only: configurations, a comma-separated string or a list (default: all).
        jobs: parallel compile jobs (default: the number of cores).
        any_version: try a WAMR release other than 2.4.x.
        write_config: write the build paths to the config file.
        make_default: make this build the default (the plain names) even when another one is.
        progress: called with a line of progress.

    Returns:
        (the outcome, the directory built into): the outcome is a
        `wasmcu.runtimes.wamr.build.Outcome` (built, skipped, config_file, version).

    Raises:
        WasmcuError: not a WAMR tree, an unknown configuration, jobs below 1, a failed build.
    """
    from .runtimes.wamr import build as wb

    jobs = _positive_int(jobs, "number of jobs")
    tree = Path(path)
    version = wb.tree_version(tree)
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    target = Path(out) if out else data / "wasmcu" / f"wamr-{version}"
    say = progress or (lambda line: None)
    say(f"WAMR {version} at {tree.resolve()}: building into {target}")
    outcome = wb.build(tree, target, only=_names(only, "only") or None, jobs=jobs, any_version=any_version,
                       write_config=write_config, make_default=make_default, progress=say)
    return outcome, target


def wasm3_build(path: str | Path, out: str | Path | None = None, *, write_config: bool = True,
                progress: Callable[[str], None] | None = None):
    """Build wasm3 from the source tree (or archive) at `path` and register it as
    ``wasm3@VERSION``, as ``wasmcu wasm3 build``; the outcome
    (`wasmcu.runtimes.wasm3.build.Outcome`).

    Raises:
        WasmcuError: not a wasm3 tree, a tree that does not build.
    """
    from .runtimes.wasm3 import build as w3

    return w3.build(Path(path), Path(out) if out else None, write_config=write_config,
                    progress=progress or (lambda line: None))


def listing(what: str, *, workload_dirs: Iterable[str | Path] = (),
            device_dirs: Iterable[str | Path] = ()) -> list[dict]:
    """The devices, runtimes or workloads wasmcu knows, as ``wasmcu list WHAT``: one dict per row.

    Raises:
        WasmcuError: `what` is not one of devices, runtimes, workloads.
    """
    if what not in LISTS:
        raise ConfigError(f"cannot list {what!r}", expected=" or ".join(LISTS))
    if what == "workloads":
        from .workloads import discover

        return [{"workload": w.name, "sizes": list(w.sizes), "languages": list(w.languages),
                 "description": w.description, "directory": str(w.directory)}
                for w in discover([Path(d) for d in workload_dirs]).values()]
    if what == "devices":
        from .plan import discover_devices

        return [{"device": d.name, "backend": d.backend, "core": d.core, "arch": d.arch, "clock_hz": d.clock_hz,
                 "flash_bytes": d.flash_bytes, "ram_bytes": d.ram_bytes, "description": d.description}
                for d in discover_devices([Path(d) for d in device_dirs]).values()]
    from .runtimes import RUNTIMES
    from .runtimes.identity import describe_version

    rows = []
    for rt in RUNTIMES.values():
        reason = rt.unavailable_reason() if "host" in rt.where else "runs in firmware only"
        rows.append({"runtime": rt.name, "mode": rt.mode, "where": list(rt.where),
                     "default_on": [b for b in ("host", "qemu", "board") if rt.name in RUNTIMES.defaults(b)],
                     "available": reason is None, "unavailable_reason": reason, "version": describe_version(rt),
                     "summary": rt.summary})
    return rows
