"""WASI preview 1 for a command module on the host: wasmtime's WASI, its output captured and digested.

A WASI command (a prebuilt module whose entry is ``_start`` and whose imports all come from
``wasi_snapshot_preview1``) runs in a fresh instance per call, with no arguments, an empty
environment, no preopened directories and its stdout and stderr written to files. Its result
is its exit code and its stdout: the cell's checksum is their digest
(``wasmcu.workloads.module_check.command_digest``), so the usual verification compares both
across runtimes, and the cell records the output's text (its first 4 KB), length and sha256
and the exit code.

Only wasmtime provides WASI to a module in wasmcu so far; the other runtimes' cells for a WASI
command are ``unsupported``, saying so (``UNSUPPORTED``).
"""

from __future__ import annotations

import hashlib
import os
import tempfile

from ..errors import CellError
from ..workloads.module_check import WASI, command_digest

RUNTIMES = ("wasmtime", "wasmtime-pulley")
UNSUPPORTED = ("a WASI command needs WASI preview 1, which wasmcu provides on the host through wasmtime only "
               "(wasmtime, wasmtime-pulley) so far: wasm3's, WAMR's and wasm2c's harnesses, V8's and the boards' "
               "firmware link no WASI yet")
TEXT_LIMIT = 4096


def output_record(stdout: bytes, exit_code: int) -> dict:
    """What a cell stores of a command's run."""
    return {"wasi_exit_code": exit_code, "stdout_bytes": len(stdout),
            "stdout_sha256": hashlib.sha256(stdout).hexdigest(),
            "stdout": stdout[:TEXT_LIMIT].decode("utf-8", "replace")}


def wasmtime_command(engine, module, fuel: int | None):
    """A call that runs the command once in a fresh instance: (digest, its output record)."""
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
                instance.exports(store)["_start"](store)
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
