"""Child processes that cannot outlive wasmcu or run unbounded: a time limit, a memory limit, death with the parent.

The parent starts a child in a process group of its own (:func:`start`), waits for it with a
wall-clock timeout and kills the whole group on a timeout, on an error or on Ctrl-C
(:func:`communicate`). The child, first thing, calls :func:`confine`: it asks the kernel to kill
it when its parent dies (Linux's ``PR_SET_PDEATHSIG``), and sets a CPU-time limit (and
optionally an address-space limit) that the kernel enforces by itself. So a child whose parent
was killed with SIGKILL (no watchdog thread left) still dies: at once through the death
signal, and at the latest when its CPU time runs out, which bounds its own children too (limits
are inherited, the death signal is not).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import resource
import signal
import subprocess
import sys

PR_SET_PDEATHSIG = 1

# the CPU time a child may use beyond its wall-clock timeout before the kernel stops it: the
# parent's watchdog normally acts first; this limit is for when there is no parent any more
CPU_GRACE_S = 30


def child_args(timeout_s: float, memory_bytes: int | None = None) -> list[str]:
    """The arguments that tell a child (``python -m wasmcu.worker``, ...) how to confine itself."""
    args = ["--parent", str(os.getpid()), "--cpu-limit", str(int(timeout_s) + CPU_GRACE_S)]
    if memory_bytes:
        args += ["--memory-limit", str(int(memory_bytes))]
    return args


def parse_child_args(argv: list[str]) -> dict:
    """``child_args``' arguments, read back in the child: {parent, cpu_limit, memory_limit}."""
    out = {"parent": None, "cpu_limit": None, "memory_limit": None}
    it = iter(argv)
    for flag in it:
        key = flag.lstrip("-").replace("-", "_")
        if key in out:
            out[key] = int(next(it))
    return out


def confine(parent: int | None, cpu_limit: int | None = None, memory_limit: int | None = None) -> None:
    """In the child: die with `parent`, and bound this process's CPU time and address space."""
    if cpu_limit:
        soft = max(1, int(cpu_limit))
        resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 5))
    if memory_limit:
        resource.setrlimit(resource.RLIMIT_AS, (int(memory_limit), int(memory_limit)))
    if parent is not None:
        _die_with_parent()
        if os.getppid() != parent:  # the parent died before the death signal was armed
            os._exit(1)


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return  # elsewhere: the CPU limit alone bounds an orphan
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def start(cmd: list[str], env: dict | None = None) -> subprocess.Popen:
    """Start `cmd` in a process group of its own, its stdin, stdout and stderr piped (text)."""
    return subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)


def communicate(proc: subprocess.Popen, text: str, timeout_s: float) -> tuple[str, str] | None:
    """Send `text`, wait for the child; None on a timeout. The child's process group is killed
    on a timeout and whenever this call is left by an exception (Ctrl-C, SIGTERM, ...)."""
    try:
        return proc.communicate(text, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        proc.communicate()
        return None
    except BaseException:
        kill_group(proc)
        proc.wait()
        raise


def kill_group(proc: subprocess.Popen) -> None:
    """Kill the child's whole process group (the child and whatever it started)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:  # already gone
        pass
