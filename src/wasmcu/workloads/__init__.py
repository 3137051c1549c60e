"""Workloads: a kernel with a size parameter n, in one or more languages, with an oracle.

A workload is a directory holding `workload.toml`, the kernel sources and a Python
oracle. The built-in ones live beside this file; users add their own directories with
`--workload-dir DIR` or the WASMCU_WORKLOAD_PATH environment variable (os.pathsep
separated), each DIR being either one workload or a folder of workloads.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

BUILTIN = Path(__file__).parent / "builtin"
LANGUAGES = ("c", "rust", "wasm")  # wasm: a prebuilt module (runs on wasm runtimes only)
# The seed every backend passes to `run(seed)` at run time: kernels derive their inputs
# from it, so no compiler can fold the work into a constant.
SEED = 42


@dataclass
class Workload:
    name: str
    description: str
    directory: Path
    sizes: list[int]
    sources: dict[str, Path]
    oracle_file: Path
    oracle_function: str = "checksum"
    # the module's linear memory and the shadow stack inside it ([wasm] in workload.toml):
    # one 64 KB page by default, so that small boards can host every module
    memory_bytes: int = 65536
    shadow_stack_bytes: int = 4096
    _oracle: object = field(default=None, repr=False)

    @property
    def languages(self) -> list[str]:
        return [lang for lang in LANGUAGES if lang in self.sources]

    def source(self, lang: str) -> Path:
        if lang not in self.sources:
            raise ConfigError(f"workload '{self.name}' has no {lang} source; it has: {', '.join(self.languages)}")
        return self.sources[lang]

    def expected(self, n: int, seed: int = SEED) -> int:
        """The oracle's checksum for size n and `seed`, masked to 32 bits."""
        if self._oracle is None:
            spec = importlib.util.spec_from_file_location(f"wasmcu_oracle_{self.name}", self.oracle_file)
            module = importlib.util.module_from_spec(spec)
            try:
                spec.loader.exec_module(module)
            except Exception as exc:
                raise ConfigError(f"oracle does not load: {exc!r}", file=self.oracle_file) from exc
            fn = getattr(module, self.oracle_function, None)
            if not callable(fn):
                raise ConfigError(f"oracle has no function '{self.oracle_function}(n, seed)'", file=self.oracle_file)
            self._oracle = fn
        value = self._oracle(n, seed)
        if not isinstance(value, int):
            raise ConfigError(f"oracle returned {type(value).__name__}", file=self.oracle_file, expected="an int")
        return value & 0xFFFFFFFF


def load_workload(directory: Path) -> Workload:
    """Read and validate one workload directory."""
    directory = Path(directory)
    spec_file = directory / "workload.toml"
    if not spec_file.is_file():
        raise ConfigError("no workload.toml here", file=directory, expected="a directory with workload.toml, sources and an oracle")
    try:
        spec = tomllib.loads(spec_file.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", file=spec_file) from exc
    name = spec.get("name", directory.name)
    if not isinstance(name, str) or not name.isidentifier():
        raise ConfigError(f"invalid name {name!r}", file=spec_file, field="name", expected="an identifier such as 'matmul'")
    sizes = spec.get("sizes", [100])
    if not isinstance(sizes, list) or not sizes or not all(isinstance(s, int) and s > 0 for s in sizes):
        raise ConfigError(f"invalid sizes {sizes!r}", file=spec_file, field="sizes", expected="a non-empty list of positive integers")
    raw_sources = spec.get("sources")
    if not isinstance(raw_sources, dict) or not raw_sources:
        raise ConfigError("missing [sources] table", file=spec_file, field="sources", expected='c = "kernel.c" and/or rust = "kernel.rs"')
    sources = {}
    for lang, rel in raw_sources.items():
        if lang not in LANGUAGES:
            raise ConfigError(f"unknown language '{lang}'", file=spec_file, field=f"sources.{lang}", expected=" or ".join(LANGUAGES))
        path = directory / str(rel)
        if not path.is_file():
            raise ConfigError(f"source file {path} does not exist", file=spec_file, field=f"sources.{lang}")
        sources[lang] = path
    oracle = spec.get("oracle", {})
    if not isinstance(oracle, dict):
        raise ConfigError("invalid [oracle]", file=spec_file, field="oracle", expected='a table with file = "oracle.py"')
    oracle_file = directory / str(oracle.get("file", "oracle.py"))
    if not oracle_file.is_file():
        raise ConfigError(f"oracle file {oracle_file} does not exist", file=spec_file, field="oracle.file")
    wasm = spec.get("wasm", {})
    if not isinstance(wasm, dict):
        raise ConfigError("invalid [wasm]", file=spec_file, field="wasm", expected="a table with memory_bytes, stack_bytes")
    for key in wasm:
        if key not in ("memory_bytes", "stack_bytes"):
            raise ConfigError(f"unknown key {key!r}", file=spec_file, field=f"wasm.{key}",
                              expected="memory_bytes (linear memory) or stack_bytes (the shadow stack in it)")
    memory = wasm.get("memory_bytes", 65536)
    if not isinstance(memory, int) or isinstance(memory, bool) or memory <= 0 or memory % 65536:
        raise ConfigError(f"invalid value {memory!r}", file=spec_file, field="wasm.memory_bytes",
                          expected="a whole number of 64 KB pages, e.g. 131072")
    stack = wasm.get("stack_bytes", 4096)
    if not isinstance(stack, int) or isinstance(stack, bool) or stack <= 0 or stack % 16 or stack >= memory:
        raise ConfigError(f"invalid value {stack!r}", file=spec_file, field="wasm.stack_bytes",
                          expected="a positive multiple of 16 bytes, smaller than memory_bytes")
    return Workload(
        memory_bytes=memory,
        shadow_stack_bytes=stack,
        name=name,
        description=str(spec.get("description", "")),
        directory=directory,
        sizes=sizes,
        sources=sources,
        oracle_file=oracle_file,
        oracle_function=str(oracle.get("function", "checksum")),
    )


def _candidate_dirs(extra: list[Path] | None) -> list[Path]:
    dirs = [BUILTIN]
    env = os.environ.get("WASMCU_WORKLOAD_PATH")
    if env:
        dirs += [Path(p) for p in env.split(os.pathsep) if p]
    dirs += [Path(p) for p in (extra or [])]
    return dirs


def discover(extra: list[Path] | None = None) -> dict[str, Workload]:
    """Every workload: built-in ones, then WASMCU_WORKLOAD_PATH, then `extra` dirs."""
    found: dict[str, Workload] = {}
    for root in _candidate_dirs(extra):
        if not root.is_dir():
            raise ConfigError("workload directory does not exist", file=root)
        if (root / "workload.toml").is_file():
            wl = load_workload(root)
            found[wl.name] = wl
            continue
        for sub in sorted(p for p in root.iterdir() if (p / "workload.toml").is_file()):
            wl = load_workload(sub)
            found[wl.name] = wl
    return found


def parse_specs(text: str | None, workloads: dict[str, Workload], default: list[str] | None = None) -> list[tuple[Workload, int]]:
    """'bubblesort:100,crc16' -> [(bubblesort, 100), (crc16, each default size)]."""
    items = [t.strip() for t in (text.split(",") if text else (default or [])) if t.strip()]
    if not items:
        items = list(workloads)
    out: list[tuple[Workload, int]] = []
    for item in items:
        name, _, size = item.partition(":")
        if name not in workloads:
            raise ConfigError(f"unknown workload '{name}'; known: {', '.join(sorted(workloads))} (add your own with --workload-dir)")
        wl = workloads[name]
        if size:
            try:
                n = int(size)
                if n <= 0:
                    raise ValueError
            except ValueError:
                raise ConfigError(f"invalid size in '{item}'", expected="a positive integer, e.g. bubblesort:100") from None
            out.append((wl, n))
        else:
            out.extend((wl, n) for n in wl.sizes)
    return out
