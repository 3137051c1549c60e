"""Workloads: a kernel with a size parameter n, in one or more languages, and its expected result.

A workload is a directory holding `workload.toml`, the kernel sources and, optionally, a
Python oracle (`[oracle]`, or an `oracle.py` beside `workload.toml`). Without one, each
cell is checked against the host's native result for the same language, n and seed
(`verified_by` = `native-host`, see wasmcu.bench). The built-in ones live beside this file; users add their own directories with
`--workload-dir DIR` or the WASMCU_WORKLOAD_PATH environment variable (os.pathsep
separated), each DIR being either one workload or a folder of workloads.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError


class NoOracle(ConfigError):
    """A workload without an oracle was asked for the oracle's checksum."""

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

BUILTIN = Path(__file__).parent / "builtin"
LANGUAGES = ("c", "cpp", "rust", "wasm")  # wasm: a prebuilt module (runs on wasm runtimes only)
# the files a directory named in [sources] contributes, per language
SOURCE_SUFFIXES = {"c": (".c",), "cpp": (".cpp", ".cc", ".cxx"), "rust": (".rs",), "wasm": (".wasm",)}
# The seed every backend passes to `run(seed)` at run time: kernels derive their inputs
# from it, so no compiler can fold the work into a constant.
SEED = 42


# flags that would make wasmcu's builds measure something else: (flag or prefix, why refused)
_TARGET = "it changes the target: wasmcu builds for each device's architecture"
_ISA = "it changes the instruction set: each device's architecture sets it"
_ABI = "it changes the ABI: the kernel must match the runtime and the firmware it is linked with"
_OPT = "it changes the optimisation level, which is wasmcu's (-O2 everywhere, or each board's SDK default with --build sdk)"
_LINK = "wasmcu links every image itself (memory, exports, C library)"
_EXACT_C = {"-o": "wasmcu names its outputs", "-c": "wasmcu compiles and links", "-S": "wasmcu compiles and links",
            "-E": "wasmcu compiles and links", "-m32": _TARGET, "-m64": _TARGET, "-mthumb": _ISA, "-marm": _ISA,
            "-static": _LINK, "-shared": _LINK, "-target": _TARGET, "-Xlinker": _LINK, "-x": "the language comes from [sources]"}
_PREFIX_C = (("-O", _OPT), ("--target", _TARGET), ("-march", _ISA), ("-mcpu", _ISA), ("-mtune", _ISA),
             ("-mabi", _ABI), ("-mfloat-abi", _ABI), ("-mfpu", _ISA), ("-msoft-float", _ABI), ("-mhard-float", _ABI),
             ("-mbig-endian", _ABI), ("-mlittle-endian", _ABI), ("-fshort-enums", _ABI), ("-fno-short-enums", _ABI),
             ("-fshort-wchar", _ABI), ("-fpack-struct", _ABI), ("-fpic", _LINK), ("-fPIC", _LINK), ("-fno-pic", _LINK),
             ("-fpie", _LINK), ("-fPIE", _LINK), ("--sysroot", _LINK), ("-nostdlib", _LINK), ("-nostdinc", _LINK),
             ("-nodefaultlibs", _LINK), ("-specs", _LINK), ("--specs", _LINK), ("-Wl,", _LINK), ("-l", _LINK),
             ("-L", _LINK), ("-flto", _LINK))
_RUST_CODEGEN = {"opt-level": _OPT, "target-cpu": _ISA, "target-feature": _ISA, "panic": "wasmcu sets panic=abort",
                 "link-arg": _LINK, "link-args": _LINK, "linker": _LINK, "relocation-model": _LINK,
                 "code-model": _ABI, "soft-float": _ABI, "prefer-dynamic": _LINK, "lto": _LINK}
_RUST_EXACT = {"-O": _OPT, "-o": "wasmcu names its outputs", "-g": None}
_RUST_PREFIX = (("--target", _TARGET), ("--crate-type", _LINK), ("--edition", "every kernel is edition 2021"),
                ("--sysroot", _LINK), ("-L", _LINK), ("-l", _LINK), ("--emit", "wasmcu decides what is built"))


def check_flag(flag: str, kind: str) -> str | None:
    """Why a [build] flag (kind: cflags, cxxflags or rustflags) is refused, or None when accepted."""
    if kind == "rustflags":
        if flag in _RUST_EXACT:
            return _RUST_EXACT[flag]
        for prefix, why in _RUST_PREFIX:
            if flag.startswith(prefix):
                return why
        option = flag[2:] if flag.startswith(("-C", "-Z")) else flag
        key = option.split("=", 1)[0]
        return _RUST_CODEGEN.get(key)
    if flag in _EXACT_C:
        return _EXACT_C[flag]
    for prefix, why in _PREFIX_C:
        if flag.startswith(prefix):
            return why
    return None


@dataclass
class BuildOptions:
    """The [build] table: what a project adds to wasmcu's own compiler flags."""

    include_dirs: list[Path] = field(default_factory=list)
    defines: dict[str, str] = field(default_factory=dict)
    cflags: list[str] = field(default_factory=list)
    cxxflags: list[str] = field(default_factory=list)
    rustflags: list[str] = field(default_factory=list)

    def c_flags(self, lang: str) -> list[str]:
        """The flags for a C (`c`) or C++ (`cpp`) compile, appended after wasmcu's own."""
        out = [f"-I{d}" for d in self.include_dirs]
        out += [f"-D{k}" if v == "" else f"-D{k}={v}" for k, v in self.defines.items()]
        return out + list(self.cflags if lang == "c" else self.cxxflags)

    def as_dict(self) -> dict:
        return {"include_dirs": [str(d) for d in self.include_dirs], "defines": dict(self.defines),
                "cflags": self.cflags, "cxxflags": self.cxxflags, "rustflags": self.rustflags}


@dataclass
class Workload:
    name: str
    description: str
    directory: Path
    sizes: list[int]
    sources: dict[str, Path]
    oracle_file: Path | None             # None: no oracle, cells are checked against the host's native result
    oracle_function: str = "checksum"
    # the module's linear memory and the shadow stack inside it ([wasm] in workload.toml):
    # one 64 KB page by default, so that small boards can host every module
    memory_bytes: int = 65536
    shadow_stack_bytes: int = 4096
    # every source file per language (a list or a directory in [sources]); `sources` keeps the
    # first one (a Rust kernel's root module, a prebuilt module)
    files: dict[str, list[Path]] = field(default_factory=dict)
    build: BuildOptions = field(default_factory=lambda: BuildOptions())
    entry: str = "run"          # the exported function of type uint32_t (uint32_t seed)
    _oracle: object = field(default=None, repr=False)
    _checksums: dict = field(default_factory=dict, repr=False, compare=False)  # (n, seed): the oracle's answer

    @property
    def languages(self) -> list[str]:
        return [lang for lang in LANGUAGES if lang in self.sources]

    def source_files(self, lang: str) -> list[Path]:
        """Every source file of `lang` (several for a multi-file project)."""
        self.source(lang)
        return list(self.files.get(lang) or [self.sources[lang]])

    def source(self, lang: str) -> Path:
        if lang not in self.sources:
            raise ConfigError(f"workload '{self.name}' has no {lang} source; it has: {', '.join(self.languages)}")
        return self.sources[lang]

    @property
    def has_oracle(self) -> bool:
        return self.oracle_file is not None

    def expected(self, n: int, seed: int = SEED) -> int:
        """The oracle's checksum for size n and `seed`, masked to 32 bits. A workload without
        an oracle raises NoOracle: its reference is the host's native result (wasmcu.bench)."""
        if self.oracle_file is None:
            raise NoOracle(f"workload '{self.name}' has no oracle: its cells are checked against the host's native "
                           f"result (add [oracle] file = \"oracle.py\" to {self.directory / 'workload.toml'} for an "
                           f"independent check)")
        if (n, seed) in self._checksums:  # an oracle is a function of n and seed: asked once per cell size
            return self._checksums[n, seed]
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
        self._checksums[n, seed] = value & 0xFFFFFFFF
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
    sources, files = {}, {}
    for lang, rel in raw_sources.items():
        if lang not in LANGUAGES:
            raise ConfigError(f"unknown language '{lang}'", file=spec_file, field=f"sources.{lang}", expected=" or ".join(LANGUAGES))
        files[lang] = _source_files(directory, spec_file, lang, rel)
        sources[lang] = files[lang][0]
    build = _build_options(directory, spec_file, spec.get("build", {}))
    entry = spec.get("entry", "run")
    if not isinstance(entry, str) or not entry.isidentifier():
        raise ConfigError(f"invalid entry {entry!r}", file=spec_file, field="entry",
                          expected='the name of an exported function uint32_t NAME(uint32_t seed), e.g. "bench_main"')
    oracle = spec.get("oracle", {})
    if not isinstance(oracle, dict):
        raise ConfigError("invalid [oracle]", file=spec_file, field="oracle", expected='a table with file = "oracle.py"')
    oracle_file = directory / str(oracle.get("file", "oracle.py"))
    if not oracle_file.is_file():
        if "oracle" in spec:  # named but missing: a mistake, not "no oracle"
            raise ConfigError(f"oracle file {oracle_file} does not exist", file=spec_file, field="oracle.file",
                              expected="an existing Python file, or no [oracle] table to check cells against the "
                                       "host's native result")
        oracle_file = None
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
        files=files,
        build=build,
        entry=entry,
        oracle_file=oracle_file,
        oracle_function=str(oracle.get("function", "checksum")),
    )


def _source_files(directory: Path, spec_file: Path, lang: str, value) -> list[Path]:
    """[sources] LANG = a file, a list of files, or a directory (its files of that language)."""
    field_name = f"sources.{lang}"
    expected = 'a file ("kernel.c"), a list of files (["src/a.c", "src/b.c"]) or a directory ("src")'
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(x, str) and x for x in items):
        raise ConfigError(f"invalid value {value!r}", file=spec_file, field=field_name, expected=expected)
    out: list[Path] = []
    for rel in items:
        path = directory / rel
        if path.is_dir():
            found = sorted(f for f in path.rglob("*") if f.is_file() and f.suffix in SOURCE_SUFFIXES[lang])
            if not found:
                raise ConfigError(f"directory {path} has no {lang} source ({', '.join(SOURCE_SUFFIXES[lang])})",
                                  file=spec_file, field=field_name, expected=expected)
            if lang in ("rust", "wasm"):
                raise ConfigError(f"a {lang} source is one file, not a directory ({path})", file=spec_file,
                                  field=field_name, expected="the kernel's root module (kernel.rs), whose own `mod` "
                                  "items name the others" if lang == "rust" else "the .wasm file")
            out += found
        elif path.is_file():
            out.append(path)
        else:
            raise ConfigError(f"source file {path} does not exist", file=spec_file, field=field_name, expected=expected)
    if len(out) > 1 and lang in ("rust", "wasm"):
        raise ConfigError(f"a {lang} source is one file, got {len(out)}", file=spec_file, field=field_name,
                          expected="the kernel's root module; it names its other modules with `mod`"
                          if lang == "rust" else "one .wasm file")
    if len(set(out)) != len(out):
        raise ConfigError("a source file is named twice", file=spec_file, field=field_name)
    return out


def _build_options(directory: Path, spec_file: Path, table) -> BuildOptions:
    """The [build] table, validated: a flag that changes the target, the ABI or the optimisation
    level is refused, saying why."""
    keys = ("include_dirs", "defines", "cflags", "cxxflags", "rustflags")
    if not isinstance(table, dict):
        raise ConfigError("invalid [build]", file=spec_file, field="build", expected=f"a table with {', '.join(keys)}")
    for key in table:
        if key not in keys:
            raise ConfigError(f"unknown key {key!r}", file=spec_file, field=f"build.{key}", expected=", ".join(keys))
    opts = BuildOptions()
    dirs = table.get("include_dirs", [])
    if not isinstance(dirs, list) or not all(isinstance(d, str) and d for d in dirs):
        raise ConfigError(f"invalid value {dirs!r}", file=spec_file, field="build.include_dirs",
                          expected='a list of directories beside workload.toml, e.g. ["include"]')
    for d in dirs:
        path = (directory / d).resolve()
        if not path.is_dir():
            raise ConfigError(f"include directory {directory / d} does not exist", file=spec_file, field="build.include_dirs")
        opts.include_dirs.append(path)
    defines = table.get("defines", {})
    if not isinstance(defines, dict):
        raise ConfigError(f"invalid value {defines!r}", file=spec_file, field="build.defines",
                          expected='a table of NAME = value, e.g. { SCALE = "3", USE_FAST = true }')
    for name, value in defines.items():
        if not name.isidentifier():
            raise ConfigError(f"invalid macro name {name!r}", file=spec_file, field=f"build.defines.{name}",
                              expected="a C identifier")
        if name.startswith("WASMCU_"):
            raise ConfigError(f"{name} is wasmcu's own macro", file=spec_file, field=f"build.defines.{name}",
                              expected="another name (wasmcu defines WASMCU_N, the size)")
        if isinstance(value, bool):
            value = "1" if value else "0"
        if not isinstance(value, (str, int, float)):
            raise ConfigError(f"invalid value {value!r}", file=spec_file, field=f"build.defines.{name}",
                              expected="a string, a number or a boolean")
        opts.defines[name] = str(value)
    for kind in ("cflags", "cxxflags", "rustflags"):
        flags = table.get(kind, [])
        if not isinstance(flags, list) or not all(isinstance(f, str) and f for f in flags):
            raise ConfigError(f"invalid value {flags!r}", file=spec_file, field=f"build.{kind}",
                              expected='a list of flags, e.g. ["-Wall", "-fno-strict-aliasing"]')
        for flag in flags:
            why = check_flag(flag, kind)
            if why:
                raise ConfigError(f"flag {flag!r} is refused: {why}", file=spec_file, field=f"build.{kind}",
                                  expected="flags that keep the target, the ABI and the optimisation level "
                                  "(warnings, -f options, -D/-I, -std=...)")
        setattr(opts, kind, list(flags))
    return opts


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
