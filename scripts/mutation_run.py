"""Runs mutmut module by module, cheapest module first, and records each module's time.

Used by scripts/mutation.sh. Arguments: the modules to run, as paths under src/ (`wasmcu/plan.py`,
`src/wasmcu/plan.py`) or globs (`wasmcu/report/*`); none means every module [tool.mutmut]
mutates. The first module run makes the mutants and collects which tests call which function
(mutmut keeps both in mutants/); the others reuse them. Each module's wall-clock time goes to
mutants/times.json for scripts/mutation_report.py.

Without modules (a whole run, or `--continue`), one mutmut call runs every mutant without a
result, so no module pays mutmut's start-up (listing the tests: about half a minute) of its own;
the report then gives each module's test time. `--continue MODULE...` runs those of the modules
with mutants not run yet. MUTATION_BUDGET=SECONDS stops the run after that much time (a whole run
at once, a module run before the next module), keeping the results so far.

MUTATION_SAMPLE=N (`scripts/mutation.sh --sample N`) runs a fixed random sample of at most N
mutants per module (MUTATION_SEED=TEXT: another draw): the size and seed go to mutants/sample.json,
which `--continue` and the report read."""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from mutmut_wasmcu import current as lines_current  # noqa: E402  (beside this script)
MUTANTS = ROOT / "mutants"
TIMES = MUTANTS / "times.json"
SAMPLE = MUTANTS / "sample.json"   # a sampled run's settings, for --continue and the report
MUTMUT = [sys.executable, str(ROOT / "scripts" / "mutmut_wasmcu.py")]   # mutmut as run here


def configured() -> list[str]:
    """Every module [tool.mutmut] mutates, as paths under src/ (wasmcu/plan.py)."""
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "src").rglob("*.py"))
    keep = [f for f in files if any(fnmatch.fnmatch(f, g) for g in conf.get("only_mutate", ["*"]))
            and not any(fnmatch.fnmatch(f, g) for g in conf.get("do_not_mutate", []))]
    return [f[len("src/"):] for f in keep]


def select(args: list[str]) -> list[str]:
    """The configured modules the arguments name (all of them when there are none)."""
    every = configured()
    if not args:
        return every
    chosen, unknown = [], []
    for arg in args:
        arg = arg.removeprefix("src/")
        hits = [m for m in every if fnmatch.fnmatch(m, arg)]
        if not hits:
            unknown.append(arg)
        chosen += [m for m in hits if m not in chosen]
    if unknown:
        sys.exit(f"mutation: not a mutated module: {', '.join(unknown)} (the modules are src/wasmcu/**.py "
                 "as paths under src/, e.g. wasmcu/plan.py or 'wasmcu/report/*'; "
                 "[tool.mutmut] do_not_mutate in pyproject.toml lists the excluded ones)")
    return chosen


def dotted(module: str) -> str:
    """wasmcu/report/__init__.py -> wasmcu.report; wasmcu/plan.py -> wasmcu.plan."""
    name = module[: -len(".py")].replace("/", ".")
    return name.removesuffix(".__init__")


def patterns(module: str) -> list[str]:
    """mutmut's names of this module's mutants: functions are x_NAME, methods xǁCLASSǁNAME."""
    return [f"{dotted(module)}.x_*", f"{dotted(module)}.xǁ*"]


def cost(module: str) -> float:
    """Estimated seconds of tests for all of the module's mutants (from mutmut's stats)."""
    meta = MUTANTS / "src" / (module + ".meta")
    stats = MUTANTS / "mutmut-stats.json"
    if not meta.is_file() or not stats.is_file():
        return float("inf")
    data = json.loads(stats.read_text())
    tests, durations = data.get("tests_by_mangled_function_name", {}), data.get("duration_by_test", {})
    total = 0.0
    for key in json.loads(meta.read_text())["exit_code_by_key"]:
        function = key.rsplit("__mutmut_", 1)[0]
        total += sum(durations.get(t, 0.0) for t in tests.get(function, ()))
    return total


def run_one(module: str, jobs: str, log) -> tuple[int, float]:
    """mutmut on one module's mutants; its exit status and wall-clock seconds."""
    start = time.monotonic()
    print(f"mutation: {module}", file=sys.stderr, flush=True)
    log.write(f"\n===== {module}\n")
    log.flush()
    proc = subprocess.run([*MUTMUT, "run", "--max-children", jobs, *patterns(module)],
                          cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    return proc.returncode, time.monotonic() - start


def has_mutants(module: str) -> bool:
    """False for a module mutmut made no mutant of (only constants, or only imports)."""
    meta = MUTANTS / "src" / (module + ".meta")
    return meta.is_file() and bool(json.loads(meta.read_text())["exit_code_by_key"])


def unfinished(module: str) -> bool:
    """True when some of the module's mutants have no result yet (or it was never made)."""
    meta = MUTANTS / "src" / (module + ".meta")
    return not meta.is_file() or any(c is None for c in json.loads(meta.read_text())["exit_code_by_key"].values())


def run_all(jobs: str, budget: float, log) -> int:
    """One mutmut call for every mutant without a result (a whole run: no start-up per module;
    mutmut runs the mutants needing the least test time first). Stopped like Ctrl-C once
    `budget` seconds have passed: the results so far are kept, --continue runs the rest."""
    log.write("\n===== every module\n")
    log.flush()
    # SIGINT as Ctrl-C is what mutmut stops on, keeping its results; a shell ignores it in a
    # command it starts in the background, and mutmut would inherit that: it is restored here
    proc = subprocess.Popen([*MUTMUT, "run", "--max-children", jobs], cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        return proc.wait(timeout=None if budget == float("inf") else budget)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:   # the mutants running are lost, the results so far are kept
            proc.terminate()
            proc.wait()
        print("mutation: MUTATION_BUDGET spent; scripts/mutation.sh --continue runs the mutants left", file=sys.stderr)
        return 0


def main(args: list[str]) -> int:
    resume = "--continue" in args
    named = [a for a in args if a != "--continue"]
    modules = select(named)
    if resume:
        modules = [m for m in modules if unfinished(m)]
    jobs = os.environ.get("MUTATION_JOBS", "1")
    try:
        budget = float(os.environ.get("MUTATION_BUDGET") or "inf")
    except ValueError:
        sys.exit(f"mutation: MUTATION_BUDGET={os.environ['MUTATION_BUDGET']!r} is not a number of seconds")
    began = time.monotonic()
    if (MUTANTS / "mutmut-stats.json").is_file() and not lines_current(ROOT):
        # mutmut would measure the lines the tests run on its own copy, mutated by now
        print("mutation: sources or tests changed since mutants/ was made: starting from scratch", file=sys.stderr)
        shutil.rmtree(MUTANTS)
    MUTANTS.mkdir(exist_ok=True)
    if os.environ.get("MUTATION_SAMPLE"):
        text = os.environ["MUTATION_SAMPLE"]
        if not text.isdigit() or int(text) < 1:
            sys.exit(f"mutation: MUTATION_SAMPLE={text!r} is not a number of mutants per module (1 or more)")
        SAMPLE.write_text(json.dumps({"per_module": int(text), "seed": os.environ.get("MUTATION_SEED", "")}))
    elif resume and SAMPLE.is_file():   # the same sample
        sample = json.loads(SAMPLE.read_text())
        os.environ["MUTATION_SAMPLE"] = str(sample["per_module"])
        os.environ["MUTATION_SEED"] = sample.get("seed", "")
    times = json.loads(TIMES.read_text()) if TIMES.is_file() else {}
    failed = []
    with open(MUTANTS / "run.log", "a") as log:
        if not named:   # every module: one mutmut call
            code = run_all(jobs, budget, log)
            return 0 if code == 0 else 1
        todo = list(modules)
        while todo:
            # cheapest first: a caught mutant costs the cheapest test, a module the least time
            todo.sort(key=lambda m: (cost(m), m))
            if time.monotonic() - began > budget:
                print(f"mutation: MUTATION_BUDGET spent; not run: {' '.join(todo)} "
                      "(scripts/mutation.sh --continue runs them)", file=sys.stderr)
                break
            module = todo.pop(0)
            if (MUTANTS / "mutmut-stats.json").is_file() and not has_mutants(module):
                continue
            code, seconds = run_one(module, jobs, log)
            if code != 0 and has_mutants(module):
                failed.append(module)
            times[module] = round(seconds, 1)
            TIMES.write_text(json.dumps(times, indent=1, sort_keys=True))
    if failed:
        print(f"mutation: mutmut failed on {', '.join(failed)} (log in mutants/run.log)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
