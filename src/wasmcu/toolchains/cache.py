"""Content-addressed artifact cache.

An artifact directory is named by a hash of everything that determines it
(sources, flags, tool versions); a warm run finds it and rebuilds nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Callable


def cache_root() -> Path:
    """WASMCU_CACHE, else $XDG_CACHE_HOME/wasmcu, else ~/.cache/wasmcu."""
    env = os.environ.get("WASMCU_CACHE")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "wasmcu"


def digest(*parts) -> str:
    """Stable hash of strings, bytes, paths (by content) and JSON-able values."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path):
            h.update(part.read_bytes())
        elif isinstance(part, bytes):
            h.update(part)
        elif isinstance(part, str):
            h.update(part.encode())
        else:
            h.update(json.dumps(part, sort_keys=True, default=str).encode())
        h.update(b"\0")
    return h.hexdigest()[:20]


# hit/miss counters, for tests and for `bench` logs
STATS = {"hits": 0, "builds": 0}
# one build of an artifact at a time within a process (emulated cells build in threads)
_LOCKS: dict[Path, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def cached(kind: str, key: str, build: Callable[[Path], dict]) -> Path:
    """Directory of artifact `kind/key`; `build(tmpdir)` fills it on a miss.

    `build` returns metadata that is stored as meta.json. The directory appears
    atomically, so concurrent wasmcu processes never see a half-built artifact.
    """
    final = cache_root() / kind / key
    if (final / "meta.json").is_file():
        STATS["hits"] += 1
        return final
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(final, threading.Lock())
    with lock:
        if (final / "meta.json").is_file():  # built by another thread meanwhile
            STATS["hits"] += 1
            return final
        return _build(final, build)


def _build(final: Path, build: Callable[[Path], dict]) -> Path:
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=final.parent))
    try:
        meta = build(tmp)
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True, default=str))
        try:
            os.rename(tmp, final)
        except OSError:  # another process won the race
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    STATS["builds"] += 1
    return final


def meta(directory: Path) -> dict:
    return json.loads((directory / "meta.json").read_text())
