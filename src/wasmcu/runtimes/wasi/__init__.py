"""wasmcu's own WASI preview 1 layer for wasm3, WAMR and wasm2c: its C sources, each runtime's WASI glue, the import check.

The layer is C written here (``wasi_core.c``: the calls, runtime-neutral, on a linear memory
given as base and size, and the output record of the line protocol; ``wasi_firmware.c``: the
chip's timer as the clock). Each runtime binds it in a glue of its own (``wasi_glue.c`` in
its folder), which replaces the runtime's ordinary glue only in an image whose module imports
WASI: the firmware of an ordinary kernel is unchanged, byte for byte.

The output record (``@wasmcu wasi_exit=... stdout_bytes=... stderr_bytes=... stdout_hex=...``)
carries the exit code, the lengths and the first ``TEXT_BYTES`` of stdout; the checksum the
firmware reports is the digest of stdout and the exit code (command_digest), computed on the
device over the whole output.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from ...errors import CellError
from ...workloads.module_check import REACTOR_INIT, WASI, WASI_PROVIDED, Malformed, parse

HERE = Path(__file__).resolve().parent
CORE = HERE / "wasi_core.c"
FIRMWARE = HERE / "wasi_firmware.c"
HEADER = HERE / "wasi_core.h"
TEXT_BYTES = 1024  # stdout kept on a board (WASMCU_WASI_TEXT_BYTES); all of it is hashed

PROVIDED = WASI_PROVIDED  # what wasi_core.c provides (wasmcu_wasi_provides); anything else is refused before a run
UNPROVIDED = "wasi-unprovided"  # the failure kind of a module that imports a WASI call the layer lacks


def imports(wasm: Path) -> list[str]:
    """The WASI calls a module imports (an unreadable module: none; its runtime reports it)."""
    try:
        return [name for mod, name, _ in parse(Path(wasm).read_bytes()).imports if mod == WASI]
    except (Malformed, OSError):
        return []


def mode(kernel) -> str | None:
    """How the cell's module uses WASI: "command" (_start: its result is its output and exit code),
    "reactor" (_initialize, then run(seed): its output and run's result), "kernel" (a kernel whose
    run(seed) prints: its result is run's, checked as any kernel's), or None (no WASI)."""
    from ...toolchains.wasm import build_wasm

    if kernel.wasi_command and kernel.lang == "wasm":
        wasm = build_wasm(kernel).wasm
        return "reactor" if reactor_entry(wasm) else "command"
    if kernel.lang in ("c", "cpp") and imports(build_wasm(kernel).wasm):
        return "kernel"
    return None


def reactor_entry(wasm: Path) -> str | None:
    """A reactor's entry ("run", as the prepared module exports it), or None for a command."""
    try:
        return "run" if REACTOR_INIT in parse(Path(wasm).read_bytes()).exports else None
    except (Malformed, OSError):
        return None


def mode_defines(how: str | None) -> tuple[str, ...]:
    """The WASI glue's defines: a reactor's and a kernel's entry, run (none for a command)."""
    if how not in ("reactor", "kernel"):
        return ()
    return ("-DWASMCU_WASI_REACTOR=\"run\"", "-DWASMCU_WASI_REACTOR_ID=run",
            *(("-DWASMCU_WASI_KERNEL=1",) if how == "kernel" else ()))


def check_imports(wasm: Path, where: str) -> None:
    """Refuse, before anything is built, a module importing a WASI call the layer lacks."""
    missing = [name for name in imports(wasm) if name not in PROVIDED]
    if missing:
        raise CellError(f"the module imports {', '.join(WASI + '.' + m for m in missing)}, not provided on this "
                        f"device: wasmcu's WASI layer on {where} provides {', '.join(PROVIDED)}", UNPROVIDED)


def glue(rt) -> Path | None:
    """The runtime's WASI glue (its folder's wasi_glue.c), or None: it has none."""
    path = Path(rt.firmware_glue).with_name("wasi_glue.c") if getattr(rt, "firmware_glue", None) else None
    return path if path is not None and path.is_file() else None


def firmware_frame(frame, rt, how: str | None = None):
    """The image's frame with the runtime's WASI glue in place of its ordinary glue and the layer's
    sources beside it; `how`: the module's mode (`mode`)."""
    wasi_glue = glue(rt)
    sources = tuple(wasi_glue if Path(s) == Path(rt.firmware_glue) else s for s in frame.sources)
    defines = mode_defines(how)
    headers = (HEADER, *sorted(wasi_glue.parent.glob("wasi_*.h")))
    return replace(frame, sources=(*sources, CORE, FIRMWARE), headers=(*frame.headers, *headers),
                   includes=(*frame.includes, HERE, wasi_glue.parent), defines=(*frame.defines, *defines))


def output_from_report(report) -> dict | None:
    """The program's output record from a firmware report (None: the report has none)."""
    code = report.int("wasi_exit")
    if code is None:
        return None
    text = bytes.fromhex(report.fields.get("stdout_hex", ""))
    size = report.int("stdout_bytes") or 0
    out = {"wasi_exit_code": code, "stdout_bytes": size, "stderr_bytes": report.int("stderr_bytes") or 0,
           "stdout": text.decode("utf-8", "replace")}
    out["stdout_sha256"] = hashlib.sha256(text).hexdigest() if len(text) == size else None
    if len(text) < size:
        out["stdout_truncated_at"] = len(text)
    return out
