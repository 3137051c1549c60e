"""Plan: from an experiment spec (CLI flags or a TOML file) to the list of cells."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from . import devices as devices_mod
from . import runtimes as runtimes_mod
from . import workloads as workloads_mod
from .errors import ConfigError
from .model import BUILD_MODES, FIRMWARE_CCS, Cell

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

SUITES_FILE = Path(__file__).with_name("suites.toml")
SUITE_KEYS = {"description": str, "workloads": list, "langs": list, "devices": list, "runtimes": dict}


def load_suites(path: Path = SUITES_FILE) -> dict[str, dict]:
    """Suites (named sets of cells) from suites.toml, then the config file's [suites.NAME]."""
    from . import config

    out = {}
    for file, table in ((path, _read_toml(path)), (config.config_file(), config.settings().get("suites", {}))):
        if not isinstance(table, dict):
            raise ConfigError("invalid value", file=file, field="suites", expected="tables [suites.NAME]")
        for name, suite in table.items():
            out[name] = _check_suite(name, suite, file, "" if file == path else "suites.")
    return out


def _check_suite(name: str, suite, file, prefix: str) -> dict:
    where = f"{prefix}{name}"
    if not isinstance(suite, dict):
        raise ConfigError("invalid value", file=file, field=where, expected="a table with workloads, langs, devices")
    for key, value in suite.items():
        if key not in SUITE_KEYS:
            raise ConfigError(f"unknown key {key!r}", file=file, field=f"{where}.{key}",
                              expected="one of " + ", ".join(SUITE_KEYS))
        if not isinstance(value, SUITE_KEYS[key]):
            raise ConfigError(f"invalid value {value!r}", file=file, field=f"{where}.{key}",
                              expected=f"a {SUITE_KEYS[key].__name__}")
        if key == "runtimes":
            for backend, names in value.items():
                if backend not in ("host", "qemu", "board") or not isinstance(names, list):
                    raise ConfigError(f"invalid value {backend} = {names!r}", file=file,
                                      field=f"{where}.runtimes.{backend}",
                                      expected="host, qemu or board = a list of runtime names")
        elif key != "description" and not all(isinstance(v, str) for v in value):
            raise ConfigError(f"invalid value {value!r}", file=file, field=f"{where}.{key}",
                              expected="a list of strings")
    return suite


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(Path(path).read_text())
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", file=path) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", file=path) from exc


# the built-in suites (plan() also reads the config file's)
SUITES = {name: _check_suite(name, suite, SUITES_FILE, "") for name, suite in _read_toml(SUITES_FILE).items()}

SPEC_KEYS = {"suite": str, "devices": list, "runtimes": list, "workloads": list, "langs": list,
             "repeat": int, "warmup": int, "timeout": (int, float), "workload_dirs": list, "device_dirs": list,
             "build": list, "firmware_cc": list, "link": str, "embench": str, "host_baseline": str, "ram": str}
HOST_BASELINES = ("o2", "o3", "o3-native")
RAM_SIZINGS = ("module", "profile", "small")  # wasmcu.backends.sizing  # wasmcu.toolchains.host.HOST_BASELINES


@dataclass
class Spec:
    suite: str | None = "paper"
    devices: str | None = None
    runtimes: str | None = None
    workloads: str | None = None
    langs: str | None = None
    build: str | None = None   # comma-separated build modes (default o2)
    firmware_cc: str | None = None  # comma-separated firmware compilers, gcc and/or clang (default: per runtime)
    repeat: int = 20
    warmup: int = 3
    timeout: float = 300.0
    link: str | None = None    # the link board cells' updates are delivered over (default: each device's own)
    workload_dirs: list[Path] = field(default_factory=list)
    device_dirs: list[Path] = field(default_factory=list)
    embench: str | None = None      # an Embench-IoT checkout (the `embench` suite; wasmcu.workloads.embench)
    host_baseline: str = "o2"       # the host's native build: o2, o3 (the AOT compilers' level) or o3-native
    ram: str = "module"             # board runtimes' memory: sized from the module, or the profile's fixed sizes

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["embench"] = str(self.embench) if self.embench else None
        d["workload_dirs"] = [str(p) for p in self.workload_dirs]
        d["device_dirs"] = [str(p) for p in self.device_dirs]
        return d


def check_spec(spec: Spec) -> None:
    """Refuse options no bench can run with (the CLI's flags and the API's arguments alike)."""
    for name in ("repeat", "timeout"):
        value = getattr(spec, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or value == float("inf"):
            raise ConfigError(f"{name} (--{name}) must be a positive number, got {value!r}")
    if isinstance(spec.repeat, float):
        raise ConfigError(f"repeat (--repeat) must be a whole number of samples, got {spec.repeat!r}")
    if isinstance(spec.warmup, bool) or not isinstance(spec.warmup, int) or spec.warmup < 0:
        raise ConfigError(f"warmup (--warmup) must be a whole number of calls, 0 or more, got {spec.warmup!r}")


def load_spec_file(path: Path) -> dict:
    """Read an experiment file: the same keys as the CLI flags, lists as TOML arrays."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", file=path) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", file=path) from exc
    out = {}
    for key, value in data.items():
        if key not in SPEC_KEYS:
            raise ConfigError("unknown key", file=path, field=key, expected="one of " + ", ".join(SPEC_KEYS))
        kind = SPEC_KEYS[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise ConfigError(f"invalid value {value!r}", file=path, field=key, expected=f"a {names}")
        if kind is list:
            if not all(isinstance(v, str) for v in value):
                raise ConfigError(f"invalid value {value!r}", file=path, field=key, expected="a list of strings")
            value = [Path(path.parent, v) for v in value] if key.endswith("_dirs") else ",".join(value)
        if key == "embench":  # a checkout, like the *_dirs, is named relative to the experiment file
            value = str(Path(path.parent, value).expanduser())
        if key in ("repeat", "warmup", "timeout") and value <= (0 if key != "warmup" else -1):
            raise ConfigError(f"invalid value {value!r}", file=path, field=key, expected="a positive number")
        out[key] = value
    return out


def discover_devices(extra=None) -> dict:
    """Every device (wasmcu.devices.discover), with the runtime sizes they give checked against
    the runtimes' declarations."""
    found = devices_mod.discover(extra)
    runtimes_mod.check_device_sizes(found.values())
    return found


def plan(spec: Spec):
    """The cells to run, with the workload and device objects they need."""
    suites = load_suites()
    if spec.suite and spec.suite not in suites:
        raise ConfigError(f"unknown suite '{spec.suite}'; known: {', '.join(suites)} (suites are in "
                          f"{SUITES_FILE.name} and the config file's [suites.NAME])")
    suite = dict(suites.get(spec.suite or "", {}))
    all_workloads = workloads_mod.discover(spec.workload_dirs)
    if spec.suite == "embench" or spec.embench:  # the user's Embench-IoT checkout, its names kept
        from .workloads import embench

        found = embench.workloads(embench.checkout_path(spec.embench))
        all_workloads.update(found)
        if spec.suite == "embench":
            suite["workloads"] = list(found)
    if spec.ram not in RAM_SIZINGS:
        raise ConfigError(f"unknown RAM sizing '{spec.ram}'; known: {', '.join(RAM_SIZINGS)} (module: a board "
                          f"runtime's memory that runs out is sized from what the module needs; profile: the "
                          f"device profile's fixed sizes only; small: module, and the linear memory its data needs)")
    if spec.host_baseline not in HOST_BASELINES:
        raise ConfigError(f"unknown host baseline '{spec.host_baseline}'; known: {', '.join(HOST_BASELINES)} (o2: "
                          "-O2 as everywhere; o3: the optimisation of the AOT compilers; o3-native: also for this CPU)")
    if spec.host_baseline != "o2":
        all_workloads = {k: dataclasses.replace(w, host_baseline=spec.host_baseline) for k, w in all_workloads.items()}
    all_devices = discover_devices(spec.device_dirs)
    wls = workloads_mod.parse_specs(spec.workloads, all_workloads, suite.get("workloads"))
    # languages: as asked; else the suite's; else every language each workload has
    if spec.langs:
        langs = [x.strip() for x in spec.langs.split(",") if x.strip()]
    elif spec.workloads is None and "langs" in suite:
        langs = suite["langs"]
    else:
        langs = list(workloads_mod.LANGUAGES)
    for lang in langs:
        if lang not in workloads_mod.LANGUAGES:
            raise ConfigError(f"unknown language '{lang}'; known: {', '.join(workloads_mod.LANGUAGES)}")
    devs = devices_mod.parse(spec.devices, all_devices, suite.get("devices", ["host"]))
    explicit = runtimes_mod.parse(spec.runtimes, []) if spec.runtimes else None
    builds = [b.strip() for b in (spec.build or "o2").split(",") if b.strip()]
    for b in builds:
        if b not in BUILD_MODES:
            raise ConfigError(f"unknown build mode '{b}'; known: {', '.join(BUILD_MODES)} (o2: the same -O2 "
                              "everywhere; sdk: each board's vendor-SDK default)")
    ccs = [c.strip() for c in spec.firmware_cc.split(",") if c.strip()] if spec.firmware_cc else [None]
    for c in ccs:
        if c is not None and c not in FIRMWARE_CCS:
            raise ConfigError(f"unknown firmware compiler '{c}'; known: {', '.join(FIRMWARE_CCS)} (the compiler of "
                              "the kernel and the runtime libraries on the boards)")
    cells, seen = [], set()
    for dev in devs:
        # the runtimes each backend runs when the user names none are declared by the runtimes
        # (a named runtime that a backend cannot run becomes an `unsupported` cell, with the reason)
        named = suite.get("runtimes", {}).get(dev.backend)
        rts = explicit or (runtimes_mod.parse(",".join(named), []) if named else runtimes_mod.defaults(dev.backend))
        for wl, n in wls:
            for lang in langs:
                if lang not in wl.sources:
                    continue
                for rt in rts:
                    for b in builds:
                        # the firmware compiler is a board's choice: host cells keep the mode alone
                        for c in (ccs if dev.backend != "host" else [None]):
                            cell = Cell(wl.name, n, lang, rt, dev.name, b if c is None else f"{b}+{c}")
                            if cell not in seen:
                                seen.add(cell)
                                cells.append(cell)
    return cells, all_workloads, all_devices
