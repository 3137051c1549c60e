"""Provenance without machine paths: absolute paths rewritten relative to the places wasmcu knows.

A cell's provenance names its build's flags and files; written as they are, they hold the
paths of the machine that ran it (``-I/home/alice/wasmcu/src/wasmcu/backends/firmware``,
the build cache under the user's home), so that two machines making the same build store
different provenance. :func:`portable` rewrites every path under one of the given roots as
``<root>/rest`` (``<wasmcu>``: the installed package; ``<cache>``: the build cache;
``<workload>``: the cell's workload folder; ``~``: the home folder).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def _pattern(roots: dict[str, Path]) -> tuple[re.Pattern, dict[str, str]]:
    names: dict[str, str] = {}
    for name, root in roots.items():
        for form in {str(root), str(Path(root).resolve())}:
            form = form.rstrip("/")
            if len(form) > 1:
                names.setdefault(form, name)
    # the longest root first: the cache under the home folder is <cache>, not ~/.cache/...
    alternatives = "|".join(re.escape(r) for r in sorted(names, key=len, reverse=True))
    return re.compile(rf"({alternatives})(?=/|$|[\s\"':;,=)])"), names


def portable(value: Any, roots: dict[str, Path]) -> Any:
    """`value` (JSON-like: dicts, lists, strings) with every path under a root rewritten."""
    if not roots:
        return value
    pattern, names = _pattern(roots)

    def fix(v: Any) -> Any:
        if isinstance(v, str):
            return pattern.sub(lambda m: names[m.group(1)], v)
        if isinstance(v, dict):
            return {k: fix(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [fix(x) for x in v]
        return v

    return fix(value)


def roots(cache: Path, workload_dir: Path | None = None) -> dict[str, Path]:
    """The places a cell's paths are made relative to: the package, the build `cache`, the
    cell's workload folder and the home folder (the longest match wins)."""
    out = {"<wasmcu>": Path(__file__).resolve().parent, "<cache>": Path(cache)}
    if workload_dir is not None:
        out["<workload>"] = Path(workload_dir)
    out["~"] = Path.home()
    return out
