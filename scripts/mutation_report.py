"""Scores of the last `scripts/mutation.sh` run, per module, and the surviving mutants.

Reads mutmut's result files (mutants/**/*.py.meta) and each module's wall-clock time
(mutants/times.json, written by scripts/mutation_run.py); arguments restrict the report to
these modules (paths under src/ or globs, as for scripts/mutation.sh). A survivor listed with a reason in
scripts/mutation_survivors.txt is explained (equivalent, or deliberately untested); the others
are printed with their diff. A module's score is the usual mutation score: the share killed of
its mutants but the equivalent ones (explained as `equivalent`: no test can tell them from the
code); the raw share killed is shown beside it. Exit status 1 when a module's score is under GOAL.

After a sampled run (`scripts/mutation.sh --sample N`, mutants/sample.json) the shares are over
the module's mutants that ran, a random sample, with the score's 95 % interval."""

from __future__ import annotations

import fnmatch
import json
import math
import subprocess
import sys
from contextlib import chdir
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL = 0.80
KILLED = {1, 3, 36, 24, -24, 152, 255, 37}   # failing tests, a timeout, a crash: the mutant was caught
TIMEOUT = {36, 24, -24, 152, 255}   # stopped after 6x its tests' time plus 6 s (a machine busy
                                    # with other work can make a slow run look like one)
SURVIVED = {0}
NO_TESTS = {5, 33}


def explained() -> dict[str, str]:
    """mutant name -> why it is kept (lines `name  reason`; # comments)."""
    out = {}
    path = ROOT / "scripts" / "mutation_survivors.txt"
    for line in path.read_text().splitlines() if path.is_file() else []:
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, why = line.partition(" ")
            out[name] = why.strip()
    return out


def unrun_statements() -> dict[str, tuple[int, int]]:
    """module (src/wasmcu/plan.py) -> (statements, statements no fast test runs in the test process),
    from the lines mutmut's coverage run kept (scripts/mutmut_wasmcu.py); empty without them."""
    lines = ROOT / "mutants" / "covered-lines.json"
    if not lines.is_file():
        return {}
    from coverage.parser import PythonParser

    covered = json.loads(lines.read_text())["covered"]
    out = {}
    for path, run in covered.items():
        module = path.split("/mutants/", 1)[-1]
        source = ROOT / module
        if source.is_file():
            parser = PythonParser(text=source.read_text(), filename=str(source))
            parser.parse_source()
            statements = parser.statements
            out[module] = (len(statements), len(statements - set(run)))
    return out


def interval(killed: int, ran: int, mutants: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % interval of a module's score from `killed` of `ran` mutants drawn at random from
    its `mutants`: Wilson's score interval, each side narrowed towards the score by the
    finite-population correction (a point when every mutant ran)."""
    p = killed / ran
    if ran >= mutants:
        return p, p
    centre = (p + z * z / (2 * ran)) / (1 + z * z / ran)
    half = z * math.sqrt(p * (1 - p) / ran + z * z / (4 * ran * ran)) / (1 + z * z / ran)
    shrink = math.sqrt((mutants - ran) / (mutants - 1))   # each side, towards the score itself
    return p - (p - (centre - half)) * shrink, p + (centre + half - p) * shrink


def mutant_diff(name: str, module: str) -> str:
    """The diff of one mutant (`module`: its source file, src/wasmcu/plan.py), read in this process:
    a whole run has thousands of survivors, and `mutmut show` in a process of its own costs a
    second each."""
    try:
        from mutmut.mutation.diff_apply import get_diff_for_mutant
    except ImportError:   # another mutmut: its command
        return subprocess.run([sys.executable, "-m", "mutmut", "show", name], cwd=ROOT, capture_output=True,
                              text=True).stdout
    with chdir(ROOT):
        return get_diff_for_mutant(name, path=module)


def main(args: list[str]) -> int:
    metas = sorted((ROOT / "mutants").rglob("*.py.meta"))
    wanted = ["src/" + a.removeprefix("src/") for a in args if not a.startswith("--")]
    metas = [m for m in metas if not wanted or any(
        fnmatch.fnmatch(str(m.relative_to(ROOT / "mutants"))[: -len(".meta")], w) for w in wanted)]
    if not metas:
        print("no mutation results: run scripts/mutation.sh", file=sys.stderr)
        return 2
    times_file = ROOT / "mutants" / "times.json"
    times = json.loads(times_file.read_text()) if times_file.is_file() else {}
    why = explained()
    unrun = unrun_statements()
    sample_file = ROOT / "mutants" / "sample.json"
    sample = json.loads(sample_file.read_text()) if sample_file.is_file() else None
    rows, survivors, below, unreached, ran = [], [], [], [], set()
    for meta in metas:
        module = str(meta.relative_to(ROOT / "mutants"))[: -len(".meta")]
        data = json.loads(meta.read_text())
        codes = data["exit_code_by_key"]
        ran |= {name for name, code in codes.items() if code is not None}
        statements, not_run = unrun.get(module, (0, 0))
        if not codes and statements and not_run == statements:
            unreached.append(module)   # no line of it runs in a fast test: nothing was mutated
        if not codes or all(c is None for c in codes.values()):
            continue   # no mutant, or a module not run yet
        killed = sum(1 for c in codes.values() if c in KILLED or (c is not None and c < 0))
        alive = sorted(k for k, c in codes.items() if c in SURVIVED or c in NO_TESTS)
        untested = sum(1 for k in alive if codes[k] in NO_TESTS)
        unknown = len(codes) - killed - len(alive)
        kept = [k for k in alive if k in why]
        equivalent = sum(1 for k in kept if why[k].startswith("equivalent"))
        tried = len(codes) - unknown
        # a sample's score is over the mutants drawn; a stopped whole run's counts those not run yet
        # (the costly ones, not a random draw) as not killed
        raw = killed / tried if sample else killed / len(codes)
        score = killed / (tried - equivalent) if sample else killed / (len(codes) - equivalent)
        timeouts = sum(1 for c in codes.values() if c in TIMEOUT)
        seconds = times.get(module.removeprefix("src/"), 0.0)
        tests_s = sum(data.get("durations_by_key", {}).values())
        low, high = interval(killed, tried - equivalent, len(codes) - equivalent) if sample else (score, score)
        rows.append((module, len(codes), killed, timeouts, len(alive) - untested, untested, len(kept), equivalent,
                     unknown, not_run, statements, round(seconds), round(tests_s),
                     raw, score, f"{low:.0%}–{high:.0%}"))
        survivors += [(module, k, codes[k]) for k in alive]
        if score < GOAL:
            below.append(module)
    head = ("module", "mutants", "killed", "timeout", "survived", "no test", "explained", "equiv", "not run", "unrun st", "statemts", "seconds", "test s", "killed %", "score") + (("95 % int",) if sample else ())
    print(f"{head[0]:50} " + " ".join(f"{h:>9}" for h in head[1:]))
    for module, *counts, raw, score, span in rows:
        print(f"{module:50} " + " ".join(f"{c:9d}" for c in counts) + f" {raw:9.1%} {score:9.1%}" + (f" {span:>9}" if sample else ""))
    sums = [sum(r[i] for r in rows) for i in range(1, 13)]
    ran_all = sums[0] - sums[7] if sample else sums[0]
    print(f"{'all':50} " + " ".join(f"{c:9d}" for c in sums) + f" {sums[1] / ran_all:9.1%} {sums[1] / (ran_all - sums[6]):9.1%}")
    if sample:
        seed = f", seed {sample['seed']!r}" if sample.get("seed") else ""
        print(f"\nA sample: at most {sample['per_module']} mutants of each module, drawn at random{seed} (the same ones for "
              "the same code and seed); killed %: of those run; score: of those run but the equivalent ones, with its 95 % interval "
              "(Wilson's, finite-population corrected)")
    print("\n(timeout: counted in killed; equiv: the explained survivors that are equivalent mutants; no test: no fast test calls the mutated function in the test process; not run: the run was "
          "stopped before it, or an unexpected result; unrun st: of the module's statements (statemts), those no fast test runs in the test process, "
          "which are not mutated; seconds: the module's wall-clock time when run on its own, mutmut's start-up included; test s: the time its "
          "mutants' tests took)")
    if unreached:
        print(f"\nno fast test runs any statement of: {', '.join(unreached)}")
    # an explanation whose mutant was run and is no survivor is out of date: the code changed (and
    # with it mutmut's numbering of the function's mutants), or a test now catches it
    stale = sorted(set(why) & ran - {k for _, k, _ in survivors})
    if stale:
        print(f"\n{len(stale)} explanations in scripts/mutation_survivors.txt name no survivor now (remove them, "
              f"or explain the survivors they stood for again): {', '.join(stale)}")
    unexplained = [(m, k, c) for m, k, c in survivors if k not in why]
    if unexplained:
        print(f"\n{len(unexplained)} surviving mutants without an explanation:")
        for module, name, code in unexplained:
            label = "no test calls it" if code in NO_TESTS else "survived"
            print(f"\n--- {name} ({label})")
            diff = mutant_diff(name, module)
            print("\n".join(line for line in diff.splitlines() if line.startswith(("+", "-"))
                            and not line.startswith(("+++", "---"))))
    if below or unreached:
        if below:
            print(f"\nunder {GOAL:.0%} killed: {', '.join(below)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
