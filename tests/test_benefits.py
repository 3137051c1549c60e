"""What WebAssembly buys, measured with real compilers, runtimes and QEMU: one module's bytes
everywhere, what an update ships and costs."""

import hashlib
import lzma

import pytest

from wasmcu import devices, workloads
from wasmcu.backends import RunContext
from wasmcu.backends.benefits import next_version
from wasmcu.bench import execute_cell
from wasmcu.errors import ConfigError
from wasmcu.measure import update as upd
from wasmcu.model import OK, Cell
from wasmcu.report import benefits
from wasmcu.toolchains.wasm import build_wasm
from wasmcu.workloads.kernel_source import kernel_source

from conftest import wasmcu

CTX = RunContext(repeat=2, warmup=0, timeout_s=120)


@pytest.fixture(scope="module")
def env():
    return workloads.discover(), devices.discover()


@pytest.fixture(scope="module")
def crc16_cells(env):
    """crc16:100 in C: wasm3 on the host and on the emulated Pico, wasm2c and native on the Pico."""
    wls, devs = env
    wl = wls["crc16"]
    out = {}
    for runtime, device in (("wasm3", "host"), ("wasm3", "pico"), ("wasm2c", "pico"), ("native", "pico")):
        r = execute_cell(Cell("crc16", 100, "c", runtime, device), wl, devs[device], CTX)
        assert r.status == OK, (runtime, device, r.error)
        out[(runtime, device)] = r
    return out


@pytest.mark.qemu
def test_module_hash_is_the_files_and_the_same_on_every_device(env, crc16_cells):
    wasm = build_wasm(kernel_source(env[0]["crc16"], 100, "c")).wasm.read_bytes()
    for key in (("wasm3", "host"), ("wasm3", "pico"), ("wasm2c", "pico")):
        e = crc16_cells[key].extra
        assert e["module_sha256"] == hashlib.sha256(wasm).hexdigest(), key
        assert e["module_bytes"] == len(wasm)
    assert "module_sha256" not in crc16_cells[("native", "pico")].extra  # native code runs no module
    c = crc16_cells[("wasm2c", "pico")].extra
    assert c["derived_kind"] == "wasm2c C" and c["derived_bytes"] > c["module_bytes"]


def test_module_hash_changes_with_one_line_of_source(env):
    wl = env[0]["crc16"]
    nxt = next_version(wl, "c")
    assert nxt is not None and nxt.sources["c"].name == "kernel_next.c"
    old, new = build_wasm(kernel_source(wl, 100, "c")).wasm.read_bytes(), build_wasm(kernel_source(nxt, 100, "c")).wasm.read_bytes()
    assert hashlib.sha256(old).hexdigest() != hashlib.sha256(new).hexdigest()
    # one byte flipped is another identity
    from wasmcu.measure.identity import record_identity
    a, b = {}, {}
    path = build_wasm(kernel_source(wl, 100, "c")).wasm
    record_identity(a, path)
    flipped = path.parent.parent / "flipped-test.wasm"
    try:
        data = bytearray(old)
        data[-1] ^= 1
        flipped.write_bytes(bytes(data))
        record_identity(b, flipped)
    finally:
        flipped.unlink(missing_ok=True)
    assert a["module_bytes"] == b["module_bytes"] and a["module_sha256"] != b["module_sha256"]


@pytest.mark.qemu
def test_update_sizes_equal_what_is_shipped(env, crc16_cells):
    wasm = build_wasm(kernel_source(env[0]["crc16"], 100, "c")).wasm.read_bytes()
    w = crc16_cells[("wasm3", "pico")]
    assert w.extra["update_bytes"] == len(wasm) and w.extra["update_part"].startswith("module")
    assert w.extra["update_bytes_compressed"]["lzma"] == len(lzma.compress(wasm, format=lzma.FORMAT_ALONE, preset=9))
    n = crc16_cells[("native", "pico")]
    assert n.extra["update_bytes"] == n.flash_bytes and n.extra["update_part"].startswith("application image")
    # a one-line change ships far less as a delta than the whole image, and less than the module
    assert 0 < n.extra["update_delta_bytes"] < n.extra["update_bytes"] // 4
    assert 0 < w.extra["update_delta_bytes"] < w.extra["update_bytes"]
    assert "update_bytes" not in crc16_cells[("wasm3", "host")].extra  # board cells only


@pytest.mark.qemu
def test_update_time_adds_modelled_parts_and_the_estimated_load(env, crc16_cells):
    w = crc16_cells[("wasm3", "pico")].extra
    parts = w["update_time_parts"]
    assert w["update_link"] == "uart"
    assert parts["transfer"]["s"] == pytest.approx(w["update_bytes"] / 11_520)
    assert parts["erase"]["s"] == pytest.approx(0.045) and parts["program"]["s"] == pytest.approx(5 * 0.0004)
    assert parts["load"]["kind"] == "estimated" and parts["load"]["s"] == pytest.approx(crc16_cells[("wasm3", "pico")].load_us / 1e6)
    assert w["update_time_s"] == pytest.approx(sum(p["s"] for p in parts.values()))
    assert {p["kind"] for k, p in parts.items() if k != "load"} == {"modelled"}
    assert w["update_energy_kind"] == "model" and w["update_energy_uj"] > 0
    assert "load" not in crc16_cells[("native", "pico")].extra["update_time_parts"]


def test_delta_round_trips():
    old = bytes(range(256)) * 40
    new = old[:5000] + b"\x01\x02" + old[5002:]
    import io

    import detools

    patch = io.BytesIO()
    detools.create_patch(io.BytesIO(old), io.BytesIO(new), patch, compression="heatshrink",
                         heatshrink_window_sz2=8, heatshrink_lookahead_sz2=7)
    assert upd.apply_delta(old, patch.getvalue()) == new
    assert upd.delta_bytes(old, new) == len(patch.getvalue()) < 200


def test_link_choice_and_bad_link(env):
    devs = env[1]
    assert upd.link_of(devs["nrf5340"]).name == "ble" and upd.link_of(devs["nrf5340"], "uart").name == "uart"
    with pytest.raises(ConfigError, match="no link 'wifi'.*uart, ble"):
        upd.link_of(devs["esp32c6"], "wifi")
    t = upd.update_time(40_000, upd.link_of(devs["nrf5340"]), upd.flash(devs["nrf5340"].section("update"), None), None, None)
    assert t["update_time_s_range"][0] < t["update_time_s"] < t["update_time_s_range"][1]
    assert t["update_time_parts"]["program"]["s"] == pytest.approx(10_000 * 0.000041)


def test_cli_refuses_a_link_a_board_lacks(db):
    proc = wasmcu("bench", "--device", "pico", "--runtime", "wasm3", "--workload", "crc16:100", "--lang", "c",
                  "--link", "ble", "--db", str(db))
    assert proc.returncode != 0 and "no link 'ble'" in proc.stderr and "uart" in proc.stderr


def test_a_bad_update_table_names_the_key(tmp_path):
    profile = tmp_path / "myboard.toml"
    profile.write_text('name = "myboard"\nextends = "pico"\n[update]\nlink = "uart"\nerase_unit_bytes = 0\n')
    with pytest.raises(ConfigError, match="erase_unit_bytes"):
        devices.discover([tmp_path])


@pytest.mark.qemu
def test_report_tables(crc16_cells):
    results = list(crc16_cells.values())
    head, rows = benefits.portability_rows(results)
    assert len(rows) == 1 and rows[0][3] == "host, pico" and rows[0][5].startswith("yes: 3 cells")
    # a result that disagrees is shown as such
    bad = crc16_cells[("wasm3", "host")].replace(checksum=1)
    rows = benefits.portability_rows([bad, crc16_cells[("wasm3", "pico")]])[1]
    assert rows[0][5].startswith("no: 2 checksums")
    head, rows = benefits.update_rows(results)
    assert [r[2] for r in rows] == ["native", "wasm2c", "wasm3"]
    trade = benefits.tradeoff_rows(results)[1]
    assert any(r[1] == "wasm3" and r[7] == "2 device(s)" for r in trade)


@pytest.mark.qemu
def test_the_link_option_reaches_the_board_cells(db):
    from wasmcu import api

    run = api.bench(devices="esp32c6", runtimes="wasm3", workloads="crc16:100", langs="c", link="ble",
                    db=db)
    (r,) = run.results
    assert r.status == OK and r.extra["update_link"] == "ble"
    assert r.extra["update_time_parts"]["transfer"]["s"] == pytest.approx(r.extra["update_bytes"] / 20_000)


# the flash timings each board profile models an update with, and the figure names its source must cite
CITED = {"pico": ((0.045, 0.4), (0.0004, 0.003), ("W25Q16JV", "tSE", "tPP")),
         "esp32c6": ((0.045, 0.5), (0.0004, 0.003), ("ESP32-C6-WROOM-1", "tSE", "tPP", "SECTOR_ERASE_TIMEOUT")),
         "nrf5340": ((0.0897, 0.0897), (0.000041, 0.000041), ("nRF5340 Product Specification", "tERASEPAGE",
                                                              "tWRITE", "89700"))}


@pytest.mark.parametrize("board", sorted(CITED))
def test_update_flash_timings_are_the_cited_figures(env, board):
    (erase, erase_high), (program, program_high), names = CITED[board]
    fl = upd.flash(devices.discover()[board].section("update"), None)
    assert (fl.erase_s.value, fl.erase_s.high, fl.program_s.value, fl.program_s.high) == \
        (erase, erase_high, program, program_high)
    source = devices.discover()[board].section("update")["source"]
    assert all(name in source for name in names), (board, source)
