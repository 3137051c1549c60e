"""Workloads: a kernel with a size parameter n, in one or more languages, and its expected result.

A workload is a directory holding `workload.toml`, the kernel sources and, optionally, a
Python oracle (`[oracle]`, or an `oracle.py` beside `workload.toml`). Without one, each
cell is checked against the host's native result for the same language, n and seed
(`verified_by` = `native-host`, see wasmcu.bench). The built-in ones live beside this file; users add their own directories with
`--workload-dir DIR` or the WASMCU_WORKLOAD_PATH environment variable (os.pathsep
separated), each DIR being either one workload or a folder of workloads.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError
from . import checks, module_check


class NoOracle(ConfigError):
    """A workload without an oracle was asked for the oracle's checksum."""

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

BUILTIN = Path(__file__).parent / "builtin"
LANGUAGES = ("c", "cpp", "rust", "zig", "assemblyscript", "wasm")  # wasm: a prebuilt module
# the files a directory named in [sources] contributes, per language
SOURCE_SUFFIXES = {"c": (".c",), "cpp": (".cpp", ".cc", ".cxx"), "rust": (".rs",), "zig": (".zig",),
                   "assemblyscript": (".ts",), "wasm": (".wasm",)}
# languages whose kernel is one root file (it names its other files itself)
ONE_FILE = ("rust", "zig", "assemblyscript", "wasm")
# languages that compile to WebAssembly only: their native cells are unsupported, saying why
WASM_ONLY = {"wasm": "a prebuilt wasm module has no native build: it runs on wasm runtimes only",
             "assemblyscript": "AssemblyScript compiles to WebAssembly only (its compiler, asc, has no native "
                               "target): it runs on wasm runtimes only"}
# The seed every backend passes to `run(seed)` at run time: kernels derive their inputs
# from it, so no compiler can fold the work into a constant.
SEED = 42
# the largest size n: kernels take it as a C int (-DWASMCU_N=n) and the store as a 64-bit integer
MAX_N = 2**31 - 1
_ORACLE_LOCK = threading.Lock()  # the oracle's values, remembered per workload (cells run in threads)


# flags that would make wasmcu's builds measure something else: (flag or prefix, why refused)
_TARGET = "it changes the target: wasmcu builds for each device's architecture"
_ISA = "it changes the instruction set: each device's architecture sets it"
_ABI = "it changes the ABI: the kernel must match the runtime and the firmware it is linked with"
_OPT = "it changes the optimisation level, which is wasmcu's (-O2 everywhere, or each board's SDK default with --build sdk)"
_LINK = "wasmcu links every image itself (memory, exports, C library)"
_OUT = "it writes files of its own choosing: wasmcu names every output"
_PROG = "it runs another program or plugin, or passes flags on unchecked"
_MORE = "it reads more flags from a file, which wasmcu cannot check"
_EXACT_C = {"-o": "wasmcu names its outputs", "-c": "wasmcu compiles and links", "-S": "wasmcu compiles and links",
            "-E": "wasmcu compiles and links", "-m32": _TARGET, "-m64": _TARGET, "-mthumb": _ISA, "-marm": _ISA,
            "-static": _LINK, "-shared": _LINK, "-target": _TARGET, "-Xlinker": _LINK, "-x": "the language comes from [sources]"}
_PREFIX_C = (("-O", _OPT), ("--target", _TARGET), ("-march", _ISA), ("-mcpu", _ISA), ("-mtune", _ISA),
             ("-mabi", _ABI), ("-mfloat-abi", _ABI), ("-mfpu", _ISA), ("-msoft-float", _ABI), ("-mhard-float", _ABI),
             ("-mbig-endian", _ABI), ("-mlittle-endian", _ABI), ("-fshort-enums", _ABI), ("-fno-short-enums", _ABI),
             ("-fshort-wchar", _ABI), ("-fpack-struct", _ABI), ("-fpic", _LINK), ("-fPIC", _LINK), ("-fno-pic", _LINK),
             ("-fpie", _LINK), ("-fPIE", _LINK), ("--sysroot", _LINK), ("-nostdlib", _LINK), ("-nostdinc", _LINK),
             ("-nodefaultlibs", _LINK), ("-specs", _LINK), ("--specs", _LINK), ("-Wl,", _LINK), ("-l", _LINK),
             ("-L", _LINK), ("-flto", _LINK),
             # every spelling of a flag that names an output, a program run by the compiler, or more flags
             ("-o", _OUT), ("--output", _OUT), ("-B", _PROG), ("--prefix", _PROG), ("-wrapper", _PROG),
             ("-fplugin", _PROG), ("-fpass-plugin", _PROG), ("-Xclang", _PROG), ("-Xpreprocessor", _PROG),
             ("-Xassembler", _PROG), ("-Wp,", _PROG), ("-Wa,", _PROG), ("-fuse-ld", _LINK), ("--ld-path", _LINK),
             ("-T", _LINK), ("-nostartfiles", _LINK), ("-isysroot", _LINK), ("@", _MORE), ("--config", _MORE),
             ("-save-temps", _OUT), ("-MF", _OUT), ("-MD", _OUT), ("-MMD", _OUT), ("-dumpdir", _OUT),
             ("-dumpbase", _OUT), ("-fprofile-generate", _OUT), ("-fdump", _OUT), ("-aux-info", _OUT))
_RUST_CODEGEN = {"opt-level": _OPT, "target-cpu": _ISA, "target-feature": _ISA, "panic": "wasmcu sets panic=abort",
                 "link-arg": _LINK, "link-args": _LINK, "linker": _LINK, "relocation-model": _LINK,
                 "code-model": _ABI, "soft-float": _ABI, "prefer-dynamic": _LINK, "lto": _LINK}
_RUST_EXACT = {"-O": _OPT, "-o": "wasmcu names its outputs", "-g": None}
_RUST_PREFIX = (("--target", _TARGET), ("--crate-type", _LINK), ("--edition", "every kernel is edition 2021"),
                ("--sysroot", _LINK), ("-L", _LINK), ("-l", _LINK), ("--emit", "wasmcu decides what is built"),
                ("-o", _OUT), ("--out-dir", _OUT), ("@", _MORE), ("--extern", _LINK), ("-Zcodegen-backend", _PROG),
                ("--print", "wasmcu decides what is built"), ("--crate-name", "wasmcu names the crate"))


def check_flag(flag: str, kind: str) -> str | None:
    """Why a [build] flag (kind: cflags, cxxflags or rustflags) is refused, or None when accepted."""
    if kind == "rustflags":
        if flag in _RUST_EXACT:
            return _RUST_EXACT[flag]
        for prefix, why in _RUST_PREFIX:
            if flag.startswith(prefix):
                return why
        if flag.startswith("--codegen"):
            option = flag[len("--codegen"):].lstrip("= ")
        else:
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
    # export the module's layout (__heap_base, __data_end), so that a runtime can shrink its linear
    # memory to the static data and shadow stack (`--ram small`, wasmcu.backends.linear_memory)
    layout_exports: bool = False
    # every source file per language (a list or a directory in [sources]); `sources` keeps the
    # first one (a Rust kernel's root module, a prebuilt module)
    files: dict[str, list[Path]] = field(default_factory=dict)
    build: BuildOptions = field(default_factory=lambda: BuildOptions())
    entry: str = "run"          # the exported function of type uint32_t (uint32_t seed)
    # [update]: the next version of a one-file kernel, per language: board cells give the
    # delta update from this version to it (wasmcu.backends.benefits)
    update_next: dict[str, Path] = field(default_factory=dict)
    # [containment]: a kernel that misbehaves on purpose (wasmcu.measure.containment): its
    # outcome is observed and classified instead of checked against an oracle
    containment: dict | None = None
    # a prebuilt WASI command (entry _start): its result is its exit code and stdout (wasmcu.runtimes.wasi_host)
    wasi_command: bool = False
    host_baseline: str = "o2"   # the host's native build: o2, o3 or o3-native (wasmcu.toolchains.host)
    # a check of the kernel's own (an Embench benchmark's verify_benchmark): checksum -> (what it
    # says, an error or None); see wasmcu.workloads.embench
    self_check: object = field(default=None, repr=False)
    _oracle: object = field(default=None, repr=False)

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

    def expected(self, n: int, seed: int = SEED, timeout_s: float | None = None) -> int:
        """The oracle's checksum for size n and `seed`, masked to 32 bits, computed in a child
        process bounded by `timeout_s` and a memory limit (wasmcu.workloads.oracle); remembered
        for the rest of this process. A workload without an oracle raises NoOracle: its
        reference is the host's native result (wasmcu.bench)."""
        if self.oracle_file is None:
            raise NoOracle(f"workload '{self.name}' has no oracle: its cells are checked against the host's native "
                           f"result (add [oracle] file = \"oracle.py\" to {self.directory / 'workload.toml'} for an "
                           f"independent check)")
        from . import oracle

        key = (n, seed)
        with _ORACLE_LOCK:
            if self._oracle is None:
                self._oracle = {}
            if key in self._oracle:
                return self._oracle[key]
        value = oracle.run(self.oracle_file, self.oracle_function, n, seed, timeout_s) & 0xFFFFFFFF
        with _ORACLE_LOCK:
            self._oracle[key] = value
        return value


def load_workload(directory: Path) -> Workload:
    """Read and validate one workload directory. Whatever is wrong with it is a ConfigError
    naming its workload.toml (a path the system refuses, such as one with a NUL character or
    too long a name, as well)."""
    try:
        return _load_workload(Path(directory))
    except (OSError, ValueError, UnicodeError) as exc:
        raise ConfigError(f"cannot read this workload: {exc}", file=Path(directory) / "workload.toml",
                          expected="paths of existing files inside the workload's folder") from exc


def _load_workload(directory: Path) -> Workload:
    directory = Path(directory)
    spec_file = directory / "workload.toml"
    if not spec_file.is_file():
        raise ConfigError("no workload.toml here", file=directory, expected="a directory with workload.toml, sources and an oracle")
    try:
        spec = tomllib.loads(spec_file.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", file=spec_file) from exc
    checks.unknown_keys(spec, spec_file)
    outside = checks.allow_outside(spec, spec_file)
    name = spec.get("name", directory.name)
    if not isinstance(name, str) or not name.isidentifier():
        raise ConfigError(f"invalid name {name!r}", file=spec_file, field="name", expected="an identifier such as 'matmul'")
    sizes = spec.get("sizes", [100])
    if not isinstance(sizes, list) or not sizes or \
            not all(isinstance(s, int) and not isinstance(s, bool) and 0 < s <= MAX_N for s in sizes):
        raise ConfigError(f"invalid sizes {sizes!r}", file=spec_file, field="sizes",
                          expected=f"a non-empty list of whole numbers from 1 to {MAX_N:,}")
    raw_sources = spec.get("sources")
    if not isinstance(raw_sources, dict) or not raw_sources:
        raise ConfigError("missing [sources] table", file=spec_file, field="sources", expected='c = "kernel.c" and/or rust = "kernel.rs"')
    sources, files = {}, {}
    for lang, rel in raw_sources.items():
        if lang not in LANGUAGES:
            raise ConfigError(f"unknown language '{lang}'", file=spec_file, field=f"sources.{lang}", expected=" or ".join(LANGUAGES))
        files[lang] = _source_files(directory, spec_file, lang, rel)
        for f in files[lang]:
            checks.inside(directory, f, spec_file, f"sources.{lang}", outside)
        sources[lang] = files[lang][0]
    build = _build_options(directory, spec_file, spec.get("build", {}))
    for d in build.include_dirs:
        checks.inside(directory, d, spec_file, "build.include_dirs", outside)
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
    if oracle_file is not None:
        checks.inside(directory, oracle_file, spec_file, "oracle.file", outside)
    function = oracle.get("function", "checksum")
    if not isinstance(function, str) or not function.isidentifier():
        raise ConfigError(f"invalid value {function!r}", file=spec_file, field="oracle.function",
                          expected="the name of a Python function checksum(n, seed)")
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
    update_next = _update_next(directory, spec_file, spec.get("update", {}), sources, files)
    containment = _containment(spec_file, spec.get("containment"), oracle_file)
    checks.entry_defined(entry, {k: v for k, v in files.items() if k != "wasm"}, build.include_dirs,
                         spec_file)  # last: the other fields name what is wrong first
    if "wasm" in files:  # a prebuilt module: checked once here, before any runtime sees it
        wasi_command = module_check.check(files["wasm"][0], entry, sizes, spec_file).command
    else:
        wasi_command = False
    return Workload(
        containment=containment,
        update_next=update_next,
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
        oracle_function=function,
        wasi_command=wasi_command,
    )


def _containment(spec_file: Path, table, oracle_file) -> dict | None:
    """[containment]: misbehaviour (what the kernel does on purpose) and, optionally,
    refused_result (the result that says the misbehaviour was refused)."""
    if table is None:
        return None
    expected = 'misbehaviour = "what the kernel does on purpose", and optionally refused_result = N'
    if not isinstance(table, dict) or set(table) - {"misbehaviour", "refused_result"}:
        raise ConfigError("invalid [containment]", file=spec_file, field="containment", expected=expected)
    what = table.get("misbehaviour")
    if not isinstance(what, str) or not what.strip():
        raise ConfigError(f"invalid value {what!r}", file=spec_file, field="containment.misbehaviour", expected=expected)
    refused = table.get("refused_result")
    if refused is not None and (isinstance(refused, bool) or not isinstance(refused, int) or not 0 <= refused < 2**32):
        raise ConfigError(f"invalid value {refused!r}", file=spec_file, field="containment.refused_result",
                          expected="a 32-bit unsigned result")
    if oracle_file is not None:
        raise ConfigError("a containment kernel has no oracle: its outcome is classified, not checked",
                          file=spec_file, field="oracle", expected="no [oracle] table and no oracle.py")
    return {"misbehaviour": what, "refused_result": refused}


def _update_next(directory: Path, spec_file: Path, table, sources: dict, files: dict) -> dict[str, Path]:
    """[update] LANG = "the next version's source": one file, for a language whose kernel is one file."""
    if not isinstance(table, dict):
        raise ConfigError("invalid [update]", file=spec_file, field="update",
                          expected='a table of LANG = "the next version of the kernel", e.g. c = "kernel_next.c"')
    out = {}
    for lang, rel in table.items():
        if lang not in sources:
            raise ConfigError(f"no {lang} source to update", file=spec_file, field=f"update.{lang}",
                              expected="a language of [sources]: " + ", ".join(sources))
        if len(files[lang]) != 1:
            raise ConfigError(f"the {lang} kernel has {len(files[lang])} files", file=spec_file, field=f"update.{lang}",
                              expected="a next version for a one-file kernel only")
        path = directory / rel if isinstance(rel, str) else None
        if path is None or not path.is_file():
            raise ConfigError(f"next version {rel!r} is not a file", file=spec_file, field=f"update.{lang}",
                              expected="the next version's source file, beside workload.toml")
        out[lang] = path
    return out


_ONE_FILE_EXPECTED = {"rust": "the kernel's root module (kernel.rs); it names its other modules with `mod`",
                      "zig": "the kernel's root file (kernel.zig); it names its other files with @import",
                      "assemblyscript": "the kernel's entry file (kernel.ts); it names its other files with import",
                      "wasm": "one .wasm file"}


def _source_files(directory: Path, spec_file: Path, lang: str, value) -> list[Path]:
    """[sources] LANG = a file, a list of files, or a directory (its files of that language)."""
    field_name = f"sources.{lang}"
    expected = 'a file ("kernel.c"), a list of files (["src/a.c", "src/b.c"]) or a directory ("src")'
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(x, str) and x and "\0" not in x for x in items):
        raise ConfigError(f"invalid value {value!r}", file=spec_file, field=field_name, expected=expected)
    out: list[Path] = []
    for rel in items:
        path = directory / rel
        if path.is_dir():
            found = sorted(f for f in path.rglob("*") if f.is_file() and f.suffix in SOURCE_SUFFIXES[lang])
            if not found:
                raise ConfigError(f"directory {path} has no {lang} source ({', '.join(SOURCE_SUFFIXES[lang])})",
                                  file=spec_file, field=field_name, expected=expected)
            if lang in ONE_FILE:
                raise ConfigError(f"a {lang} source is one file, not a directory ({path})", file=spec_file,
                                  field=field_name, expected=_ONE_FILE_EXPECTED[lang])
            out += found
        elif path.is_file():
            out.append(path)
        else:
            raise ConfigError(f"source file {path} does not exist", file=spec_file, field=field_name, expected=expected)
    if len(out) > 1 and lang in ONE_FILE:
        raise ConfigError(f"a {lang} source is one file, got {len(out)}", file=spec_file, field=field_name,
                          expected=_ONE_FILE_EXPECTED[lang])
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
    if not isinstance(dirs, list) or not all(isinstance(d, str) and d and "\0" not in d for d in dirs):
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
        subs = [root] if (root / "workload.toml").is_file() else \
            sorted(p for p in root.iterdir() if (p / "workload.toml").is_file())
        for sub in subs:
            wl = load_workload(sub)
            if wl.name in found:
                checks.shadowed("workload", wl.name, found[wl.name].directory, wl.directory)
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
            n = int(size) if size.isascii() and size.isdigit() and len(size) <= 12 else 0
            if not 0 < n <= MAX_N:
                raise ConfigError(f"invalid size in '{item}'",
                                  expected=f"a whole number from 1 to {MAX_N:,}, e.g. bubblesort:100")
            out.append((wl, n))
        else:
            out.extend((wl, n) for n in wl.sizes)
    return out
