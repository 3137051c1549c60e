"""User settings: a TOML file, overridden by environment variables.

The file is the first that exists of: $WASMCU_CONFIG, ./wasmcu.toml,
~/.config/wasmcu/config.toml. Today it holds where the user's WAMR builds are
(see the README section on WAMR).
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

from .errors import ConfigError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib


# the config file's tables
KEYS = {"suites": "named sets of cells", "wamr": "WAMR builds, written by `wasmcu wamr build`",
        "wasm3": "wasm3 builds, written by `wasmcu wasm3 build`",
        "paths": "checkouts wasmcu uses in place, e.g. embench = \"PATH\" (relative to this file)"}


def config_file() -> Path | None:
    candidates = [os.environ.get("WASMCU_CONFIG"), "wasmcu.toml", Path.home() / ".config" / "wasmcu" / "config.toml"]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    return None


def _load_uncached(path: str | None, mtime: float) -> dict:
    if path is None:
        return {}
    try:
        data = tomllib.loads(Path(path).read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", file=path) from exc
    for key in data:
        if key not in KEYS:
            raise ConfigError(f"unknown key {key!r}", file=path, field=key,
                              expected="one of " + ", ".join(f"[{k}] ({why})" for k, why in KEYS.items()))
    return data


# cached; the function above is a plain one because mutation testing skips decorated functions
_load = functools.lru_cache(maxsize=None)(_load_uncached)


def settings() -> dict:
    f = config_file()
    return _load(str(f) if f else None, f.stat().st_mtime if f else 0.0)


def lookup(env: str, *path: str) -> str | None:
    """The environment variable `env`, else the value at `path` in the config file."""
    return lookup_origin(env, *path)[0]


def lookup_origin(env: str, *path: str) -> tuple[str | None, str | None]:
    """Like `lookup`, with where the value came from: 'ENV=value' or '[table] key in FILE'."""
    if os.environ.get(env):
        return os.environ[env], f"{env}={os.environ[env]}"
    value = _from_file(*path)
    if value is None:
        return None, None
    table = ".".join(path[:-1])
    key = path[-1] if re.fullmatch(r"[A-Za-z0-9_-]+", path[-1]) else f'"{path[-1]}"'
    return value, f"[{table}] {key} = \"{value}\" in {config_file()}"


def _from_file(*path: str) -> str | None:
    cur = settings()
    for p in path:
        if not isinstance(cur, dict) or p not in cur:
            return None
        cur = cur[p]
    if cur is not None and not isinstance(cur, str):
        raise ConfigError(f"invalid value {cur!r}", file=config_file(), field=".".join(path), expected="a path")
    return os.path.expanduser(cur) if cur else None
