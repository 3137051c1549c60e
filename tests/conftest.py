import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


@pytest.fixture
def db(tmp_path):
    return tmp_path / "results.sqlite"


def wasmcu(*args, env=None, timeout=600, **kw):
    """Run the real CLI in a subprocess; returns CompletedProcess."""
    full_env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "wasmcu", *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout, **kw)


def bench_json(*args, **kw):
    proc = wasmcu("bench", "--json", *args, **kw)
    try:
        cells = json.loads(proc.stdout) if proc.stdout.strip() else None
    except json.JSONDecodeError:
        cells = None
    return proc, cells


def make_workload(root: Path, name: str, *, c: str | None = None, rust: str | None = None,
                  wasm: bytes | None = None, oracle: str = "def checksum(n, seed):\n    return 7\n",
                  sizes=(4,)) -> Path:
    """Write a workload directory (sources + oracle) for a test."""
    d = root / name
    d.mkdir(parents=True)
    sources = []
    if c is not None:
        (d / "kernel.c").write_text(c)
        sources.append('c = "kernel.c"')
    if rust is not None:
        (d / "kernel.rs").write_text(rust)
        sources.append('rust = "kernel.rs"')
    if wasm is not None:
        (d / "module.wasm").write_bytes(wasm)
        sources.append('wasm = "module.wasm"')
    (d / "oracle.py").write_text(oracle)
    (d / "workload.toml").write_text(
        f'name = "{name}"\ndescription = "test"\nsizes = {list(sizes)}\n[sources]\n' + "\n".join(sources) + "\n")
    return d


def wat2wasm(text: str, tmp: Path) -> bytes:
    src = tmp / "m.wat"
    src.write_text(text)
    subprocess.run(["wat2wasm", str(src), "-o", str(tmp / "m.wasm")], check=True)
    return (tmp / "m.wasm").read_bytes()


# tools each marker needs: a test carrying the marker is skipped, with the missing tool and
# the package that provides it, when one is absent (the set-up installs them all)
MARKER_TOOLS = {"qemu": ("qemu-system-arm", "qemu-system-riscv32", "arm-none-eabi-gcc", "riscv64-unknown-elf-gcc")}


def pytest_collection_modifyitems(config, items):
    from wasmcu import tools

    missing = {}
    for marker, needed in MARKER_TOOLS.items():
        absent = [t for t in needed if tools.find(t) is None]
        if absent:
            packages = " ".join(tools.TOOLS[t][1] for t in absent)
            missing[marker] = pytest.mark.skip(reason=f"needs {', '.join(absent)} (apt-get install {packages})")
    for item in items:
        for marker, skip in missing.items():
            if marker in item.keywords:
                item.add_marker(skip)
