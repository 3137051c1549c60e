"""The rp2040js emulator (npm) of the RP2040: where it is, and running an image in it for its cycle count."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from ... import tools
from ...errors import ToolMissing, WasmcuError
from ...measure.footprint import symbol_address
from ..chip import CHIPS

SCRIPT = Path(__file__).with_name("rp2040js_run.js")     # a cycle count of one window (wasmcu validate)
RUNNER = Path(__file__).with_name("rp2040js_board.js")   # a board on a pseudo-terminal (the rp2040js flasher)
RP2040JS_VERSION = "1.4.1"


def rp2040js_dir() -> Path:
    """The rp2040js package: $WASMCU_RP2040JS, or the set-up's copy beside the virtual environment."""
    for candidate in (os.environ.get("WASMCU_RP2040JS"), Path(sys.prefix) / "node_modules" / "rp2040js"):
        if candidate and (Path(candidate) / "package.json").is_file():
            return Path(candidate)
    raise ToolMissing("rp2040js", hint=f"npm install --prefix {sys.prefix} rp2040js@{RP2040JS_VERSION} "
                                       "(scripts/setup.sh does it), or set WASMCU_RP2040JS to its directory")


def run_rp2040js(elf: Path, max_steps: int = 2_000_000_000) -> dict:
    """Run an RP2040 firmware image in rp2040js; its UART0 text and the call's cycles."""
    node = tools.require("node")
    objcopy = tools.require("arm-none-eabi-objcopy")
    begin, end = (symbol_address(elf, f"wasmcu_mark_run_{k}") for k in ("begin", "end"))
    offset = CHIPS["rp2040"].flash - 0x10000000
    with tempfile.TemporaryDirectory(prefix="wasmcu-rp2040js-") as tmp:
        image = Path(tmp) / "flash.bin"
        tools.run([objcopy, "-O", "binary", str(elf), str(image)], what="objcopy (flash image for rp2040js)")
        proc = subprocess.run([node, str(SCRIPT), str(rp2040js_dir()), str(image), str(offset), hex(begin), hex(end),
                               str(max_steps)], capture_output=True, text=True)
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise WasmcuError(f"rp2040js failed (exit {proc.returncode}): {(proc.stderr or proc.stdout).strip()[-400:]}")
