"""A new runtime and a new chip are each one folder: added to a copy of the package, they run
cells from the CLI, and no other file of the package changed."""

import filecmp
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT

pytestmark = pytest.mark.skipif(not (shutil.which("node") and shutil.which("arm-none-eabi-gcc")
                                     and shutil.which("qemu-system-arm")),
                                reason="needs node, arm-none-eabi-gcc and QEMU (scripts/setup.sh installs them)")

RUNTIME = '''
"""`wasm3-small`: wasm3 with a 2 KB value stack, a runtime of its own folder."""

from pathlib import Path

from ..base import Runtime
from ..registry import register


@register
class Wasm3Small(Runtime):
    name = "wasm3-small"
    mode = "interpreter"
    summary = "wasm3 with a 2 KB value stack"
    where = ("firmware",)
    default = False
    firmware_glue = Path(__file__).with_name("glue.c")
    firmware_sizes = {"stack_bytes": (2048, "WASMCU_WASM3_STACK")}

    def firmware_parts(self, kernel, device, arch, opt):
        from ...toolchains.wasm import build_wasm
        from ..wasm3 import firmware

        module = build_wasm(kernel)
        return [module.c_array, firmware.library(arch, opt)], [firmware.sources()], self.firmware_defines(device)
'''

CHIP = '''
"""`rp2040-lab`: an RP2040 whose images only run in rp2040js, a chip of its own folder."""

from pathlib import Path

from ..chip import Chip, register
from ..rp2040.uf2 import pico_uf2

CHIP = register(Chip(
    name="rp2040-lab", arch="armv6m",
    flash=0x10000100, flash_size=2 * 1024 * 1024 - 0x100, ram=0x20000000, ram_size=264 * 1024,
    startup=Path(__file__).with_name("startup.c"),
    image="uf2", make_image=pico_uf2, flashers=("rp2040js",),
    timer="RP2040 TIMER (1 MHz), in rp2040js",
))
'''

BOARD = '''
name = "pico-lab"
description = "A Pico on the rp2040-lab chip folder"
extends = "pico-board"

[board]
chip = "rp2040-lab"
flasher = "rp2040js"
'''


def test_a_runtime_folder_and_a_chip_folder_run_cells_with_no_other_change(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "wasmcu", src / "wasmcu", ignore=shutil.ignore_patterns("__pycache__"))
    rt = src / "wasmcu" / "runtimes" / "wasm3_small"
    rt.mkdir()
    (rt / "__init__.py").write_text(textwrap.dedent(RUNTIME).lstrip())
    shutil.copyfile(ROOT / "src" / "wasmcu" / "runtimes" / "wasm3" / "glue.c", rt / "glue.c")
    chip = src / "wasmcu" / "chips" / "rp2040_lab"
    chip.mkdir()
    (chip / "__init__.py").write_text(textwrap.dedent(CHIP).lstrip())
    shutil.copyfile(ROOT / "src" / "wasmcu" / "chips" / "rp2040" / "startup.c", chip / "startup.c")
    boards = tmp_path / "boards"
    boards.mkdir()
    (boards / "pico-lab.toml").write_text(textwrap.dedent(BOARD).lstrip())

    # the two folders are the only difference from the package
    diff = filecmp.dircmp(ROOT / "src" / "wasmcu", src / "wasmcu", ignore=["__pycache__"])

    def changed(d, prefix=""):
        out = [prefix + f for f in d.left_only + d.right_only + d.diff_files]
        for name, sub in d.subdirs.items():
            out += changed(sub, f"{prefix}{name}/")
        return out

    assert sorted(changed(diff)) == ["chips/rp2040_lab", "runtimes/wasm3_small"]

    env = dict(os.environ, PYTHONPATH=str(src), WASMCU_FLASHER="")

    def bench(*args):
        proc = subprocess.run([sys.executable, "-m", "wasmcu", "bench", "--json", "--workload", "crc16:10", "--lang", "c",
                               "--device-dir", str(boards), "--db", str(tmp_path / "db.sqlite"), *args],
                              capture_output=True, text=True, env=env, timeout=600)
        return proc, json.loads(proc.stdout) if proc.stdout.strip() else None

    listed = subprocess.run([sys.executable, "-m", "wasmcu", "list", "runtimes"], capture_output=True, text=True, env=env)
    assert "wasm3-small" in listed.stdout, listed.stderr
    proc, cells = bench("--device", "pico", "--runtime", "wasm3-small")
    assert proc.returncode == 0, proc.stderr
    (cell,) = cells
    assert cell["status"] == "ok" and cell["checksum"] == cell["expected"]
    assert cell["provenance"]["runtime_settings"] == {"stack_bytes": 2048}
    proc, cells = bench("--device", "pico-lab", "--runtime", "native")
    assert proc.returncode == 0, proc.stderr
    (cell,) = cells
    assert cell["status"] == "ok" and cell["checksum"] == cell["expected"] and cell["backend"] == "board"
    assert cell["provenance"]["board"]["chip"] == "rp2040-lab" and cell["extra"]["flasher"] == "rp2040js"
