"""Embench-IoT from the user's own checkout: each benchmark as a workload, with a port written by wasmcu.

Nothing of Embench is copied: the benchmarks are compiled from the checkout the user names
(`--embench PATH`, or `embench = "PATH"` in the config file's [paths] table), with
its `support/` directory on the include path, its `support/beebsc.c`, and one port file that
wasmcu writes into its cache. The port does what Embench's `support/main.c` does, in a
function `run(seed)` that every device and runtime calls once per run:

    initialise_board(); initialise_benchmark(); warm_caches(WARMUP_HEAT);
    start_trigger(); result = benchmark(); stop_trigger(); correct = verify_benchmark(result);

compiled with Embench's own defines as its build sets them: `GLOBAL_SCALE_FACTOR` (scons'
`gsf`) is the cell's size n (`aha-mont64:1`; 1 by default, as in Embench's build), and
`WARMUP_HEAT` (scons' `warmup_heat`) is 1, Embench's default.

The checksum carries both results: bits 31..2 are `benchmark()`'s result (its low 30 bits),
bits 1..0 what `verify_benchmark` said (1 passed, 0 failed, 2 "no verification", its -1).
wasmcu compares the whole checksum with the host's native result and records Embench's own
verdict beside it (`extra.embench.verify`); a failed Embench check fails the cell.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from ..errors import ConfigError
from . import BuildOptions, Workload

PORT_C = """\
/* wasmcu's port of Embench-IoT: what support/main.c does, as uint32_t run(uint32_t seed). */
#include <stdint.h>
#include "support.h"

void initialise_board(void) {}
void __attribute__((noinline)) start_trigger(void) { __asm__ volatile("" ::: "memory"); }
void __attribute__((noinline)) stop_trigger(void) { __asm__ volatile("" ::: "memory"); }

uint32_t run(uint32_t seed)
{
    (void)seed; /* Embench's benchmarks take no input */
    volatile int result;
    int correct;
    initialise_board();
    initialise_benchmark();
    warm_caches(WARMUP_HEAT);
    start_trigger();
    result = benchmark();
    stop_trigger();
    correct = verify_benchmark(result);
    /* bits 1..0: 1 passed, 0 failed, 2 no verification (verify_benchmark returned -1) */
    uint32_t code = correct == 0 ? 0u : correct == -1 ? 2u : 1u;
    return ((uint32_t)result << 2) | code;
}
"""
PORT_NAME = "wasmcu_embench_port.c"
VERIFY = {0: "failed", 1: "passed", 2: "no verification"}
LSF = re.compile(r"^\s*#\s*define\s+LOCAL_SCALE_FACTOR\s+(\d+)", re.M)
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
REQUIRED = ("support/support.h", "support/beebsc.c", "support/beebsc.h", "baseline-data/speed.json",
            "baseline-data/size.json")


def checkout_path(given: str | Path | None = None) -> Path:
    """The Embench checkout: `given`, else WASMCU_EMBENCH, else [paths] embench in the config file."""
    from .. import config

    if given is None:
        given, origin = config.lookup_origin("WASMCU_EMBENCH", "paths", "embench")
        if given and origin and origin.startswith("[paths]"):  # relative to the config file that names it
            given = Path(config.config_file().parent, Path(given).expanduser())
    if not given:
        raise ConfigError("the embench suite needs an Embench-IoT checkout: name it with --embench PATH (or "
                          "WASMCU_EMBENCH, or embench = \"PATH\" in the config file's [paths] table); get one with "
                          "git clone https://github.com/embench/embench-iot")
    return Path(given).expanduser().resolve()


def check_checkout(root: Path) -> list[str]:
    """The benchmark names of an Embench checkout (the folders of src/, in name order); a path
    that is not one is an error saying what is missing."""
    if not root.is_dir():
        raise ConfigError(f"the Embench checkout {root} does not exist",
                          expected="the top folder of a clone of https://github.com/embench/embench-iot")
    missing = [rel for rel in REQUIRED if not (root / rel).is_file()]
    if missing or not (root / "src").is_dir():
        raise ConfigError(f"{root} is not an Embench-IoT checkout: it has no {', '.join(missing or ['src/'])}",
                          expected="the top folder of a clone of https://github.com/embench/embench-iot (with src/, "
                                   "support/ and baseline-data/)")
    names = sorted(p.name for p in (root / "src").iterdir() if p.is_dir() and any(p.glob("*.c")))
    if not names:
        raise ConfigError(f"{root / 'src'} holds no benchmark (a folder with .c files)", expected="Embench's src/")
    return names


def baseline(root: Path) -> dict[str, dict]:
    """Embench's reference data from the checkout's baseline-data/: name -> {speed_ms, size}."""
    out: dict[str, dict] = {}
    for kind in ("speed", "size"):
        file = root / "baseline-data" / f"{kind}.json"
        try:
            data = json.loads(file.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"cannot read Embench's reference data: {exc}", file=file) from exc
        if not isinstance(data, dict):
            raise ConfigError("not a table of benchmarks", file=file, expected='{"aha-mont64": ..., ...}')
        for name, value in data.items():
            out.setdefault(name, {})["speed_ms" if kind == "speed" else "size"] = value
    return out


def _port_dir() -> Path:
    """Where the port file is written: beside wasmcu's artifact cache (WASMCU_CACHE, else
    $XDG_CACHE_HOME/wasmcu, else ~/.cache/wasmcu), named by its content."""
    env = os.environ.get("WASMCU_CACHE")
    root = Path(env) if env else (Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "wasmcu")
    d = root / "embench-port" / hashlib.sha256(PORT_C.encode()).hexdigest()[:16]
    if not (d / PORT_NAME).is_file():
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f".{PORT_NAME}.{os.getpid()}"
        tmp.write_text(PORT_C)
        tmp.replace(d / PORT_NAME)
    return d


def local_scale_factor(files: list[Path]) -> int | None:
    """A benchmark's LOCAL_SCALE_FACTOR, read from its sources (None when it defines none)."""
    for f in files:
        m = LSF.search(f.read_text(errors="replace"))
        if m:
            return int(m.group(1))
    return None


def body_fraction(lsf: int | None, gsf: int, heat: int) -> float:
    """The share of `run`'s calls of the benchmark's body that `benchmark()` makes: warm_caches(heat)
    runs the body `heat` times, benchmark() LOCAL_SCALE_FACTOR x GLOBAL_SCALE_FACTOR times."""
    if not lsf:
        return 1.0
    return lsf * gsf / (lsf * gsf + heat)


def relative_speed(baseline_ms: float, time_us: float, gsf: int, fraction: float) -> float:
    """Embench's relative speed of one benchmark (benchmark_speed.py's compute_rel): the reference
    time over this time, times the global scale factor; the time is benchmark()'s share of run()."""
    return baseline_ms / (time_us / 1000.0 * fraction) * gsf


def cell_relative_speed(result) -> float | None:
    """Embench's relative speed of one stored ok cell (its `extra.embench` record and its time), or
    None (no reference time, no time, not ok)."""
    info = result.extra.get("embench") or {}
    base = info.get("baseline_ms")
    if result.status != "ok" or not result.time_us or result.time_us <= 0 or not base:
        return None
    gsf = result.cell.n
    return relative_speed(base, result.time_us, gsf, body_fraction(info.get("lsf"), gsf, info.get("warmup_heat", 1)))


def make_check(name: str, info: dict):
    """The cell's record of Embench's own check (from the checksum's low two bits) and, for a
    timed cell, its relative speed against Embench's reference data."""

    def check(result):
        checksum = result.checksum & 0xFFFFFFFF
        verdict = VERIFY.get(checksum & 3, "unknown")
        gsf = result.cell.n
        record = {**info, "gsf": gsf, "verify": verdict, "result": checksum >> 2}
        fraction = body_fraction(info.get("lsf"), gsf, info["warmup_heat"])
        record["body_fraction"] = fraction
        if result.time_us and result.time_us > 0 and info.get("baseline_ms"):
            record["relative_speed"] = relative_speed(info["baseline_ms"], result.time_us, gsf, fraction)
        extra = {"embench": record}
        if verdict == "failed":
            return extra, (f"Embench's own check failed: verify_benchmark() of {name} returned 0 (the benchmark's "
                           f"results differ from the ones it expects)")
        if verdict == "unknown":
            return extra, f"the port returned an unknown verification code {checksum & 3} for {name}"
        return extra, None

    return check


# the shadow stack inside each module's linear memory: wikisort needs more than wasmcu's default 4 KB
# (with 4 KB its stack runs into its data, and Embench's own check fails); 16 KB leaves room in the
# one 64 KB page for the largest data of the suite (xgboost's 39.5 KB of tables)
STACK_BYTES = 16384


def workloads(root: Path, *, gsf: int = 1, heat: int = 1, memory_bytes: int = 65536,
              stack_bytes: int = STACK_BYTES) -> dict[str, Workload]:
    """Every benchmark of the checkout at `root` as a workload named as Embench names it, of size
    `gsf` (its GLOBAL_SCALE_FACTOR) unless a cell names another."""
    for what, value in (("gsf (GLOBAL_SCALE_FACTOR)", gsf), ("warmup heat (WARMUP_HEAT)", heat)):
        if not isinstance(value, int) or isinstance(value, bool) or value < (1 if what.startswith("gsf") else 0):
            raise ConfigError(f"invalid Embench {what}: {value!r}", expected="a whole number (gsf >= 1, heat >= 0)")
    names = check_checkout(root)
    ref = baseline(root)
    port = _port_dir()
    support = root / "support"
    out: dict[str, Workload] = {}
    for name in names:
        if not NAME.match(name):
            continue  # not a name wasmcu can key a cell by (Embench's own are letters, digits, '-', '_')
        directory = root / "src" / name
        files = sorted(directory.glob("*.c"))
        lsf = local_scale_factor(files)
        info = {"benchmark": name, "warmup_heat": heat, "lsf": lsf,
                "baseline_ms": ref.get(name, {}).get("speed_ms"), "baseline_size": ref.get(name, {}).get("size")}
        build = BuildOptions(include_dirs=[support, directory],
                             defines={"GLOBAL_SCALE_FACTOR": "WASMCU_N", "WARMUP_HEAT": str(heat)},
                             cflags=["-w"])  # Embench's code, not the user's: its warnings are not theirs to fix
        c_files = [*files, support / "beebsc.c", port / PORT_NAME]
        out[name] = Workload(name=name, description=f"Embench-IoT {name} (n: GLOBAL_SCALE_FACTOR; warmup heat {heat})",
                             directory=directory, sizes=[gsf], sources={"c": c_files[0]}, files={"c": c_files},
                             oracle_file=None, memory_bytes=memory_bytes, shadow_stack_bytes=stack_bytes,
                             build=build, self_check=make_check(name, info))
    return out
