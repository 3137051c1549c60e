"""Gas metering (wasm3-gas): the module instrumented by wasm-metering, usegas in the host binding and the
firmware's glue, the containment suite's endless loop stopped, and an ordinary kernel's result unchanged."""

import pytest

from wasmcu import devices, workloads
from wasmcu.backends import RunContext
from wasmcu.bench import execute_cell
from wasmcu.workloads.kernel_source import kernel_source
from wasmcu.model import OK, Cell
from wasmcu.toolchains import metering
from wasmcu.toolchains.wasm import build_wasm
from wasmcu.workloads.module_check import parse


@pytest.fixture(scope="module")
def env():
    try:
        metering.package_dir()
    except Exception as exc:
        pytest.skip(str(exc))
    return workloads.discover(), devices.discover()


def run(env, kernel, n, runtime, device, timeout_s=60.0):
    wls, devs = env
    return execute_cell(Cell(kernel, n, "c", runtime, device), wls[kernel], devs[device],
                        RunContext(repeat=2, warmup=0, timeout_s=timeout_s))


def test_the_instrumented_module_imports_usegas_and_keeps_its_export(env):
    wasm = build_wasm(kernel_source(env[0]["crc16"], 100, "c")).wasm
    out = metering.metered(wasm) / "module.wasm"
    data = out.read_bytes()
    assert parse(wasm.read_bytes()).imports == []
    assert [(m, f, kind) for m, f, kind in parse(data).imports] == [("metering", "usegas", 0)]
    assert "run" in parse(data).exports
    assert len(data) > wasm.stat().st_size and (out.parent / "module_wasm.c").is_file()


def test_gas_stops_the_endless_loop_on_the_host_and_the_instance_answers_again(env):
    r = run(env, "endless_loop", 1, "wasm3-gas", "host", timeout_s=5)
    e = r.extra
    assert r.provenance["runtime_settings"]["gas"] == 200_000
    assert (e["outcome"], e["contained"], e["alive"]) == ("stopped", True, True), e
    assert "gas" in e["stopped_by"] and e["detect_us"] < 1e6
    assert e["derived_kind"] == metering.DERIVED_KIND
    plain = run(env, "endless_loop", 1, "wasm3", "host", timeout_s=2).extra
    assert plain["outcome"] == "hang"


def test_an_ordinary_kernel_gives_the_same_result_metered(env):
    g = run(env, "crc16", 100, "wasm3-gas", "host")
    w = run(env, "crc16", 100, "wasm3", "host")
    assert g.status == OK and w.status == OK and g.checksum == w.checksum
    assert g.provenance["runtime_settings"]["gas"] == 2_000_000_000
    assert g.extra["derived_bytes"] > g.extra["module_bytes"] == w.extra["module_bytes"]


@pytest.mark.qemu
def test_gas_in_the_firmware_stops_the_endless_loop_and_costs_flash(env):
    r = run(env, "endless_loop", 1, "wasm3-gas", "pico", timeout_s=120)
    e = r.extra
    assert r.provenance["runtime_settings"]["gas"] == 200_000
    assert (e["outcome"], e["contained"], e["alive"], e["canary_intact"]) == ("stopped", True, True, True), e
    assert "gas" in e["stopped_by"] and e["detect_kind"] == "estimated"
    g = run(env, "crc16", 100, "wasm3-gas", "pico", timeout_s=120)
    w = run(env, "crc16", 100, "wasm3", "pico", timeout_s=120)
    assert g.status == OK and g.checksum == w.checksum
    assert g.flash_bytes > w.flash_bytes and g.cycles > w.cycles
    assert g.extra["update_bytes"] == g.extra["derived_bytes"]  # the metered module is what an update ships


@pytest.mark.slow
def test_a_registered_wasm3_build_is_contained_on_the_host_and_its_gas_variant_stops_the_loop(env, tmp_path):
    from conftest import bench_json, wasmcu
    from wasmcu.runtimes.wasm3.firmware import SDIST_DIR

    sdist = sorted(SDIST_DIR.glob("pywasm3-*.tar.gz"))
    if not sdist:
        pytest.skip("pywasm3's source distribution is not in the set-up's share directory (run scripts/setup.sh)")
    cfg = {"WASMCU_CONFIG": str(tmp_path / "config.toml")}
    proc = wasmcu("wasm3", "build", str(sdist[0]), "--out", str(tmp_path / "w3"), env=cfg)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    proc, cells = bench_json("--device", "host", "--runtime", "wasm3@0.5.0,wasm3-gas@0.5.0", "--workload",
                             "endless_loop:1,oob_read:1,crc16:100", "--lang", "c", "--repeat", "2", "--timeout", "3",
                             "--db", str(tmp_path / "r.db"), env=cfg)
    assert proc.returncode == 0, proc.stderr
    by = {(c["workload"], c["runtime"]): c for c in cells}
    plain, gas = by[("endless_loop", "wasm3@0.5.0")]["extra"], by[("endless_loop", "wasm3-gas@0.5.0")]["extra"]
    assert plain["outcome"] == "hang" and (gas["outcome"], gas["contained"], gas["alive"]) == ("stopped", True, True)
    for rt in ("wasm3@0.5.0", "wasm3-gas@0.5.0"):
        e = by[("oob_read", rt)]["extra"]
        assert (e["outcome"], e["contained"], e["alive"]) == ("trapped", True, True), e
    assert by[("crc16", "wasm3-gas@0.5.0")]["checksum"] == by[("crc16", "wasm3@0.5.0")]["checksum"]
    assert by[("crc16", "wasm3-gas@0.5.0")]["provenance"]["runtime_settings"]["gas"] == 2_000_000_000
