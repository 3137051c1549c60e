import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


@pytest.fixture
def db(tmp_path):
    return tmp_path / "results.sqlite"


def wasmcu(*args, env=None, timeout=600, **kw):
    """Run the real CLI in a subprocess; returns CompletedProcess."""
    full_env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "wasmcu", *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout, **kw)


def bench_json(*args, **kw):
    proc = wasmcu("bench", "--json", *args, **kw)
    try:
        cells = json.loads(proc.stdout) if proc.stdout.strip() else None
    except json.JSONDecodeError:
        cells = None
    return proc, cells


class DaskProcesses:
    """`dask scheduler` and `dask worker` subprocesses, each in its own process group, with its
    output in NAME.log under `tmp`; `close()` stops them all (SIGTERM, then SIGKILL)."""

    def __init__(self, tmp: Path, env: dict | None = None):
        tmp.mkdir(parents=True, exist_ok=True)
        self.tmp, self.env, self.procs = tmp, dict(os.environ, **(env or {})), []
        self.deadline = time.monotonic() + 300  # a hang guard: a busy machine starts Dask slowly

    def start(self, args: list[str], name: str, env: dict | None = None) -> subprocess.Popen:
        exe = Path(sys.executable).with_name("dask")
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "dask"]
        log = open(self.tmp / f"{name}.log", "w")
        proc = subprocess.Popen(cmd + args, stdout=log, stderr=subprocess.STDOUT, env=dict(self.env, **(env or {})),
                                start_new_session=True)
        self.procs.append(proc)
        return proc

    def wait_until(self, ready, log: str) -> None:
        """Poll `ready()` until it holds; past the hang guard, fail showing NAME.log."""
        while not ready():
            assert time.monotonic() < self.deadline, (self.tmp / f"{log}.log").read_text()
            time.sleep(0.1)

    def scheduler_address(self, file: Path) -> str:
        self.wait_until(lambda: file.exists() and file.stat().st_size, "scheduler")
        return json.loads(file.read_text())["address"]

    def close(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def link_elf(tmp_path: Path, source: str, script: str, name: str = "f", flags=()) -> Path:
    """An Arm ELF file linked from assembly `source` with linker `script` (no C library), for the
    footprint tests; skipped when arm-none-eabi-gcc is missing."""
    import shutil

    cc = shutil.which("arm-none-eabi-gcc")
    if cc is None:
        pytest.skip("arm-none-eabi-gcc is not installed (apt-get install gcc-arm-none-eabi)")
    (tmp_path / "f.S").write_text(source)
    (tmp_path / "f.ld").write_text(script)
    out = tmp_path / f"{name}.elf"
    subprocess.run([cc, "-nostdlib", "-T", str(tmp_path / "f.ld"), str(tmp_path / "f.S"), "-o", str(out), *flags],
                   check=True, capture_output=True)
    return out


def make_workload(root: Path, name: str, *, c: str | None = None, rust: str | None = None,
                  wasm: bytes | None = None, oracle: str = "def checksum(n, seed):\n    return 7\n",
                  sizes=(4,)) -> Path:
    """Write a workload directory (sources + oracle) for a test."""
    d = root / name
    d.mkdir(parents=True)
    sources = []
    if c is not None:
        (d / "kernel.c").write_text(c)
        sources.append('c = "kernel.c"')
    if rust is not None:
        (d / "kernel.rs").write_text(rust)
        sources.append('rust = "kernel.rs"')
    if wasm is not None:
        (d / "module.wasm").write_bytes(wasm)
        sources.append('wasm = "module.wasm"')
    (d / "oracle.py").write_text(oracle)
    (d / "workload.toml").write_text(
        f'name = "{name}"\ndescription = "test"\nsizes = {list(sizes)}\n[sources]\n' + "\n".join(sources) + "\n")
    return d


def wat2wasm(text: str, tmp: Path) -> bytes:
    src = tmp / "m.wat"
    src.write_text(text)
    subprocess.run(["wat2wasm", str(src), "-o", str(tmp / "m.wasm")], check=True)
    return (tmp / "m.wasm").read_bytes()


# tools each marker needs: a test carrying the marker is skipped, with the missing tool and
# the package that provides it, when one is absent (the set-up installs them all)
MARKER_TOOLS = {"qemu": ("qemu-system-arm", "qemu-system-riscv32", "arm-none-eabi-gcc", "riscv64-unknown-elf-gcc")}


def pytest_collection_modifyitems(config, items):
    from wasmcu import tools

    missing = {}
    for marker, needed in MARKER_TOOLS.items():
        absent = [t for t in needed if tools.find(t) is None]
        if absent:
            packages = " ".join(tools.TOOLS[t][1] for t in absent)
            missing[marker] = pytest.mark.skip(reason=f"needs {', '.join(absent)} (apt-get install {packages})")
    for item in items:
        for marker, skip in missing.items():
            if marker in item.keywords:
                item.add_marker(skip)
    if os.environ.get("WASMCU_MUTATION"):
        items.sort(key=mutation_order())


# Under mutmut (scripts/mutation.sh), which runs from mutants/ a mutant's tests and stops at the
# first failure, the order of the tests is most of the time a caught mutant costs. The mutants of
# a function run one after another, and a test that caught some of them is likely to catch the
# next: a test's cost is its duration over the number of this function's mutants it caught (a line
# each in KILLERS, written below), plus a tenth for a test that caught none yet, cheapest first.
KILLERS = Path("mutation-killers.jsonl")


def mutation_function() -> str:
    """The mutated function mutmut runs the tests for ('' when none): its mutant's name without
    the mutant's number."""
    name = os.environ.get("MUTANT_UNDER_TEST", "")
    return name.rsplit("__mutmut_", 1)[0] if "__mutmut_" in name else ""


def mutation_order():
    """The sort key of a test under mutmut: its duration over its catches of this function."""
    stats = Path("mutmut-stats.json")
    duration = json.loads(stats.read_text()).get("duration_by_test", {}) if stats.is_file() else {}
    function, kills = mutation_function(), {}
    if function and KILLERS.is_file():
        for line in KILLERS.read_text().splitlines():
            record = json.loads(line)
            if record["function"] == function:
                kills[record["test"]] = kills.get(record["test"], 0) + 1
    return lambda item: (duration.get(item.nodeid, 0.0) + 0.001) / (kills.get(item.nodeid, 0) + 0.1)


def pytest_runtest_logreport(report):
    if report.failed and os.environ.get("WASMCU_MUTATION") and mutation_function():
        line = json.dumps({"function": mutation_function(), "test": report.nodeid}) + "\n"
        with open(KILLERS, "a") as out:   # one short append: the parallel mutants' lines stay whole
            out.write(line)


@pytest.fixture
def made(monkeypatch):
    """The figures the code under test makes with plt.subplots, kept to read them back (the code
    still closes them)."""
    import matplotlib.pyplot as plt

    figs = []
    real = plt.subplots

    def subplots(*a, **k):
        fig, axes = real(*a, **k)
        figs.append(fig)
        return fig, axes

    monkeypatch.setattr(plt, "subplots", subplots)
    yield figs
    for f in figs:
        plt.close(f)


@pytest.fixture
def figures_shown(monkeypatch):
    """The figures a function closes, kept open to be inspected."""
    from wasmcu.report.plot import _plt

    plt = _plt()
    real_close, figs = plt.close, []
    monkeypatch.setattr(plt, "close", lambda fig=None: figs.append(fig))
    yield figs
    for f in figs:
        real_close(f)
