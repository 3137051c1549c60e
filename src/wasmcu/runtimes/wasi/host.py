"""A WASI module on the host under wasm3, WAMR or wasm2c: a host program of the glue and layer the boards use.

The program (``wasi_hostmain.c``) is the firmware's frame for the host: the same glue and layer
as on a board, the module compiled in (a C array; wasm2c's translation), one load and one call
per process, reported in the firmware's line protocol. So the output, the exit code and the
digest are the same on the host as on every board. Each sample is a fresh process.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from ... import tools
from ...protocol import parse
from ...toolchains.cache import cached, digest, meta
from . import CORE, HEADER, HERE, glue, mode, mode_defines, output_from_report

MAIN = HERE / "wasi_hostmain.c"
FW_HEADER = HERE.parent.parent / "backends" / "firmware" / "wasmcu_fw.h"  # the interface every glue implements
CFLAGS = ["-O2", "-w"]


def supported(rt) -> bool:
    """Whether the runtime's WASI glue builds into a host program here (wasm3's built-in version,
    wasm2c, WAMR's configured builds)."""
    return glue(rt) is not None and (rt.name in ("wasm3", "wasm2c") or rt.name.startswith("wamr-"))


def _wasm3_library(cc: str) -> tuple[list[Path], Path]:
    """wasm3's sources (pywasm3's distribution) compiled for the host: (the archive, its include dir)."""
    from ..wasm3.firmware import sources

    src = sources()
    files = sorted(src.glob("*.c"))
    key = digest("wasm3-host-lib", *files, CFLAGS, tools.version(cc))

    def build(tmp: Path) -> dict:
        objs = []
        for f in files:
            obj = tmp / (f.stem + ".o")
            tools.run([cc, *CFLAGS, "-Dd_m3HasTracer=0", f"-I{src}", "-c", str(f), "-o", str(obj)],
                      what=f"compiling wasm3's {f.name} for the host")
            objs.append(obj)
        tools.run(["ar", "rcs", str(tmp / "libwasm3.a"), *map(str, objs)], what="archiving wasm3")
        for o in objs:
            o.unlink()
        return {"wasm3": str(src)}

    return [cached("wasm3-host-lib", key, build) / "libwasm3.a"], src


def _parts(rt, module, cc: str) -> tuple[list[Path], list[Path], list[str], dict]:
    """The runtime's part of the program, the module included: (sources and archives, include
    dirs, link flags, build facts)."""
    if rt.name == "wasm3":
        libs, inc = _wasm3_library(cc)
        return [module.c_array, *libs], [inc], ["-lm"], {}
    if rt.name == "wasm2c":  # the translation is the module
        from ..wasm2c.translate import runtime_sources, translate

        src, rtdir = translate(module.wasm), runtime_sources()
        return [src / "kern.c", rtdir / "wasm-rt-impl.c"], [src, rtdir], ["-lm"], {}
    from ..wamr.builds import compile_aot, host_build

    build = host_build(rt.kind, rt.version)
    data = compile_aot(module.wasm, None, rt.version) if rt.kind == "aot" else module.wasm
    flags = ["-lm", "-ldl", "-lpthread", f"-DWASMCU_WAMR_KIND=\"{rt.name}\"",
             "-DWASMCU_WAMR_POOL=(16 * 1024 * 1024)"]  # the host's pool: no board's limit
    return [_writable_array(data), build.library], [build.include], flags, {"wamr_build": str(build.directory)}


def _writable_array(module: Path) -> Path:
    """The module as a C array in writable memory: WAMR's loader writes into the buffer it loads
    from (import names), which on the host faults in read-only data."""
    from ...toolchains.wasm import c_array_source

    def build(tmp: Path) -> dict:
        text = c_array_source(module.read_bytes()).replace("const unsigned char", "unsigned char", 1)
        (tmp / "module.c").write_text(text)
        return {}

    return cached("wasi-host-array", digest("wasi-host-array", module), build) / "module.c"


def prepare(rt, kernel) -> tuple[str, dict]:
    """The host program of the module under `rt` (cached): (its path, its build facts)."""
    from ...toolchains.wasm import build_wasm

    cc = tools.require("cc")
    module = build_wasm(kernel)
    parts, includes, flags, facts = _parts(rt, module, cc)
    flags = [*flags, *mode_defines(mode(kernel))]
    sources = [MAIN, glue(rt), CORE, *parts]
    headers = [HEADER, FW_HEADER, *sorted(glue(rt).parent.glob("wasi_*.h"))]
    key = digest("wasi-host", *sources, *headers, CFLAGS, flags, tools.version(cc))

    def build(tmp: Path) -> dict:
        tools.run([cc, *CFLAGS, f"-I{HERE}", f"-I{FW_HEADER.parent}", f"-I{glue(rt).parent}",
                   *[f"-I{i}" for i in includes], *map(str, sources), "-o", str(tmp / "wasi_host"), *flags],
                  what=f"compiling wasmcu's WASI host program for {rt.name}")
        return {"compiler": tools.version(cc), "flags": CFLAGS, **facts}

    exe = cached("wasi-host", key, build) / "wasi_host"
    return str(exe), meta(exe.parent)


def run(exe: str, seed: int, repeat: int, timeout_s: float) -> dict:
    """Run the program `repeat` times (a fresh process each): the worker's answer (checksum, samples,
    load samples, the output record in `extra`) or {"error", "kind"}."""
    samples, loads, digests, output = [], [], set(), None
    for _ in range(max(1, repeat)):
        try:
            proc = subprocess.run([exe, str(seed)], capture_output=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return {"error": f"timeout: the WASI program did not finish within {timeout_s:g} s", "kind": "timeout"}
        report = parse(proc.stdout)
        if "error" in report.fields:
            stage = report.fields["error"].split(":", 1)[0]
            return {"error": f"{report.fields['error']}", "kind": {"load": "load-failed"}.get(stage, "trap")}
        if proc.returncode != 0 or not report.ended or report.int("checksum") is None:
            tail = (proc.stderr + proc.stdout).decode(errors="replace").strip()[-300:]
            return {"error": f"the WASI host program failed (exit {proc.returncode}): {tail!r}", "kind": "crash"}
        digests.add(report.int("checksum"))
        samples.append(float(report.fields["time_us"]))
        loads.append(float(report.fields["load_us"]))
        output = output_from_report(report)
    if len(digests) != 1:
        return {"error": f"the WASI program's output or exit code differed between runs: {sorted(digests)}",
                "kind": "not-deterministic"}
    return {"checksum": digests.pop(), "samples_us": samples, "load_samples_us": loads, "calls_per_sample": 1,
            "extra": output or {}}
