"""wasm3's value stack a module needs, measured on the host with the same wasm3 (the smallest stack it runs with).

wasm3 refuses to compile a function whose stack slots do not fit its value stack
(`[trap] stack overflow`). How many slots a module's functions take is decided by wasm3's
compiler, the same on every machine for one version of wasm3: the built-in `wasm3` on the
boards is compiled from the sources of the pywasm3 binding the host runs. So when a board's
value stack runs out, the size it needs is found on the host, in milliseconds, by a search
over sizes in a child process (a module that never returns is stopped), and reused for every
board and cell of that module. Sizing the value stack to that need, rather than to half the
heap, leaves the heap and the native stack the RAM they need: on the Cortex-M0+, wasm3's
operations call one another instead of jumping (no tail calls in Thumb-1 code), so its native
stack grows with every operation a function runs before it returns.
"""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
import sys
from pathlib import Path

GRANULE = 1024
TIMEOUT_S = 60

# the child: the smallest multiple of GRANULE (up to a cap) whose value stack compiles and runs
# the module's `run`; null when even the cap does not
SEARCH = r"""
import json, sys, wasm3
data = open(sys.argv[1], "rb").read()
seed, cap, granule = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def runs(size):
    env = wasm3.Environment()
    rt = env.new_runtime(size)
    try:
        rt.load(env.parse_module(data))
        rt.find_function("run")(seed)
        return True
    except RuntimeError as exc:
        if "stack overflow" in str(exc):
            return False
        raise
lo, hi = 1, cap // granule
if not runs(hi * granule):
    print(json.dumps(None)); sys.exit(0)
while lo < hi:
    mid = (lo + hi) // 2
    if runs(mid * granule):
        hi = mid
    else:
        lo = mid + 1
print(json.dumps(hi * granule))
"""


def applies(runtime: str) -> bool:
    """Whether the host's wasm3 is the board's: the built-in `wasm3` (pywasm3's sources), not a `wasm3@VERSION`."""
    return runtime == "wasm3"


def value_stack_need(wasm: Path, seed: int, cap: int) -> int | None:
    """The smallest value stack (bytes, a multiple of 1 KB, at most `cap`) with which the host's
    wasm3 runs `wasm`'s `run(seed)`; None when even `cap` is too small or the search fails."""
    data = Path(wasm).read_bytes()
    return _need(hashlib.sha256(data).hexdigest(), str(wasm), seed, cap)


def _need_uncached(sha: str, wasm: str, seed: int, cap: int) -> int | None:
    if cap < GRANULE:
        return None
    try:
        proc = subprocess.run([sys.executable, "-c", SEARCH, wasm, str(seed), str(cap), str(GRANULE)],
                              capture_output=True, text=True, timeout=TIMEOUT_S)
        return json.loads(proc.stdout) if proc.returncode == 0 else None
    except (subprocess.TimeoutExpired, json.JSONDecodeError, OSError):
        return None


# cached; the function above is a plain one because mutation testing skips decorated functions
_need = functools.lru_cache(maxsize=256)(_need_uncached)


def sized(need: int) -> int:
    """The value stack for a module measured to need `need` bytes: an eighth more, in KB."""
    return -(-(need + need // 8) // GRANULE) * GRANULE
