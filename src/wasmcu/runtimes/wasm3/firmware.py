"""wasm3 in firmware: its C sources, from pywasm3's source distribution, built for a board."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

from ...errors import BuildError
from ...toolchains import mcu
from ...toolchains.cache import cached, digest

# where the set-up puts the pywasm3 source distribution (it carries wasm3's C sources), so
# that no firmware build needs the network
SDIST_DIR = Path(sys.prefix) / "share" / "wasmcu"


def pywasm3_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pywasm3")
    except PackageNotFoundError:
        return "0.5.0"


def sources() -> Path:
    """wasm3's C sources, from the pywasm3 source distribution (cached). The set-up puts the
    distribution in SDIST_DIR; without it, pip downloads it from PyPI (network needed)."""
    ver = pywasm3_version()
    key = digest("wasm3-src", ver)

    def build(tmp: Path) -> dict:
        archives = sorted(SDIST_DIR.glob(f"pywasm3-{ver}.tar.gz"))
        if not archives:
            dl = tmp / "dl"
            proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps",
                                   "-q", "-d", str(dl), f"pywasm3=={ver}"], capture_output=True, text=True)
            archives = list(dl.glob("pywasm3-*.tar.gz")) if dl.is_dir() else []
            if proc.returncode != 0 or not archives:
                raise BuildError(f"the pywasm3 {ver} source distribution (it carries wasm3's C sources) is not in "
                                 f"{SDIST_DIR} and could not be downloaded: run scripts/setup.sh with network "
                                 f"access ({proc.stderr.strip()[-300:]})")
        with tarfile.open(archives[0]) as tar:
            members = [m for m in tar.getmembers() if "/wasm3/" in m.name and m.isfile()]
            for m in members:
                m.name = "wasm3/" + m.name.split("/wasm3/", 1)[1]
            tar.extractall(tmp, members=members)
        return {"pywasm3": ver}

    return cached("wasm3-src", key, build) / "wasm3"


def library(arch: mcu.Arch, opt: str) -> Path:
    """wasm3 compiled for the board, without its tracer."""
    src = sources()
    return mcu.compile_library("wasm3-lib", arch, mcu.firmware_flags(arch, opt, "-Dd_m3HasTracer=0", f"-I{src}"),
                               sorted(src.glob("*.c")), "libwasm3.a", what="wasm3")
