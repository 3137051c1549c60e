"""`wasmcu doctor`: what is present, what is missing, and how to get it."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from . import tools
from .errors import WasmcuError
from .runtimes import RUNTIMES

PURPOSE = {
    "clang": "C -> wasm32 and host builds",
    "wasm-ld": "linking wasm modules",
    "rustc": "Rust -> wasm32, host and MCU builds",
    "rust-lld": "linking Rust wasm modules",
    "wasm2wat": "WAT listings",
    "wasm2c": "the wasm2c runtime",
    "wasm-opt": "optional: clang runs it on wasm output",
    "node": "the V8 runtimes",
    "cc": "host native builds",
    "arm-none-eabi-gcc": "firmware for pico and nrf5340",
    "riscv64-unknown-elf-gcc": "firmware for esp32c6",
    "qemu-system-arm": "emulated pico and nrf5340",
    "qemu-system-riscv32": "emulated esp32c6",
    "arm-none-eabi-objcopy": "RP2040 flash images for rp2040js (wasmcu validate)",
}

LOCK = Path(__file__).resolve().parents[2] / "requirements.lock"


def pinned_versions(lock: Path = LOCK) -> dict[str, str]:
    """The Python packages the set-up pins (requirements.lock), by normalised name."""
    if not lock.is_file():
        return {}
    pins = {}
    for line in lock.read_text().splitlines():
        name, sep, ver = line.strip().partition("==")
        if sep and not name.startswith("#"):
            pins[name.lower().replace("_", "-")] = ver
    return pins


def package_rows(lock: Path = LOCK) -> list[tuple[str, str, str, bool]]:
    """(package, pinned, installed, same) for every pinned package."""
    from importlib.metadata import PackageNotFoundError, version

    rows = []
    for name, pin in sorted(pinned_versions(lock).items()):
        try:
            got = version(name)
        except PackageNotFoundError:
            got = "not installed"
        rows.append((name, pin, got, got == pin))
    return rows


def _language_version(module: str) -> str:
    """The version of a language's compiler that comes from a package registry (Zig, asc)."""
    from importlib import import_module

    return import_module(f"wasmcu.toolchains.{module}").version()


def doctor() -> int:
    console = Console()
    t = Table("tool", "status", "used for", title="toolchains and emulators")
    missing = 0
    for name, (_, package) in tools.TOOLS.items():
        path = tools.find(name)
        if path:
            t.add_row(name, f"[green]{tools.version(path)[:60]}[/]", PURPOSE.get(name, ""))
        else:
            missing += 1
            t.add_row(name, f"[red]missing[/]: apt-get install {package}", PURPOSE.get(name, ""))
    for name, module, purpose in (("zig", "zig", "Zig kernels: host, boards and wasm32 (PyPI ziglang)"),
                                  ("asc", "assemblyscript", "AssemblyScript kernels -> wasm32 (npm assemblyscript)")):
        try:
            t.add_row(name, f"[green]{_language_version(module)[:60]}[/]", purpose)
        except WasmcuError as exc:
            t.add_row(name, f"[yellow]missing[/]: {exc}", purpose)
    console.print(t)
    console.print(_library_table())
    from .runtimes.identity import describe_version

    r = Table("runtime", "mode", "runs on", "status", "version (from)", "declared by", title="runtimes")
    for rt in RUNTIMES.values():
        reason = rt.unavailable_reason() if "host" in rt.where else None
        status = "[green]available[/]" if not reason else f"[yellow]unavailable[/]: {reason}"
        if "host" not in rt.where:
            status = "firmware only"
        r.add_row(rt.name, rt.mode, ", ".join(rt.where), status, describe_version(rt), RUNTIMES.origin(rt.name))
    console.print(r)
    rows = package_rows()
    if rows:
        p = Table("package", "pinned", "installed", title=f"Python packages ({LOCK.name})")
        for name, pin, got, same in rows:
            p.add_row(name, pin, f"[green]{got}[/]" if same else f"[yellow]{got}[/]")
        console.print(p)
        differ = [name for name, _, _, same in rows if not same]
        if differ:
            console.print(f"[yellow]{len(differ)} package(s) differ from the pinned versions[/] ({', '.join(differ)}): "
                          "results may not reproduce; scripts/setup.sh installs the pinned ones")
    for extra in _extra_checks():
        console.print(extra)
    console.print("all tools present" if not missing else f"{missing} tool(s) missing: the cells needing them are "
                  "reported as errors or unsupported; the set-up script installs them")
    return 0


def _library_table() -> Table:
    """The C and C++ libraries kernels link: in wasm modules, and the boards' C++ library."""
    from . import devices
    from .toolchains import mcu
    from .toolchains.wasm import library_status

    t = Table("library", "status", "used for", title="C and C++ libraries")
    for name, purpose, path, package in library_status():
        t.add_row(name, f"[green]{path}[/]" if path else f"[red]missing[/]: apt-get install {package}", purpose)
    for arch in devices.arch_names():
        try:
            lib = mcu.cxx_library(mcu.ARCHES[arch])
        except Exception as exc:  # the arch's compiler is missing: the tools table says so
            lib, why = None, str(exc)
        else:
            why = "no C++ library headers: C++ kernels using <vector>, <algorithm>, ... fail there " \
                  "(apt-get install libstdc++-arm-none-eabi-picolibc for Arm)"
        t.add_row(f"libstdc++ ({arch})", f"[green]{lib}[/]" if lib else f"[yellow]{why}[/]",
                  "C++ library headers for the boards")
    return t


def _extra_checks():
    """The backends' and runtimes' own lines (QEMU plugin, WAMR builds, boards, power meters)."""
    from .backends import board, qemu
    from .measure import ppk2

    runtime_lines = list(dict.fromkeys(line for rt in RUNTIMES.values() for line in rt.doctor_lines()))
    return qemu.doctor_lines() + runtime_lines + board.doctor_lines() + ppk2.doctor_lines()
