"""Provenance of a run: where and with what it was measured."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

from ._version import __version__


def git_revision() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "-C", str(here), "describe", "--always", "--dirty", "--abbrev=12"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return None


def system_state() -> dict:
    """What disturbs host timings, as pyperf records it: CPU frequency governor, load, ASLR."""
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    aslr = _read("/proc/sys/kernel/randomize_va_space")
    return {
        "cpu_governor": _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
        "cpu_max_khz": _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_max_freq"),
        "load_average": load,
        "aslr": {"0": "off", "1": "partial", "2": "full"}.get(aslr or "", aslr),
    }


def tool_versions() -> dict:
    """Versions of the tools that build and run the cells (those present)."""
    from . import tools

    out = {}
    for name in tools.TOOLS:
        path = tools.find(name)
        if path:
            out[name] = tools.version(path)
    return out


def run_provenance() -> dict:
    return {
        "wasmcu": __version__,
        "git_revision": git_revision(),
        "machine": {"hostname": socket.gethostname(), "platform": platform.platform(), "cpu": cpu_model(),
                    "cores": os.cpu_count()},
        "system": system_state(),
        "python": sys.version.split()[0],
        "tools": tool_versions(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


# what must be equal for two runs' figures to be compared, by field of the run provenance
COMPARABLE = ("machine.cpu", "machine.hostname", "python", "tools")


def incomparable(a: dict, b: dict) -> list[str]:
    """The fields of two runs' provenance that differ and make their figures not comparable."""
    out = []
    for path in COMPARABLE:
        va, vb = a, b
        for part in path.split("."):
            va = va.get(part) if isinstance(va, dict) else None
            vb = vb.get(part) if isinstance(vb, dict) else None
        if isinstance(va, dict) and isinstance(vb, dict):
            for k in sorted(set(va) | set(vb)):
                if va.get(k) != vb.get(k):
                    out.append(f"{path}.{k}: {va.get(k)!r} vs {vb.get(k)!r}")
        elif va != vb and va is not None and vb is not None:
            out.append(f"{path}: {va!r} vs {vb!r}")
    return out
