import json

import pytest

from wasmcu.store import Store

from conftest import bench_json, wasmcu

pytestmark = pytest.mark.slow  # end-to-end: real builds, runs and processes

FIELDS = {"workload", "n", "lang", "runtime", "device", "backend", "status", "error", "checksum", "expected",
          "time_us", "time_us_ci", "cycles", "cycles_kind", "instructions", "flash_bytes", "ram_static_bytes",
          "ram_peak_bytes", "energy_uj", "energy_kind"}


def test_bench_json_contract_store_and_report(db, tmp_path):
    proc, cells = bench_json("--device", "host", "--runtime", "native,wasm3", "--workload", "crc16:10",
                             "--repeat", "3", "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    assert len(cells) == 4 and all(FIELDS <= set(c) for c in cells)
    for c in cells:
        assert c["status"] == "ok" and c["checksum"] == c["expected"] and c["device"] == "host"
        assert c["cycles"] is None and c["energy_kind"] is None  # does not apply on host
        assert c["time_us_ci"][0] <= c["time_us"] <= c["time_us_ci"][1]
        assert len(c["samples_us"]) == c["samples"] == 3 and c["load_samples_us"]  # every sample, in the JSON
        assert c["host_rss_bytes"] > 1_000_000 and c["ram_peak_bytes"] is None
    assert "ok crc16:10/c/native/host" in proc.stderr  # progress and logs on stderr
    with Store(db) as s:
        stored = s.results()
        assert len(stored) == 4 and all(len(r.samples_us) == 3 for r in stored)
        run = s.runs()[0]
        prov = json.loads(run["provenance"])
        assert prov["machine"]["cores"] and prov["python"] and run["state"] == "complete"
        assert stored[0].provenance["build"]["flags"]
    rep = wasmcu("report", "--db", str(db), "--out", str(tmp_path / "rep"))
    assert rep.returncode == 0, rep.stderr
    assert "crc16:10/c" in rep.stdout and "×" in rep.stdout


def test_list_and_doctor():
    for what, expect in (("workloads", "bubblesort"), ("runtimes", "wasmtime-pulley"), ("devices", "host")):
        proc = wasmcu("list", what)
        assert proc.returncode == 0 and expect in proc.stdout
    proc = wasmcu("doctor")
    assert proc.returncode == 0 and "wasm2wat" in proc.stdout and "runtimes" in proc.stdout


def test_report_without_results_says_what_to_do(db, tmp_path):
    proc = wasmcu("report", "--db", str(db), "--out", str(tmp_path))
    assert proc.returncode == 2 and "run `wasmcu bench` first" in proc.stderr
