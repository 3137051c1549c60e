"""The package's structure: no import cycles and the layer order of the design notes.

Every module of src/wasmcu is parsed with `ast`; every import counts, at any depth (an import
inside a function that dodges a cycle is still a cycle), relative ones included. A module
that imports a submodule of its own package's `__init__`, while that `__init__` imports it,
is a cycle too: submodules import their siblings, never their package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "wasmcu"

# Layers, lowest first (docs/development.md, "Layers"): a module imports only modules of its own
# layer or of a lower one. The first matching prefix decides; a module no prefix matches is
# taken as a top-level one (nothing below may import it).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("wasmcu._version", "wasmcu.errors", "wasmcu.model")),
    ("support", ("wasmcu.tools", "wasmcu.protocol", "wasmcu.config", "wasmcu.store",
                 "wasmcu.provenance", "wasmcu.env", "wasmcu.bounded", "wasmcu.runstate", "wasmcu.portable")),
    ("measure", ("wasmcu.measure",)),
    ("data", ("wasmcu.workloads", "wasmcu.devices")),
    ("toolchains", ("wasmcu.toolchains",)),
    ("runtimes", ("wasmcu.runtimes", "wasmcu.chips")),
    ("backends", ("wasmcu.backends", "wasmcu.worker")),
    ("executors", ("wasmcu.executors", "wasmcu.farm")),
    ("commands", ("wasmcu.bench", "wasmcu.plan", "wasmcu.validate", "wasmcu.calibrate", "wasmcu.doctor", "wasmcu.report",
                  "wasmcu.board_check")),
    # the package root is the public API (wasmcu.bench, wasmcu.load, ...): nothing imports it
    ("interface", ("wasmcu.cli", "wasmcu.__main__", "wasmcu.api", "wasmcu")),
]
RANK = {name: i for i, (name, _) in enumerate(LAYERS)}


def layer_of(module: str) -> str:
    best, best_len = LAYERS[-1][0], -1
    for name, prefixes in LAYERS:
        for p in prefixes:
            matches = module == p or (p != "wasmcu" and module.startswith(p + "."))
            if matches and len(p) > best_len:
                best, best_len = name, len(p)
    return best


def modules(root: Path = SRC) -> dict[str, tuple[Path, bool]]:
    """Module name -> (file, is a package's __init__)."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        out[".".join(parts)] = (path, is_pkg)
    return out


def import_graph(root: Path = SRC) -> dict[str, dict[str, int]]:
    """Module -> {module it imports: line of the first such import}, inside wasmcu only."""
    mods = modules(root)

    def known(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, dict[str, int]] = {}
    for name, (path, is_pkg) in mods.items():
        package = name if is_pkg else name.rpartition(".")[0]
        edges: dict[str, int] = {}
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [known(a.name) for a in node.names if a.name.split(".")[0] == "wasmcu"]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[:len(base) - (node.level - 1)]
                    full = ".".join(base) + (f".{node.module}" if node.module else "")
                else:
                    full = node.module or ""
                if full.split(".")[0] != "wasmcu":
                    continue
                # `from PKG import name`: the submodule PKG.name when there is one, else PKG itself
                targets = [f"{full}.{a.name}" if f"{full}.{a.name}" in mods else known(full) for a in node.names]
            for t in targets:
                if t and t != name:
                    edges.setdefault(t, node.lineno)
        graph[name] = edges
    return graph


def find_cycle(graph: dict[str, dict[str, int]]) -> list[str] | None:
    """One cycle of the graph as [a, b, ..., a], or None."""
    state: dict[str, int] = {}   # 1: on the current path, 2: done
    path: list[str] = []

    def visit(v: str) -> list[str] | None:
        state[v] = 1
        path.append(v)
        for w in sorted(graph.get(v, {})):
            if state.get(w) == 1:
                return path[path.index(w):] + [w]
            if w not in state:
                found = visit(w)
                if found:
                    return found
        path.pop()
        state[v] = 2
        return None

    for v in sorted(graph):
        if v not in state:
            found = visit(v)
            if found:
                return found
    return None


def describe(cycle: list[str], graph) -> str:
    mods = modules()
    steps = [f"{a} -> {b}   ({mods[a][0].relative_to(SRC.parent)}:{graph[a][b]})" for a, b in zip(cycle, cycle[1:])]
    return "import cycle:\n  " + "\n  ".join(steps)


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_the_graph_sees_every_kind_of_import(graph):
    """The parser finds imports inside functions, relative ones and `from PKG import module`."""
    assert "wasmcu.executors.cluster" in graph["wasmcu.bench"]    # inside run_bench
    assert "wasmcu.measure.cycles" in graph["wasmcu.devices.schema"]  # inside functions, two dots
    assert "wasmcu.devices.layers" in graph["wasmcu.devices"]     # from .layers import ...
    assert "wasmcu.runtimes.registry" in graph["wasmcu.runtimes"]  # from .registry import ...
    assert "wasmcu.tools" in graph["wasmcu.doctor"]                # from . import tools
    assert "wasmcu.backends.board" in graph["wasmcu.doctor"]       # from .backends import board (in a function)


def test_no_import_cycles(graph):
    cycle = find_cycle(graph)
    assert cycle is None, describe(cycle, graph)


def test_a_planted_cycle_is_found(tmp_path):
    pkg = tmp_path / "wasmcu"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .sub import b\n")
    (pkg / "sub" / "__init__.py").write_text("def f():\n    from . import b\n")
    (pkg / "sub" / "b.py").write_text("def g():\n    from ..a import x\n")
    g = import_graph(pkg)
    assert find_cycle(g) == ["wasmcu.a", "wasmcu.sub.b", "wasmcu.a"]
    (pkg / "a.py").write_text("import wasmcu.sub\n")
    (pkg / "sub" / "b.py").write_text("from . import f\n")  # the package's __init__, which imports b
    assert find_cycle(import_graph(pkg)) == ["wasmcu.sub", "wasmcu.sub.b", "wasmcu.sub"]


def test_layers_point_down(graph):
    """A module imports only modules of its own layer or a lower one (docs/development.md)."""
    wrong = []
    mods = modules()
    for name, edges in sorted(graph.items()):
        for target, line in sorted(edges.items()):
            if RANK[layer_of(target)] > RANK[layer_of(name)]:
                wrong.append(f"{name} ({layer_of(name)}) imports {target} ({layer_of(target)}) at "
                             f"{mods[name][0].relative_to(SRC.parent)}:{line}")
    assert not wrong, "imports against the layer order:\n  " + "\n  ".join(wrong)


@pytest.mark.parametrize("lower, higher", [
    ("wasmcu.backends", ("wasmcu.bench", "wasmcu.cli", "wasmcu.executors", "wasmcu.validate")),
    ("wasmcu.executors", ("wasmcu.bench", "wasmcu.cli", "wasmcu.plan")),
    ("wasmcu.runtimes", ("wasmcu.chips",)),
    ("wasmcu.chips", ("wasmcu.runtimes",)),
    ("wasmcu.runtimes", ("wasmcu.backends", "wasmcu.bench", "wasmcu.plan")),
    ("wasmcu.toolchains", ("wasmcu.runtimes", "wasmcu.chips", "wasmcu.backends")),
    ("wasmcu.devices", ("wasmcu.runtimes", "wasmcu.toolchains", "wasmcu.backends")),
    ("wasmcu.report", ("wasmcu.bench", "wasmcu.cli", "wasmcu.backends", "wasmcu.executors")),
    ("wasmcu.measure", ("wasmcu.devices", "wasmcu.runtimes", "wasmcu.backends", "wasmcu.bench")),
])
def test_named_layers_do_not_import_upwards(graph, lower, higher):
    bad = [f"{m} imports {t}" for m, edges in graph.items() if m == lower or m.startswith(lower + ".")
           for t in edges if any(t == h or t.startswith(h + ".") for h in higher)]
    assert not bad, "\n".join(bad)


def test_the_rp2040js_helpers_are_in_the_rp2040s_folder_below_validate(graph):
    assert "wasmcu.chips.rp2040.emulator" in graph["wasmcu.chips.rp2040.flashers"]
    assert "wasmcu.chips.rp2040.emulator" in graph["wasmcu.validate"]
    assert layer_of("wasmcu.chips.rp2040.emulator") == "runtimes"


def test_the_report_modules_form_a_tree(graph):
    """Inside the report: no cycle, and the shared bases (plotting, Markdown escaping, ratios to
    native) import no other report module."""
    report = {m: {t: ln for t, ln in e.items() if t.startswith("wasmcu.report")}
              for m, e in graph.items() if m.startswith("wasmcu.report")}
    cycle = find_cycle(report)
    assert cycle is None, describe(cycle, graph)
    assert not report["wasmcu.report.plot"] and not report["wasmcu.report.markdown"]
    assert not report["wasmcu.report.ratios"]
    assert not report["wasmcu.report.tables"].keys() - {"wasmcu.report.modes", "wasmcu.report.markdown",
                                                        "wasmcu.report.ratios"}


def test_every_module_states_its_one_job_in_its_docstrings_first_line():
    """A module's docstring opens with one line, a sentence, saying what the module is for."""
    wrong = []
    for name, (path, _) in sorted(modules().items()):
        doc = ast.get_docstring(ast.parse(path.read_text()), clean=False)
        lines = doc.strip().splitlines() if doc else []
        first = lines[0].strip() if lines else ""
        if not first:
            wrong.append(f"{name}: no docstring")
        elif not first.endswith((".", ":", "?")) or len(first) > 120 or (len(lines) > 1 and lines[1].strip()):
            wrong.append(f"{name}: {first!r} (one line of at most 120 characters, a sentence, then a blank line)")
    assert not wrong, "module docstrings:\n  " + "\n  ".join(wrong)
