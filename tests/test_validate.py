"""The independent cross-check: the Pico firmware built for the real RP2040 memory map and
UART0, run in rp2040js, against the estimate from QEMU event counts."""

import pytest

from wasmcu import devices, workloads
from wasmcu.errors import ToolMissing
from wasmcu.model import Cell

from conftest import wasmcu

pytestmark = [pytest.mark.slow, pytest.mark.qemu]


@pytest.fixture(scope="module")
def rp2040js():
    from wasmcu.validate import rp2040js_dir

    try:
        return rp2040js_dir()
    except ToolMissing as exc:
        pytest.skip(str(exc))


@pytest.mark.parametrize("lang", ["c", "rust"])
def test_native_and_wasm3_agree_with_rp2040js(rp2040js, lang):
    from wasmcu.validate import validate

    cells = [Cell("bubblesort", 24, lang, rt, "pico") for rt in ("native", "wasm3")]
    native, wasm3 = validate(workloads.discover(), devices.discover()["pico"], cells)
    for check in (native, wasm3):
        assert check.checksum_ok and check.error is None, check.error
        assert check.rp2040js > 1000
        assert abs(check.explained_difference) < 0.002  # the same count, once the LR/PC transfers are out
        assert check.estimate >= check.estimate_no_cache  # the cache model only adds refills
    assert abs(native.difference) < 0.01
    # the interpreter calls and returns all the time: rp2040js's uncharged LR/PC transfers show
    assert wasm3.difference > 0.02 and wasm3.lr_pc_transfers > 1000


def test_validate_refuses_a_device_that_is_not_an_rp2040():
    proc = wasmcu("validate", "--device", "esp32c6")
    assert proc.returncode == 2 and "use --device pico" in proc.stderr
