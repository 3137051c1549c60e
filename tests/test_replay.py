"""Never emulate twice: an emulated cell with unchanged inputs reuses the counts kept beside the store."""

import copy
import dataclasses
import json
import os
import shutil
import stat

import pytest

from wasmcu import devices, workloads
from wasmcu.backends import RunContext, qemu, replay
from wasmcu.bench import execute_cell
from wasmcu.model import Cell

from conftest import bench_json

pytestmark = [pytest.mark.qemu]

CELL = Cell("crc16", 8, "c", "native", "esp32c6")


@pytest.fixture(scope="module")
def env():
    return workloads.discover()["crc16"], devices.discover()["esp32c6"]


def run(env, ctx, cell=CELL, device=None):
    wl, dev = env
    return execute_cell(cell, wl, device or dev, ctx)


def comparable(result) -> dict:
    """A result as JSON, without the mark of a reused emulation."""
    d = result.to_json()
    d["extra"] = {k: v for k, v in d["extra"].items() if k != "reused_from"}
    return d


def variant(device, change) -> devices.Device:
    data = copy.deepcopy(device.data)
    change(data)
    return dataclasses.replace(device, data=data)


def test_second_run_reuses_the_counts_and_is_identical_to_a_fresh_one(env, tmp_path):
    ctx = RunContext(timeout_s=120, db_path=tmp_path / "r.sqlite", run_id=7)
    first = run(env, ctx)
    assert first.status == "ok", first.error
    assert "reused_from" not in first.extra
    kept = list((tmp_path / "r.emulations").glob("*.json"))
    assert len(kept) == 1
    second = run(env, ctx)
    assert second.extra["reused_from"]["cell"] == CELL.key and second.extra["reused_from"]["run"] == 7
    assert second.extra["reused_from"]["key"] == first.provenance["emulation_key"]
    fresh = run(env, dataclasses.replace(ctx, fresh=True))
    assert "reused_from" not in fresh.extra
    assert comparable(first) == comparable(second) == comparable(fresh)


def test_a_changed_cost_table_recosts_reused_counts(env, tmp_path):
    wl, dev = env
    ctx = RunContext(timeout_s=120, db_path=tmp_path / "r.sqlite")
    assert run(env, ctx).status == "ok"
    dearer = variant(dev, lambda d: d["cycle_model"].update(alu=3))
    reused = run(env, ctx, device=dearer)
    fresh = run(env, dataclasses.replace(ctx, fresh=True), device=dearer)
    assert reused.extra["reused_from"] and "reused_from" not in fresh.extra
    assert comparable(reused) == comparable(fresh)
    assert reused.cycles > run(env, ctx).cycles  # the counts are the same, the table is dearer


def _qemu_wrapper(tmp_path, real: str) -> str:
    """A qemu-system-riscv32 that says it is another version and runs the real one."""
    path = tmp_path / "qemu-system-riscv32"
    path.write_text(f'#!/bin/sh\nif [ "$1" = --version ]; then echo "QEMU emulator version 7.2.99"; exit 0; fi\n'
                    f'exec {real} "$@"\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def _changed_plugin(tmp_path, monkeypatch):
    """The plugin built from sources that differ (a comment) from wasmcu's."""
    src = tmp_path / "plugin"
    shutil.copytree(qemu.PLUGIN_DIR, src)
    (src / "events.c").write_text((src / "events.c").read_text() + "\n/* another version */\n")
    monkeypatch.setattr(qemu, "PLUGIN_DIR", src)
    monkeypatch.setattr(replay, "PLUGIN_SOURCES", src)


@pytest.mark.parametrize("part", ["firmware", "machine", "qemu-version", "plugin", "memory-system", "budget"])
def test_changing_any_part_of_the_key_emulates_again(env, tmp_path, monkeypatch, part):
    wl, dev = env
    ctx = RunContext(timeout_s=120, db_path=tmp_path / "r.sqlite")
    first = run(env, ctx)
    assert first.status == "ok", first.error
    assert run(env, ctx).extra.get("reused_from")  # unchanged: reused
    cell, device = CELL, dev
    if part == "firmware":
        cell = dataclasses.replace(CELL, n=9)
    elif part == "machine":
        device = variant(dev, lambda d: d["qemu"].update(args=[*d["qemu"]["args"], "-smp", "1"]))
    elif part == "qemu-version":
        real = qemu.tools.require("qemu-system-riscv32")
        monkeypatch.setenv("WASMCU_QEMU_SYSTEM_RISCV32", _qemu_wrapper(tmp_path, real))
    elif part == "plugin":
        _changed_plugin(tmp_path, monkeypatch)
    elif part == "memory-system":
        device = variant(dev, lambda d: d["memory_system"].update(cache_bytes=16384))
    elif part == "budget":
        ctx = dataclasses.replace(ctx, max_instructions=ctx.max_instructions - 1)
    again = run(env, ctx, cell=cell, device=device)
    assert again.status == "ok", again.error
    assert "reused_from" not in again.extra, part
    assert again.provenance["emulation_key"] != first.provenance["emulation_key"]
    assert len(list((tmp_path / "r.emulations").glob("*.json"))) == 2
    assert run(env, ctx, cell=cell, device=device).extra.get("reused_from")  # and that one is kept too


def test_unreadable_kept_emulation_is_emulated_again(env, tmp_path):
    ctx = RunContext(timeout_s=120, db_path=tmp_path / "r.sqlite")
    first = run(env, ctx)
    (kept,) = (tmp_path / "r.emulations").glob("*.json")
    kept.write_text("{not json")
    again = run(env, ctx)
    assert "reused_from" not in again.extra and comparable(again) == comparable(first)
    assert json.loads(kept.read_text())["counts"]  # written anew


def test_cli_reuses_emulated_cells_not_host_ones_and_fresh_emulates(db):
    args = ["--device", "host,esp32c6", "--runtime", "native", "--workload", "crc16:8", "--lang", "c",
            "--repeat", "3", "--warmup", "1", "--db", str(db)]
    first_proc, first = bench_json(*args)
    assert first_proc.returncode == 0, first_proc.stderr
    proc, second = bench_json(*args)
    assert proc.returncode == 0, proc.stderr
    by_device = {c["device"]: c for c in second}
    assert by_device["esp32c6"]["extra"]["reused_from"]["run"] == 1
    assert "reused_from" not in by_device["host"]["extra"]  # host cells are always measured
    proc, third = bench_json(*args, "--fresh")
    assert proc.returncode == 0, proc.stderr
    assert all("reused_from" not in c["extra"] for c in third)
    assert os.path.isdir(db.with_name(f"{db.stem}.emulations"))
