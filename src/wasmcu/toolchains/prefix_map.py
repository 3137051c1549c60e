"""Compiler flags that keep this machine's folder names out of what the compilers embed.

A compiler writes a source file's path into its output where the code names it: ``__FILE__``
in a library's assertions (wasm3's), a Rust panic's location (in a board image and in a wasm
module's data). Left as they are, an image's size and a module's bytes (its sha256) would
depend on where wasmcu, its build cache and a workload lie on the machine that built them.
"""

from __future__ import annotations

from pathlib import Path

from .cache import cache_root

PACKAGE = Path(__file__).resolve().parents[1]  # src/wasmcu
# a cache-key part of every build whose compiler is given `path_maps`: objects built
# before the maps (with this machine's folders in them) are not reused
PATHS_MAPPED = "paths-mapped-2"


def path_maps(*specific: tuple[Path, str], rust: bool = False) -> list[str]:
    """The flags that write this machine's folders under fixed names wherever the compiler
    embeds a path (``__FILE__`` in a library's assertions, a Rust panic's location), so that an
    image's bytes and size do not depend on where wasmcu, its cache or a workload lie: the
    cache, the package, then `specific` (folder, name) pairs; the last match applies (GCC,
    rustc), so the broad folders come first."""
    pairs = [(cache_root().resolve(), "cache"), (PACKAGE, "wasmcu"),
             *((Path(folder).resolve(), name) for folder, name in specific)]
    if rust:
        return [flag for old, new in pairs for flag in ("--remap-path-prefix", f"{old}={new}")]
    return [f"-ffile-prefix-map={old}={new}" for old, new in pairs]
