"""Every process bounded: the oracle runs in a child under the cell's timeout and a memory limit,
sizes are range-checked at load, and children die with wasmcu (wasmcu.bounded)."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import ROOT, bench_json, wasmcu
from wasmcu import bounded
from wasmcu.errors import CellError, ConfigError
from wasmcu.workloads import MAX_N, discover, load_workload, parse_specs

KERNEL = """#include <stdint.h>
uint32_t run(uint32_t seed) { uint32_t x = seed; for (uint32_t i = 0; i < WASMCU_N; i++) x = x * 3u + i; return x; }
"""
GOOD_ORACLE = """def checksum(n, seed):
    x = seed
    for i in range(n):
        x = (x * 3 + i) & 0xFFFFFFFF
    return x
"""


def workload(tmp_path, oracle: str, name="slow", sizes="[5]"):
    d = tmp_path / name
    d.mkdir()
    (d / "workload.toml").write_text(f'name = "{name}"\nsizes = {sizes}\n[sources]\nc = "kernel.c"\n')
    (d / "kernel.c").write_text(KERNEL)
    (d / "oracle.py").write_text(textwrap.dedent(oracle))
    return d


def test_an_oracle_that_never_returns_is_stopped_at_the_timeout_and_the_cell_kept(tmp_path, db):
    d = workload(tmp_path, "def checksum(n, seed):\n    while True:\n        pass\n")
    start = time.monotonic()
    proc, cells = bench_json("--device", "host", "--runtime", "native", "--workload", "slow:5", "--lang", "c",
                             "--workload-dir", str(d), "--timeout", "3", "--repeat", "2", "--warmup", "0",
                             "--db", str(db), timeout=120)
    assert time.monotonic() - start < 60, proc.stderr
    assert proc.returncode == 1, proc.stderr
    (cell,) = cells
    assert cell["status"] == "error" and "the oracle" in cell["error"] and "did not return within 3 s" in cell["error"]
    assert cell["checksum"] is not None  # the kernel's own measurement is kept
    from wasmcu.store import Store
    with Store(db, create=False) as store:
        assert len(store.results()) == 1 and store.runs()[-1]["state"] == "complete"


def test_an_oracle_that_allocates_without_end_runs_out_of_its_own_memory(tmp_path, monkeypatch):
    d = workload(tmp_path, "def checksum(n, seed):\n    return len(bytearray(n * 10**12))\n")
    monkeypatch.setenv("WASMCU_ORACLE_MEMORY_MB", "256")
    with pytest.raises(CellError, match="ran out of memory for n=5 .*256 MiB.*WASMCU_ORACLE_MEMORY_MB"):
        load_workload(d).expected(5)


def test_an_oracle_is_run_in_a_child_and_its_errors_say_what_happened(tmp_path, monkeypatch):
    wl = load_workload(workload(tmp_path, GOOD_ORACLE))
    assert wl.expected(5) == (42 * 3**5 + sum(i * 3**(4 - i) for i in range(5))) & 0xFFFFFFFF
    crash = load_workload(workload(tmp_path, "import os\ndef checksum(n, seed):\n    os.abort()\n", name="crash"))
    with pytest.raises(CellError, match="crashed .*killed by signal 6"):
        crash.expected(5)
    raises = load_workload(workload(tmp_path, "def checksum(n, seed):\n    raise KeyError(n)\n", name="raises"))
    with pytest.raises(CellError, match="raised KeyError: 5"):
        raises.expected(5)
    monkeypatch.setenv("WASMCU_ORACLE_MEMORY_MB", "lots")
    with pytest.raises(ConfigError, match="WASMCU_ORACLE_MEMORY_MB='lots' is not a whole number MiB of 64 or more"):
        load_workload(workload(tmp_path, GOOD_ORACLE, name="other")).expected(5)


@pytest.mark.parametrize("sizes", ["[99999999999999999999]", "[2147483648]", "[0]", "[true]"])
def test_sizes_out_of_range_are_refused_when_the_workload_loads(tmp_path, sizes):
    d = workload(tmp_path, GOOD_ORACLE, sizes=sizes)
    with pytest.raises(ConfigError, match=r"field 'sizes': invalid sizes .*from 1 to 2,147,483,647"):
        load_workload(d)
    proc = wasmcu("list", "workloads", "--workload-dir", str(d))
    assert proc.returncode == 2 and "invalid sizes" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("item", ["crc16:99999999999999999999999", f"crc16:{MAX_N + 1}", "crc16:²", "crc16:-1"])
def test_sizes_out_of_range_are_refused_on_the_command_line(db, item):
    with pytest.raises(ConfigError, match="invalid size"):
        parse_specs(item, discover())
    proc = wasmcu("bench", "--device", "host", "--workload", item, "--db", str(db), timeout=60)
    assert proc.returncode == 2 and "invalid size" in proc.stderr and "unexpected" not in proc.stderr
    assert not db.exists()


CHILD = """
import os, sys, time
sys.path.insert(0, {src!r})
from wasmcu import bounded
child = bounded.start([sys.executable, "-c", {grandchild!r}, *bounded.child_args({timeout})])
print(child.pid, flush=True)
time.sleep(600)
"""
GRANDCHILD = """
import sys
sys.path.insert(0, {src!r})
from wasmcu import bounded
bounded.confine(**bounded.parse_child_args(sys.argv[1:]))
while True:
    pass
"""


def gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split(")")[-1].split()[0] == "Z":
                    return True  # a zombie: dead, waiting for init to reap it
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def test_a_child_dies_when_wasmcu_is_killed_even_without_its_watchdog():
    src = str(ROOT / "src")
    code = CHILD.format(src=src, grandchild=GRANDCHILD.format(src=src), timeout=600)
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    try:
        assert not gone(child, 0.5)  # busy, and its parent alive
        parent.send_signal(signal.SIGKILL)  # no handler, no watchdog thread: the kernel alone
        parent.wait()
        assert gone(child, 10), f"worker {child} outlived its killed parent"
    finally:
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_a_child_stops_at_its_cpu_limit_on_its_own(monkeypatch):
    monkeypatch.setattr(bounded, "CPU_GRACE_S", 0)
    src = str(ROOT / "src")
    proc = bounded.start([sys.executable, "-c", GRANDCHILD.format(src=src), *bounded.child_args(1)])
    start = time.monotonic()
    assert bounded.communicate(proc, "", 30) is not None, "the CPU limit did not stop the child"
    assert proc.returncode == -signal.SIGXCPU and time.monotonic() - start < 20
