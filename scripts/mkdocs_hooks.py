"""MkDocs hook: the tables the code already knows, generated from the registries and the device
files when the site is built, so that they cannot drift from the code.

A page asks for a table with a marker on a line of its own, for example::

    <!-- wasmcu-table: runtimes -->

The tables are in TABLES below. An unknown name is an error, which fails the build.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MARKER = re.compile(r"^<!--\s*wasmcu-table:\s*([a-z0-9-]+)\s*-->\s*$", re.M)


def _md(text) -> str:
    """A value as it goes in a Markdown table cell."""
    return "–" if text is None or text == "" else str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list], align: str | None = None) -> str:
    align = align or "l" * len(header)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _size(n: int | None) -> str | None:
    if not n:
        return None
    if n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MiB"
    return f"{n / 1024:g} KiB"


def _mhz(hz: int | None) -> str | None:
    return f"{hz / 1e6:g} MHz" if hz else None


def runtimes_table() -> str:
    """Every runtime of the registry: its execution mode, where it runs, where it is a default."""
    from wasmcu.runtimes import RUNTIMES

    rows = []
    for rt in RUNTIMES.values():
        default = [b for b in ("host", "qemu", "board") if rt.name in RUNTIMES.defaults(b)]
        sizes = ", ".join(f"`{k}` = {v[0]:,}" for k, v in sorted((getattr(rt, "firmware_sizes", None) or {}).items()))
        rows.append([f"`{rt.name}`", rt.mode, ", ".join(rt.where), ", ".join(default) or "–", sizes or None,
                     rt.summary])
    return _table(["runtime", "mode", "runs on", "default on", "firmware sizes (bytes)", "what it is"], rows)


def error_kinds_table() -> str:
    """The failure kinds a cell can record (wasmcu.model.ERROR_KINDS)."""
    from wasmcu.model import ERROR_KINDS

    return _table(["kind", "what failed"], [[f"`{k}`", v] for k, v in ERROR_KINDS.items()])


def chips_table() -> str:
    """Every chip of the registry: its architecture, memory map, image format, flashers and timer."""
    from wasmcu.chips import CHIPS

    rows = [[f"`{c.name}`", c.arch, f"{c.flash:#010x} ({_size(c.flash_size)})", f"{c.ram:#010x} ({_size(c.ram_size)})",
             c.image, ", ".join(f"`{f}`" for f in c.flashers), c.timer] for c in CHIPS.values()]
    return _table(["chip", "arch", "image in flash", "RAM", "image", "flashers (default first)", "timer"], rows)


def modes_table() -> str:
    """The execution modes, in the order the report shows them, with their runtimes."""
    from wasmcu.model import EXECUTION_MODES
    from wasmcu.runtimes import RUNTIMES

    meaning = {"native": "the kernel compiled for the target, no WebAssembly",
               "aot": "the module compiled ahead of time, before the run, on the build machine",
               "jit": "the module compiled just in time, while loading, on the target",
               "interpreter": "the module interpreted"}
    return _table(["mode", "meaning", "runtimes"],
                  [[m, meaning.get(m), ", ".join(f"`{rt.name}`" for rt in RUNTIMES.values() if rt.mode == m)]
                   for m in EXECUTION_MODES])


def _devices():
    from wasmcu.devices import discover

    return discover([])


def devices_table() -> str:
    """Every built-in device: backend, core, clock and memories."""
    rows = []
    for d in _devices().values():
        machine = d.section("qemu").get("machine") if d.backend == "qemu" else None
        rows.append([f"`{d.name}`", d.backend, d.core, d.arch if d.backend != "host" else None, _mhz(d.clock_hz),
                     _size(d.flash_bytes), _size(d.ram_bytes), machine and f"`{machine}`", d.description])
    return _table(["device", "backend", "core", "arch", "clock", "flash", "RAM", "QEMU machine", "description"], rows)


def device_sources_table() -> str:
    """Where each device's clock and memory figures come from."""
    rows = []
    for d in _devices().values():
        clock, memory = d.section("clock"), d.section("memory")
        if not clock and not memory:
            continue
        others = [_mhz(hz) for hz in clock.get("options_hz", []) or [] if hz != d.clock_hz]
        rows.append([f"`{d.name}`", _mhz(d.clock_hz) + (f" (also {', '.join(others)})" if others else ""),
                     clock.get("source"), memory.get("source")])
    return _table(["device", "clock", "clock: source", "flash and RAM: source"], rows)


def _cost_text(c) -> str:
    if c.low == c.high == c.value:
        return f"{c.value:g}"
    return f"{c.value:g} [{c.low:g}–{c.high:g}]"


def cost_tables() -> str:
    """Each emulated device's merged cost table: every event's cycles, the range the documents
    allow and why, and the sources."""
    from wasmcu.measure.cycles import COSTS

    parts = []
    for d in _devices().values():
        if d.backend != "qemu" or "cycle_model" not in d.data:
            continue
        model = d.cycle_model
        rows = [[f"`{key}`", COSTS[key][1], _cost_text(c), c.why] for key, c in model.costs.items()]
        parts.append(f"### `{d.name}` ({d.core}, {_mhz(d.clock_hz)})\n\n"
                     + _table(["cost", "event", "cycles [low–high]", "why a range"], rows, "llrl")
                     + f"\nSources: {_md(model.source)}\n")
    return "\n".join(parts)


def power_table() -> str:
    """The power model of each device that has one: the scope used, current and voltage, with sources."""
    rows = []
    for d in _devices().values():
        power = d.section("power")
        if not power:
            continue
        scope = power.get("scope", "board")
        for name in ("board", "soc"):
            table = power.get(name)
            if not isinstance(table, dict):
                continue
            current = table.get("current_ma")
            if isinstance(current, dict):
                text = f"{current['value']:g} [{current['low']:g}–{current['high']:g}]"
            else:
                text = None if current is None else f"{current:g}"
            rows.append([f"`{d.name}`", name + (" (used)" if name == scope else ""), text,
                         table.get("voltage_v"), table.get("source")])
    return _table(["device", "scope", "current mA [low–high]", "voltage V", "source"], rows, "llrrl")


def workloads_table() -> str:
    """Every built-in workload: default sizes, languages, the suites it is in."""
    from wasmcu.plan import SUITES
    from wasmcu.workloads import discover

    rows = []
    for w in discover([]).values():
        suites = [name for name, s in SUITES.items()
                  if any(spec.split(":")[0] == w.name for spec in s.get("workloads", []))]
        rows.append([f"`{w.name}`", ", ".join(f"{n:,}" for n in w.sizes), ", ".join(w.languages),
                     ", ".join(suites) or None, w.description])
    return _table(["workload", "default sizes n", "languages", "suites", "what it computes"], rows)


def suites_table() -> str:
    """The built-in suites (src/wasmcu/suites.toml)."""
    from wasmcu.plan import SUITES

    rows = [[f"`{name}`", ", ".join(f"`{w}`" for w in s.get("workloads", [])), ", ".join(s.get("langs", [])),
             ", ".join(s.get("devices", [])), s.get("description")] for name, s in SUITES.items()]
    return _table(["suite", "workloads", "languages", "devices", "description"], rows)


def _subcommands(parser):
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield name, helps.get(name), sub


def command_summary() -> str:
    """One line per command of the CLI, from its own parser."""
    from wasmcu.cli import build_parser

    rows = []

    def walk(prefix, parser, summary):
        nested = list(_subcommands(parser))
        if not nested:
            rows.append([f"`{prefix}`", summary])
        for name, help_text, sub in nested:
            walk(f"{prefix} {name}", sub, help_text)

    walk("wasmcu", build_parser(), None)
    return _table(["command", "what it does"], rows)


def commands_reference() -> str:
    """Every command of the CLI with its options and their help, from the CLI's own parser."""
    import argparse

    import os

    from wasmcu.cli import build_parser

    os.environ["COLUMNS"] = "100"  # the width argparse wraps the usage lines at
    parts = []

    def describe(prefix: str, parser, summary) -> None:
        nested = list(_subcommands(parser))
        if nested:
            for name, help_text, sub in nested:
                describe(f"{prefix} {name}", sub, help_text)
            return
        lines = parser.format_usage().replace(" [-h]", "").removeprefix("usage: ").rstrip().split("\n")
        usage = "\n".join([lines[0]] + [line.removeprefix(" " * len("usage: ")) for line in lines[1:]])
        rows = []
        for action in parser._actions:
            if action.help == argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
                continue
            name = ", ".join(f"`{o}`" for o in action.option_strings) or f"`{action.metavar or action.dest}`"
            choices = f" (one of: {', '.join(map(str, action.choices))})" if action.choices else ""
            rows.append([name, (action.help or "") + choices])
        parts.append(f"### `{prefix}`\n\n{summary or ''}\n\n```\n{usage}\n```\n\n"
                     + (_table(["argument", "what it does"], rows) if rows else ""))

    for name, help_text, sub in _subcommands(build_parser()):
        describe(f"wasmcu {name}", sub, help_text)
    return "\n".join(parts)


def experiment_keys() -> str:
    """The keys of an experiment file (`wasmcu bench --config FILE`), from the code that reads it."""
    from wasmcu.plan import SPEC_KEYS

    def kind(k) -> str:
        names = {"str": "a string", "int": "an integer", "float": "a number", "list": "a list of strings"}
        kinds = k if isinstance(k, tuple) else (k,)
        if float in kinds:
            return "a number"
        return " or ".join(names.get(t.__name__, t.__name__) for t in kinds)

    return _table(["key", "value"], [[f"`{key}`", kind(k)] for key, k in SPEC_KEYS.items()])


TABLES: dict[str, Callable[[], str]] = {
    "experiment-keys": experiment_keys,
    "commands": commands_reference,
    "command-summary": command_summary,
    "runtimes": runtimes_table,
    "modes": modes_table,
    "error-kinds": error_kinds_table,
    "chips": chips_table,
    "devices": devices_table,
    "device-sources": device_sources_table,
    "cost-tables": cost_tables,
    "power": power_table,
    "workloads": workloads_table,
    "suites": suites_table,
}


def expand(markdown: str, where: str = "a page") -> str:
    """The page with every table marker replaced by its table."""

    def table(match: re.Match) -> str:
        name = match.group(1)
        if name not in TABLES:
            raise ValueError(f"{where}: unknown table '{name}' (known: {', '.join(TABLES)})")
        return TABLES[name]()

    return MARKER.sub(table, markdown)


def on_page_markdown(markdown: str, page, config, files) -> str:  # the MkDocs hook
    return expand(markdown, page.file.src_uri)
