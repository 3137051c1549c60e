"""Checks of a workload.toml beyond its values' types: known keys, paths inside its folder, the entry.

Also the warning for a user's workload or device that replaces one of the same name.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from ..errors import ConfigError
from .module_check import Malformed, parse

# the keys of workload.toml, at the top and in its tables
TOP_KEYS = {"name": "its name", "description": "one line", "sizes": "the sizes n",
            "sources": "the sources per language", "build": "compiler flags", "entry": "the exported function",
            "oracle": "the expected result", "wasm": "linear memory", "allow_outside": "paths outside the folder",
            "update": "the kernel's next version (delta updates)",
            "containment": "the misbehaviour a containment kernel shows"}
ORACLE_KEYS = ("file", "function")
ALLOW_OUTSIDE = "allow_outside"
# the files where an entry's name may be spelt (a macro in a header, a Rust module)
C_TEXT = (".c", ".h", ".cc", ".cpp", ".cxx", ".hh", ".hpp", ".hxx", ".inc", ".def")
RUST_TEXT = (".rs",)
TEXT = {"rust": RUST_TEXT, "zig": (".zig",), "assemblyscript": (".ts",)}


def unknown_keys(spec: dict, spec_file: Path) -> None:
    """Refuse a key workload.toml does not know (a misspelt one would be ignored silently)."""
    for key in spec:
        if key not in TOP_KEYS:
            raise ConfigError(f"unknown key {key!r}", file=spec_file, field=key,
                              expected="one of " + ", ".join(TOP_KEYS))
    oracle = spec.get("oracle")
    if isinstance(oracle, dict):
        for key in oracle:
            if key not in ORACLE_KEYS:
                raise ConfigError(f"unknown key {key!r}", file=spec_file, field=f"oracle.{key}",
                                  expected="file (the oracle's Python file) or function (its name)")


def allow_outside(spec: dict, spec_file: Path) -> bool:
    value = spec.get(ALLOW_OUTSIDE, False)
    if not isinstance(value, bool):
        raise ConfigError(f"invalid value {value!r}", file=spec_file, field=ALLOW_OUTSIDE,
                          expected="true or false (default false: every path lies inside the workload's folder)")
    return value


def inside(directory: Path, path: Path, spec_file: Path, field: str, allowed: bool) -> None:
    """Refuse a source, include directory or oracle outside the workload's folder (after
    following links), unless workload.toml says ``allow_outside = true``."""
    if allowed:
        return
    root, target = Path(directory).resolve(), Path(path).resolve()
    if target != root and root not in target.parents:
        raise ConfigError(f"{path} lies outside the workload's folder {root}", file=spec_file, field=field,
                          expected=f"a path inside that folder, or {ALLOW_OUTSIDE} = true in workload.toml to use "
                                   "files from elsewhere on purpose")


def entry_defined(entry: str, files: dict[str, list[Path]], include_dirs: list[Path], spec_file: Path) -> None:
    """Refuse an `entry` that no source of a language names (a misspelt entry would otherwise
    fail only when the built library is loaded): a prebuilt module must export it; C and C++
    sources (or any C file or header of the workload's folder or its include directories, where a
    macro may spell it) and the
    Rust files of the workload's folder must contain the name."""
    word = re.compile(rf"\b{re.escape(entry)}\b")
    for lang, paths in files.items():
        if lang == "wasm":
            names = wasm_exports(paths[0].read_bytes())
            found = names is None or entry in names  # an unreadable module: the runtime says why
        else:
            suffixes = TEXT.get(lang, C_TEXT)
            here = spec_file.parent
            pool = list(paths) + [f for d in [here, *include_dirs] for f in sorted(d.rglob("*"))
                                  if f.suffix in suffixes and f.is_file()]
            found = any(word.search(p.read_text(errors="replace")) for p in pool)
        if not found:
            what = "no export" if lang == "wasm" else "the name appears nowhere"
            raise ConfigError(f"the entry '{entry}' is not defined in the {lang} sources "
                              f"({', '.join(p.name for p in paths)}): {what}", file=spec_file,
                              field="entry", expected="the name of the exported function uint32_t NAME(uint32_t "
                                                      "seed) (default 'run')")


def wasm_exports(data: bytes) -> set[str] | None:
    """The export names of a WebAssembly module, or None when it cannot be read (a truncated
    module: its runtime says what is wrong with it)."""
    try:
        return set(parse(data).exports)
    except Malformed:
        return None


_WARNED: set[tuple] = set()


def shadowed(kind: str, name: str, first: Path, then: Path) -> None:
    """Warn (once per process) that a user's workload or device replaces one of the same name."""
    first, then = Path(first).resolve(), Path(then).resolve()
    if first == then or (kind, name, first, then) in _WARNED:
        return
    _WARNED.add((kind, name, first, then))
    logging.getLogger("wasmcu").warning(
        "%s '%s' in %s replaces the %s of the same name in %s; rename one of them to keep both", kind, name, then,
        kind, first)
