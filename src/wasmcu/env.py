"""The environment variables wasmcu reads as numbers, each parsed with an error naming the variable."""

from __future__ import annotations

import os

from .errors import ConfigError


def env_int(name: str, default: int, *, minimum: int = 1, unit: str = "") -> int:
    """The whole number in environment variable `name` (`default` when unset or empty); a value
    that is not a whole number (``_`` separators allowed: 5_000_000) or is below `minimum` is a
    ConfigError saying what was wrong."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        what = f" {unit}" if unit else ""
        raise ConfigError(f"environment variable {name}={raw!r} is not a whole number{what} of {minimum:,} or more "
                          f"(unset it for the default, {default:,}{what})")
    return value


def env_float(name: str, default: float, *, minimum: float = 0.0, unit: str = "") -> float:
    """The number in environment variable `name`, as :func:`env_int` for a float (above `minimum`)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = None
    if value is None or not value > minimum or value == float("inf"):
        what = f" {unit}" if unit else ""
        raise ConfigError(f"environment variable {name}={raw!r} is not a number{what} above {minimum:g} "
                          f"(unset it for the default, {default:g}{what})")
    return value
