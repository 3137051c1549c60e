"""The runtime registry: every runtime declares itself once, here or in another package.

A runtime is a :class:`wasmcu.runtimes.base.Runtime` subclass whose class attributes say
everything wasmcu needs to know about it (name, execution mode, where it runs, whether it is
in the default set; methods: availability, host measurement, firmware parts). wasmcu's own
runtimes register with the :func:`register` decorator; another package adds one without
editing wasmcu through a Python entry point in the group ``wasmcu.runtimes``::

    [project.entry-points."wasmcu.runtimes"]
    my-runtime = "my_package.module:MyRuntime"

The entry point names a Runtime subclass (instantiated without arguments), an instance, or a
list of either. Plan, doctor, `wasmcu list` and the backends read only this registry.

A runtime family may also declare runtimes from the user's config file (the builds of a
source tree the user registered, such as `wasm3@0.9.0` or `wamr-classic@2.4.5`): a
*provider* (:meth:`Registry.add_provider`) returns them, and the registry asks it again
whenever the config file changes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from ..errors import ConfigError
from ..model import EXECUTION_MODES

GROUP = "wasmcu.runtimes"
PLACES = ("host", "firmware")
# where each backend runs a runtime: the host backend on this computer, the emulated and
# real boards inside a firmware image
BACKEND_PLACE = {"host": "host", "qemu": "firmware", "board": "firmware"}


def check(rt, origin: str) -> None:
    """A runtime's declaration is complete and consistent; else a ConfigError saying what to fix."""
    from .base import Runtime

    if not isinstance(rt, Runtime):
        raise ConfigError(f"{origin}: {rt!r} is not a wasmcu.runtimes.base.Runtime (subclass it, or return an "
                          "instance of a subclass)")
    where = f"{origin}: runtime {rt.name!r}" if rt.name else origin
    if not isinstance(rt.name, str) or not rt.name or "," in rt.name or rt.name != rt.name.strip():
        raise ConfigError(f"{origin}: invalid runtime name {rt.name!r}",
                          expected="a non-empty name without commas or surrounding spaces, e.g. 'wasm3'")
    if rt.mode not in EXECUTION_MODES:
        raise ConfigError(f"{where}: invalid mode {rt.mode!r}", expected="one of " + ", ".join(EXECUTION_MODES))
    if not rt.where or any(p not in PLACES for p in rt.where):
        raise ConfigError(f"{where}: invalid where {rt.where!r}",
                          expected="a tuple of " + " and/or ".join(repr(p) for p in PLACES))
    if "firmware" in rt.where and not rt.firmware_glue:
        raise ConfigError(f"{where}: runs in firmware but names no firmware_glue",
                          expected="the path of the glue C file implementing backends/firmware/wasmcu_fw.h, e.g. "
                                   "Path(__file__).with_name('glue.c')")
    if rt.firmware_glue and not Path(rt.firmware_glue).is_absolute():
        raise ConfigError(f"{where}: firmware_glue {str(rt.firmware_glue)!r} is not an absolute path",
                          expected="the path of the glue C file, e.g. Path(__file__).with_name('glue.c')")
    default = rt.default
    if not isinstance(default, bool) and (not isinstance(default, (tuple, list)) or
                                          any(b not in BACKEND_PLACE for b in default)):
        raise ConfigError(f"{where}: invalid default {default!r}",
                          expected="True, False or a tuple of backends (" + ", ".join(BACKEND_PLACE) + ")")


class Registry(Mapping):
    """Runtimes by name, in registration order: wasmcu's own, then the entry points' (loaded
    on first use)."""

    def __init__(self) -> None:
        self._runtimes: dict = {}
        self._origins: dict[str, str] = {}
        self._plugins_loaded = False
        self._providers: list = []
        self._provided: list[str] = []
        self._provided_key = None

    def add_provider(self, provider) -> None:
        """`provider()` returns runtimes declared by the user's config file (asked again when it changes)."""
        self._providers.append(provider)
        self._provided_key = None

    def _refresh_provided(self) -> None:
        from .. import config

        f = config.config_file()
        key = (str(f), f.stat().st_mtime_ns if f else 0, len(self._providers))
        if key == self._provided_key:
            return
        self._provided_key = key
        for name in self._provided:
            self._runtimes.pop(name, None)
            self._origins.pop(name, None)
        self._provided = []
        for provider in self._providers:
            for rt in provider():
                self.add(rt, f"the config file {f}")
                self._provided.append(rt.name)

    def add(self, rt, origin: str = "wasmcu") -> None:
        check(rt, origin)
        if rt.name in self._runtimes and self._origins[rt.name] != origin:
            raise ConfigError(f"{origin}: runtime {rt.name!r} is already declared by {self._origins[rt.name]}",
                              expected="a name no other runtime uses (see `wasmcu list runtimes`)")
        self._runtimes[rt.name] = rt
        self._origins[rt.name] = origin

    def origin(self, name: str) -> str:
        self._load_plugins()
        return self._origins[name]

    def _load_plugins(self) -> None:
        if self._providers:
            self._refresh_provided()
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        from importlib.metadata import entry_points

        try:
            eps = entry_points(group=GROUP)
        except TypeError:  # Python < 3.10 API
            eps = entry_points().get(GROUP, [])
        seen = set()
        for ep in sorted(eps, key=lambda e: (e.name, e.value)):
            if (ep.name, ep.value) in seen:  # the same distribution found twice on sys.path
                continue
            seen.add((ep.name, ep.value))
            dist = getattr(getattr(ep, "dist", None), "name", None)
            origin = f"entry point {ep.name} = {ep.value} (group {GROUP}" + (f", package {dist})" if dist else ")")
            try:
                obj = ep.load()
            except Exception as exc:
                raise ConfigError(f"{origin}: cannot be loaded: {type(exc).__name__}: {exc}",
                                  expected="an importable module:attribute naming a Runtime subclass") from exc
            for rt in _instances(obj, origin):
                check(rt, origin)
                if ep.name != rt.name and not isinstance(obj, (list, tuple)):
                    raise ConfigError(f"{origin}: the entry point is named {ep.name!r} but declares runtime "
                                      f"{rt.name!r}", expected="the entry point named after the runtime")
                self.add(rt, origin)

    def __getitem__(self, name: str):
        self._load_plugins()
        return self._runtimes[name]

    def __iter__(self) -> Iterator[str]:
        self._load_plugins()
        return iter(list(self._runtimes))

    def __len__(self) -> int:
        self._load_plugins()
        return len(self._runtimes)

    def get_runtime(self, name: str):
        self._load_plugins()
        try:
            return self._runtimes[name]
        except KeyError:
            raise ConfigError(f"unknown runtime '{name}'; known: {', '.join(self._runtimes)} (a runtime from another "
                              f"package needs its entry point in group '{GROUP}' installed)") from None

    def defaults(self, backend: str) -> list[str]:
        """The runtimes a backend runs when the user names none, in registration order."""
        return [rt.name for rt in self.values() if runs_on(rt, backend) and
                (rt.default is True or (not isinstance(rt.default, bool) and backend in rt.default))]


def runs_on(rt, backend: str) -> bool:
    return BACKEND_PLACE.get(backend) in rt.where


def _instances(obj, origin: str) -> list:
    from .base import Runtime

    if isinstance(obj, (list, tuple)):
        return [x for item in obj for x in _instances(item, origin)]
    if isinstance(obj, type):
        if not issubclass(obj, Runtime):
            raise ConfigError(f"{origin}: {obj.__name__} is not a subclass of wasmcu.runtimes.base.Runtime")
        try:
            return [obj()]
        except TypeError as exc:
            raise ConfigError(f"{origin}: {obj.__name__}() failed: {exc}",
                              expected="a Runtime subclass that takes no constructor arguments") from exc
    return [obj]


REGISTRY = Registry()


def register(obj):
    """Class decorator (or call on an instance): declare a runtime of wasmcu's own."""
    for rt in _instances(obj, f"{getattr(obj, '__module__', 'wasmcu')}.{getattr(obj, '__name__', obj)}"):
        REGISTRY.add(rt, "wasmcu")
    return obj
