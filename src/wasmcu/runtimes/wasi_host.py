"""WASI preview 1 for a command module on the host: wasmtime's WASI, its output captured and digested.

A WASI command (a prebuilt module whose entry is ``_start`` and whose imports all come from
``wasi_snapshot_preview1``) runs in a fresh instance per call, with no arguments, an empty
environment, no preopened directories and its stdout and stderr written to files. Its result
is its exit code and its stdout: the cell's checksum is their digest
(``wasmcu.workloads.module_check.command_digest``), so the usual verification compares both
across runtimes, and the cell records the output's text (its first 4 KB), length and sha256
and the exit code.

wasmtime (its WASI, in process) and V8 (Node's ``node:wasi``, ``v8_wasi.js``) provide their own
WASI here; wasm3, WAMR and wasm2c get wasmcu's own layer (wasmcu.runtimes.wasi), on the host and
on the boards. A runtime with neither (a wasm3 built from another source tree, on the host) is
``unsupported``, saying so (``UNSUPPORTED``).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from ..errors import CellError
from ..workloads.module_check import COMMAND_ENTRY, REACTOR_INIT, WASI, command_digest

RUNTIMES = ("wasmtime", "wasmtime-pulley", "v8-liftoff", "v8-turbofan")
UNSUPPORTED = ("a WASI program needs WASI preview 1, which wasmcu provides through wasmtime's WASI and Node's "
               "node:wasi on the host and through its own WASI layer for wasm3, WAMR and wasm2c (host and boards); "
               "this runtime has neither here")
V8_SCRIPT = Path(__file__).with_name("v8_wasi.js")
TEXT_LIMIT = 4096


def output_record(stdout: bytes, exit_code: int) -> dict:
    """What a cell stores of a command's run."""
    return {"wasi_exit_code": exit_code, "stdout_bytes": len(stdout),
            "stdout_sha256": hashlib.sha256(stdout).hexdigest(),
            "stdout": stdout[:TEXT_LIMIT].decode("utf-8", "replace")}


def is_command(path: str) -> bool:
    """Whether the module at `path` is a WASI command or reactor (it imports WASI and exports _start
    or _initialize; a kernel that prints exports neither)."""
    from ..workloads.module_check import Malformed, parse

    try:
        module = parse(Path(path).read_bytes())
    except (Malformed, OSError):
        return False
    return any(mod == WASI for mod, _, _ in module.imports) and \
        (COMMAND_ENTRY in module.exports or REACTOR_INIT in module.exports)


def node_command(node: str, flags: list[str], job):
    """Run the command under V8 with node:wasi, job.repeat times: (digest, samples, load samples,
    its output record, node's and V8's versions)."""
    import json
    import subprocess

    with tempfile.TemporaryDirectory(prefix="wasmcu-wasi-") as tmp:
        out, err = os.path.join(tmp, "stdout"), os.path.join(tmp, "stderr")
        proc = subprocess.run([node, *flags, "--no-warnings", str(V8_SCRIPT), job.artifact, str(max(1, job.repeat)),
                               out, err, str(job.seed)], capture_output=True, text=True, timeout=3600)
        try:
            res = json.loads(proc.stdout)
        except json.JSONDecodeError:
            raise CellError(f"node failed (exit {proc.returncode}) running the WASI command: "
                            f"{(proc.stderr or proc.stdout).strip()[-500:]}", "crash") from None
        if "error" in res:
            raise CellError(f"V8: {res['error']}", res.get("kind", "error"))
        with open(out, "rb") as f:
            text = f.read()
    codes = set(res["exit_codes"])
    if len(codes) != 1:
        raise CellError(f"the WASI command exited with different codes on repeated runs: {sorted(codes)}",
                        "not-deterministic")
    code = codes.pop()
    return (command_digest(text, code), res["samples_us"], res["load_samples_us"], output_record(text, code),
            {"node": res["node"], "v8": res["v8"]})


def is_kernel(module) -> bool:
    """Whether a wasmtime module that imports WASI is a kernel that prints (it exports run and
    neither _start nor _initialize): it is called as any kernel, its output discarded."""
    names = {e.name for e in module.exports}
    return "run" in names and COMMAND_ENTRY not in names and REACTOR_INIT not in names


def wasi_kernel_instance(engine, store, module):
    """An instance of a kernel that prints, with wasmtime's WASI (no arguments, environment or
    directories; its output discarded)."""
    import wasmtime

    store.set_wasi(wasmtime.WasiConfig())
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    return linker.instantiate(store, module)


def wasmtime_command(engine, module, fuel: int | None, seed: int = 0):
    """A call that runs the command once in a fresh instance: (digest, its output record). A
    reactor (it exports _initialize): _initialize, then run(seed), whose result takes the exit
    code's place."""
    import wasmtime

    def call() -> tuple[int, dict]:
        with tempfile.TemporaryDirectory(prefix="wasmcu-wasi-") as tmp:
            out, err = os.path.join(tmp, "stdout"), os.path.join(tmp, "stderr")
            wasi = wasmtime.WasiConfig()
            wasi.stdout_file, wasi.stderr_file = out, err
            store = wasmtime.Store(engine)
            if fuel is not None:
                store.set_fuel(fuel)
            store.set_wasi(wasi)
            linker = wasmtime.Linker(engine)
            linker.define_wasi()
            code = 0
            try:
                instance = linker.instantiate(store, module)
                exports = instance.exports(store)
                if REACTOR_INIT in exports:
                    exports[REACTOR_INIT](store)
                    code = exports["run"](store, seed)
                else:
                    exports["_start"](store)
            except wasmtime.ExitTrap as exc:
                code = exc.code
            except wasmtime.Trap as exc:
                raise CellError(f"trap in wasmtime: {exc}".splitlines()[0], "trap") from exc
            except wasmtime.WasmtimeError as exc:
                raise CellError(f"wasmtime could not run the WASI command: {str(exc).splitlines()[-1]}",
                                "load-failed") from exc
            with open(out, "rb") as f:
                text = f.read()
        return command_digest(text, code), output_record(text, code)

    return call
