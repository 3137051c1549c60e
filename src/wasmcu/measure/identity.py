"""The identity of what a cell ran: the sha256 and size of its module and of the artefact derived from it."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_identity(path: Path) -> tuple[str, int]:
    """(sha256 in hex, size in bytes) of a file's bytes."""
    data = Path(path).read_bytes()
    return hashlib.sha256(data).hexdigest(), len(data)


def record_identity(extra: dict, module: Path | None, derived: tuple[str, Path] | None = None) -> None:
    """Write a cell's module identity into its `extra`: `module_sha256` and `module_bytes` of
    the .wasm it ran, and, where the runtime derives an artefact from it ahead of the run
    (WAMR's .aot file, wasm2c's C output), `derived_kind`, `derived_sha256` and `derived_bytes`."""
    if module is not None:
        extra["module_sha256"], extra["module_bytes"] = file_identity(module)
    if derived is not None:
        kind, path = derived
        extra["derived_kind"] = kind
        extra["derived_sha256"], extra["derived_bytes"] = file_identity(path)
