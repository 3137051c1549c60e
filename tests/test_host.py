"""Every host runtime, C and Rust, end to end through the host backend."""

import pytest

from wasmcu import devices, workloads
from wasmcu.backends import RunContext
from wasmcu.bench import execute_cell
from wasmcu.model import Cell
from wasmcu.runtimes import RUNTIMES

HOST_RUNTIMES = ["native", "wasm3", "wasmtime", "wasmtime-pulley", "v8-liftoff", "v8-turbofan", "wasm2c"]
CTX = RunContext(repeat=3, warmup=1, timeout_s=120)


@pytest.fixture(scope="module")
def env():
    return workloads.discover(), devices.discover()


@pytest.mark.parametrize("runtime", HOST_RUNTIMES)
@pytest.mark.parametrize("lang", ["c", "rust"])
@pytest.mark.parametrize("workload,n", [("bubblesort", 30), ("crc16", 12)])
def test_cell_ok_and_checksum_equals_oracle(env, runtime, lang, workload, n):
    wls, devs = env
    r = execute_cell(Cell(workload, n, lang, runtime, "host"), wls[workload], devs["host"], CTX)
    assert r.status == "ok", r.error
    assert r.checksum == r.expected == wls[workload].expected(n)
    assert len(r.samples_us) == 3 and r.time_us > 0 and r.time_kind == "measured"
    lo, hi = r.time_us_ci
    assert lo <= r.time_us <= hi
    assert r.load_us > 0 and len(r.load_samples_us) >= 1
    assert r.ram_peak_bytes > 1_000_000  # a process, in bytes


def test_all_host_runtimes_registered_and_available():
    for name in HOST_RUNTIMES:
        assert RUNTIMES[name].unavailable_reason() is None, name


def test_bigger_kernel_takes_longer(env):
    wls, devs = env
    small = execute_cell(Cell("bubblesort", 50, "c", "wasm3", "host"), wls["bubblesort"], devs["host"], CTX)
    big = execute_cell(Cell("bubblesort", 400, "c", "wasm3", "host"), wls["bubblesort"], devs["host"], CTX)
    assert big.time_us > 10 * small.time_us  # O(n^2): 64x the work


@pytest.mark.parametrize("runtime", ["native", "wasm2c"])
def test_every_load_of_a_shared_library_is_a_real_load(env, runtime):
    """dlopen of a path already loaded only bumps a reference count: each load gets a fresh copy."""
    wls, devs = env
    r = execute_cell(Cell("crc16", 12, "c", runtime, "host"), wls["crc16"], devs["host"], CTX)
    assert r.status == "ok", r.error
    first, *later = r.load_samples_us
    assert len(later) == 2 and min(later) > first / 5, r.load_samples_us
