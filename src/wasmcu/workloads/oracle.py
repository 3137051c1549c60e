"""A workload's oracle run in a child process of its own, bounded in time and memory.

An oracle is user code: it may loop forever, allocate without end or crash. wasmcu never
runs it in its own process: `python -m wasmcu.workloads.oracle` loads the oracle file, calls
its function with (n, seed) and prints the result as JSON; the parent kills it (and whatever it
started) when it overruns the cell's timeout, and the child's address space is limited
(default 2 GiB, ``WASMCU_ORACLE_MEMORY_MB``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

from .. import bounded
from ..env import env_int
from ..errors import CellError, ConfigError

DEFAULT_TIMEOUT_S = 300.0
MEMORY_ENV = "WASMCU_ORACLE_MEMORY_MB"


def memory_limit() -> int:
    """The oracle's address-space limit in bytes (``WASMCU_ORACLE_MEMORY_MB``, default 2048)."""
    return env_int(MEMORY_ENV, 2048, minimum=64, unit="MiB") * 1024 * 1024


def run(oracle_file: Path, function: str, n: int, seed: int, timeout_s: float | None = None) -> int:
    """The oracle's value for (n, seed), as an int (not masked). Raises ConfigError when the
    oracle does not load, has no such function or returns a non-int, CellError when it raises,
    runs out of time or memory, or crashes."""
    timeout_s = timeout_s or DEFAULT_TIMEOUT_S
    limit = memory_limit()
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = bounded.start([sys.executable, "-m", "wasmcu.workloads.oracle",
                          *bounded.child_args(timeout_s, limit)], env=env)
    job = {"file": str(oracle_file), "function": function, "n": n, "seed": seed}
    out = bounded.communicate(proc, json.dumps(job), timeout_s)
    if out is None:
        raise CellError(f"timeout: the oracle {oracle_file} did not return within {timeout_s:g} s for n={n} (raise "
                        f"it with --timeout, or make the oracle faster)")
    stdout, stderr = out
    try:
        answer = json.loads(stdout.strip().splitlines()[-1]) if stdout.strip() else None
    except json.JSONDecodeError:
        answer = None
    if not isinstance(answer, dict):
        what = f"exit status {proc.returncode}" if proc.returncode >= 0 else f"killed by signal {-proc.returncode}"
        raise CellError(f"the oracle {oracle_file} crashed ({what}) for n={n}: {stderr.strip()[-300:] or 'no output'}")
    kind = answer.get("kind")
    if kind == "value":
        return int(answer["value"])
    if kind == "memory":
        raise CellError(f"the oracle {oracle_file} ran out of memory for n={n} (its limit: {limit // 2**20} MiB; "
                        f"raise it with {MEMORY_ENV})")
    if kind == "raised":
        raise CellError(f"the oracle {oracle_file} raised {answer['error']}")
    if kind == "load":
        raise ConfigError(f"oracle does not load: {answer['error']}", file=oracle_file)
    if kind == "missing":
        raise ConfigError(f"oracle has no function '{function}(n, seed)'", file=oracle_file)
    if kind == "type":
        raise ConfigError(f"oracle returned {answer['error']}", file=oracle_file, expected="an int")
    raise CellError(f"the oracle {oracle_file} answered {answer!r}")


def _answer(job: dict) -> dict:
    spec = importlib.util.spec_from_file_location("wasmcu_oracle", job["file"])
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except MemoryError:
        return {"kind": "memory"}
    except BaseException as exc:  # noqa: BLE001 - user code: whatever it raises is reported
        return {"kind": "load", "error": repr(exc)}
    fn = getattr(module, job["function"], None)
    if not callable(fn):
        return {"kind": "missing"}
    try:
        value = fn(job["n"], job["seed"])
    except MemoryError:
        return {"kind": "memory"}
    except BaseException as exc:  # noqa: BLE001
        return {"kind": "raised", "error": f"{type(exc).__name__}: {exc}"}
    if not isinstance(value, int):
        return {"kind": "type", "error": type(value).__name__}
    return {"kind": "value", "value": value}


def main(argv: list[str]) -> int:
    bounded.confine(**bounded.parse_child_args(argv))
    job = json.loads(sys.stdin.read())
    answer = _answer(job)
    sys.stdout.flush()
    sys.stdout.write("\n" + json.dumps(answer) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
