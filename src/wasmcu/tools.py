"""External tools: where they are, which version, which Debian package provides them."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess

from .errors import ToolMissing, ToolTooOld

# tool -> (candidate executables in order of preference, Debian package)
TOOLS: dict[str, tuple[tuple[str, ...], str]] = {
    "clang": (("clang-19",), "clang-19"),
    "wasm-ld": (("wasm-ld-19",), "lld-19"),
    "rustc": (("/usr/bin/rustc",), "rustc libstd-rust-dev-wasm32 rust-src lld-14"),
    "rust-lld": (("/usr/bin/rust-lld",), "lld-14"),
    "llvm-objdump": (("llvm-objdump-19", "llvm-objdump"), "llvm-19"),
    "wasm2wat": (("wasm2wat",), "wabt"),
    "wasm2c": (("wasm2c",), "wabt"),
    "wasm-opt": (("wasm-opt",), "binaryen"),
    "node": (("node", "nodejs"), "nodejs"),
    "cc": (("clang-19", "gcc", "cc"), "clang-19"),
    "arm-none-eabi-gcc": (("arm-none-eabi-gcc",), "gcc-arm-none-eabi picolibc-arm-none-eabi"),
    "arm-none-eabi-objcopy": (("arm-none-eabi-objcopy",), "binutils-arm-none-eabi"),
    "riscv64-unknown-elf-gcc": (("riscv64-unknown-elf-gcc",), "gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf"),
    "qemu-system-arm": (("qemu-system-arm",), "qemu-system-arm"),
    "qemu-system-riscv32": (("qemu-system-riscv32",), "qemu-system-misc"),
}


# oldest major version wasmcu works with, per tool
MIN_MAJOR = {"node": 16, "clang": 14, "wasm-ld": 14, "qemu-system-arm": 7, "qemu-system-riscv32": 7}


def major_version(text: str) -> int | None:
    """The major version in a --version line ('v20.1.0', 'QEMU emulator version 7.2.22', ...)."""
    m = re.search(r"(?:version\s+|\bv)(\d+)\.\d+", text) or re.search(r"(\d+)\.\d+", text)
    return int(m.group(1)) if m else None


def check_version(tool: str, path: str) -> str | None:
    """None when `path` is recent enough for `tool`; else what is wrong and what to do."""
    need = MIN_MAJOR.get(tool)
    if need is None:
        return None
    line = version(path)
    got = major_version(line)
    if got is None:
        return f"cannot tell the version of {path} ({line!r}); wasmcu needs {tool} {need} or newer"
    if got < need:
        package = TOOLS.get(tool, ((), tool))[1]
        return f"{path} is version {got} ({line}); wasmcu needs {tool} {need} or newer: apt-get install {package}"
    return None


def override_env(tool: str) -> str:
    """Environment variable that points wasmcu at a specific executable for `tool`."""
    return "WASMCU_" + tool.upper().replace("-", "_").replace("/", "_")


def find(tool: str) -> str | None:
    """Path of `tool`, honouring WASMCU_<TOOL> overrides; None when absent."""
    over = os.environ.get(override_env(tool))
    if over:
        return shutil.which(over) or (over if os.path.isfile(over) and os.access(over, os.X_OK) else None)
    names, _ = TOOLS.get(tool, ((tool,), None))
    for name in names:
        path = shutil.which(name) if not os.path.isabs(name) else (name if os.access(name, os.X_OK) else None)
        if path:
            return path
    return None


def require(tool: str) -> str:
    """Path of `tool`, or ToolMissing naming the Debian package; ToolTooOld if too old."""
    path = find(tool)
    if path is None:
        package = TOOLS.get(tool, ((), None))[1]
        raise ToolMissing(tool, package, hint=f"or set {override_env(tool)} to its path")
    problem = check_version(tool, path)
    if problem:
        raise ToolTooOld(problem)
    return path


def _version_uncached(path: str, flag: str = "--version") -> str:
    """First line of `path --version` (cached), or 'unknown'."""
    try:
        out = subprocess.run([path, flag], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0].strip() if text else "unknown"


# cached; the function above is a plain one because mutation testing skips decorated functions
version = functools.lru_cache(maxsize=None)(_version_uncached)


def run(cmd: list[str], *, cwd=None, env=None, timeout: float = 600, what: str = "command") -> subprocess.CompletedProcess:
    """Run a build command; raise BuildError with its output when it fails."""
    from .errors import BuildError

    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise BuildError(f"{what} timed out after {timeout:.0f} s: {' '.join(map(str, cmd))}") from exc
    if proc.returncode != 0:
        out = (proc.stderr + proc.stdout).strip()
        tail = "\n".join(out.splitlines()[-25:])
        raise BuildError(f"{what} failed (exit {proc.returncode}): {' '.join(map(str, cmd))}\n{tail}")
    return proc
