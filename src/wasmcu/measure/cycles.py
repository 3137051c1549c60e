"""Cycle estimates from event counts: the emulator counts, this module costs.

The QEMU plugin (backends/plugin/events.c) reports, per measured window, how many
instructions of each class ran and how many conditional branches were taken. A device
profile's `[cycle_model]` gives each event a cost in cycles, with its source; a cost that
the documents do not pin down is a range with the reason:

    [cycle_model]
    source = "Arm Cortex-M0+ TRM, table 3-1"
    alu = 1
    branch_taken = { value = 3, low = 2, high = 4, why = "pipeline refill P = 1..3" }

The estimate is linear in the costs (every coefficient is an event count, never negative),
so the low and high estimates are the counts costed with every low and every high value.
Because the counts are stored with each result, a new cost table re-estimates stored
results without running anything again (`wasmcu recost`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

# cost keys, what each multiplies, and what it means
COSTS = {
    "alu": ("alu - 2 * pair16", "data processing instruction (not in a dual-issue pair)"),
    "load": ("load", "load of one register"),
    "store": ("store", "store of one register"),
    "mul": ("mul", "multiply"),
    "div": ("div", "divide"),
    "branch_not_taken": ("branch - taken_branches", "conditional branch, not taken"),
    "branch_taken": ("taken_branches", "conditional branch, taken"),
    "jump": ("jump", "unconditional direct branch"),
    "call": ("call", "direct call (BL, JAL)"),
    "indirect": ("indirect", "indirect branch or return (BX, JALR, POP/LDR to pc costs apart)"),
    "multi_base": ("multi", "load/store multiple, PUSH, POP: fixed part"),
    "multi_per_reg": ("multi_regs", "load/store multiple: per register moved"),
    "pop_pc_extra": ("pop_pc", "POP or LDM that loads the pc: extra refill"),
    "fetch_wait": ("insns", "wait states per instruction fetch (cache hit or memory without a cache)"),
    "ifetch_miss": ("ifetch_miss", "instruction-cache line refill from flash"),
    "dfetch_miss": ("dfetch_miss", "data read from flash missing the cache: line refill"),
    "load_use": ("load_use", "stall of an instruction reading the register loaded just before (counted on RISC-V)"),
    "fp": ("fp", "floating-point add, multiply, move, compare or conversion (FPU)"),
    "fp_mac": ("fp_mac", "floating-point multiply-accumulate or fused multiply-add (FPU)"),
    "fp_div": ("fp_div", "floating-point divide or square root (FPU)"),
    "dual_pair": ("pair16", "two adjacent independent 16-bit data-processing instructions (Thumb), together: "
                            "1 when the core always issues them in one cycle, 2 when it never does; a table "
                            "without it costs the pair as two ALU instructions"),
}
# costs a core without an FPU leaves out: its code has no such instruction to count
FPU_COSTS = ("fp", "fp_mac", "fp_div")
# costs a table may leave out, and what stands in for them (a multiple of another cost)
DERIVED_COSTS = {"dual_pair": ("alu", 2)}
META_KEYS = ("source", "note")
EVENTS = ("insns", "alu", "load", "store", "mul", "div", "branch", "taken_branches", "jump", "call", "indirect",
          "multi", "multi_regs", "pop_pc", "push_lr", "compressed", "load_use", *FPU_COSTS, "pair16")
# events that results stored before they were counted lack (zero then)
OPTIONAL_EVENTS = ("compressed", "push_lr", "load_use", *FPU_COSTS, "pair16")
# memory-system events: counted only when the device has a [memory_system] (0 otherwise)
MEMORY_EVENTS = ("ifetch_hit", "ifetch_miss", "dfetch_hit", "dfetch_miss", "load_flash", "load_ram", "load_other")


@dataclass(frozen=True)
class Cost:
    value: float
    low: float
    high: float
    why: str | None = None


@dataclass(frozen=True)
class Estimate:
    cycles: int
    low: int
    high: int


@dataclass(frozen=True)
class CostModel:
    costs: dict[str, Cost]
    source: str

    @classmethod
    def from_table(cls, table, file: Path | str | None, section: str = "cycle_model") -> "CostModel":
        """Validate a `[cycle_model]` table; every problem names the file and the key."""
        if not isinstance(table, dict):
            raise ConfigError("missing", file=file, field=section,
                              expected=f"a [{section}] table with the costs {', '.join(COSTS)} and a source")
        missing = [k for k in (*COSTS, "source") if k not in table and k not in FPU_COSTS and k not in DERIVED_COSTS]
        if missing:
            raise ConfigError(f"incomplete cycle model: missing {', '.join(missing)}", file=file, field=section,
                              expected="every cost key (" + ", ".join(COSTS) + ") and a source")
        unknown = [k for k in table if k not in COSTS and k not in META_KEYS]
        if unknown:
            raise ConfigError(f"unknown key {unknown[0]!r}", file=file, field=f"{section}.{unknown[0]}",
                              expected="one of " + ", ".join((*COSTS, *META_KEYS)))
        if not isinstance(table["source"], str) or not table["source"].strip():
            raise ConfigError("invalid value", file=file, field=f"{section}.source",
                              expected="the documents and sections the costs come from")
        costs = {k: _cost(table[k], file, f"{section}.{k}") for k in COSTS if k in table}
        for key, (base, times) in DERIVED_COSTS.items():
            if key not in costs:
                b = costs[base]
                costs[key] = Cost(b.value * times, b.low * times, b.high * times,
                                  None if b.low == b.high else f"{times} x {base}")
        for lo_key, hi_key in (("branch_not_taken", "branch_taken"),):
            for part in ("value", "low", "high"):
                if getattr(costs[hi_key], part) < getattr(costs[lo_key], part):
                    raise ConfigError(f"{hi_key} ({getattr(costs[hi_key], part):g}) is less than {lo_key} "
                                      f"({getattr(costs[lo_key], part):g}): a taken branch cannot be cheaper",
                                      file=file, field=f"{section}.{hi_key}", expected=f">= {lo_key}")
        return cls(costs=costs, source=table["source"])

    @classmethod
    def from_file(cls, path: Path) -> "CostModel":
        """A cost table on its own: a TOML file with a [cycle_model] table (as in a profile)."""
        try:
            data = tomllib.loads(Path(path).read_text())
        except OSError as exc:
            raise ConfigError(f"cannot read: {exc.strerror}", file=path) from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"invalid TOML: {exc}", file=path) from exc
        return cls.from_table(data.get("cycle_model"), path)

    def estimate(self, events: dict) -> Estimate:
        counts = coefficients(events)
        uncosted = [k for k in FPU_COSTS if counts[k] and k not in self.costs]
        if uncosted:
            raise ValueError(f"{counts[uncosted[0]]:,} {uncosted[0]} events were counted but the cost table has no "
                             f"{uncosted[0]!r} cost (a core without an FPU): is the firmware built for this core?")
        total = {part: sum(counts[k] * getattr(c, part) for k, c in self.costs.items())
                 for part in ("value", "low", "high")}
        return Estimate(round(total["value"]), round(total["low"]), round(total["high"]))

    def as_dict(self) -> dict:
        out: dict = {"source": self.source}
        for k, c in self.costs.items():
            out[k] = c.value if c.low == c.high == c.value and not c.why else \
                {"value": c.value, "low": c.low, "high": c.high, **({"why": c.why} if c.why else {})}
        return out


def coefficients(events: dict) -> dict[str, int]:
    """What each cost multiplies, from a window's event counts."""
    missing = [e for e in EVENTS if e not in events and e not in OPTIONAL_EVENTS]
    events = {**{e: 0 for e in OPTIONAL_EVENTS}, **events}
    events = {**{e: 0 for e in MEMORY_EVENTS}, **events}
    if missing:
        raise ValueError(f"event counts lack {', '.join(missing)}")
    out = {}
    for key, (expr, _) in COSTS.items():
        if expr == "branch - taken_branches":
            out[key] = events["branch"] - events["taken_branches"]
        elif expr == "alu - 2 * pair16":
            out[key] = events["alu"] - 2 * events["pair16"]
        else:
            out[key] = events[expr]
    return out


def _cost(raw, file, field: str, unit: str = "cycles") -> Cost:
    """A figure that is a number, or { value, low, high, why } when the documents leave a range."""
    def number(v, what):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
            raise ConfigError(f"invalid {what} {v!r}", file=file, field=field, expected=f"a number of {unit} >= 0")
        return float(v)

    if isinstance(raw, dict):
        extra = set(raw) - {"value", "low", "high", "why"}
        if extra or "value" not in raw:
            raise ConfigError(f"invalid cost {raw!r}", file=file, field=field,
                              expected="a number, or { value = N, low = L, high = H, why = \"reason\" }")
        value = number(raw["value"], "value")
        low, high = number(raw.get("low", value), "low"), number(raw.get("high", value), "high")
        if not low <= value <= high:
            raise ConfigError(f"range [{low:g}, {high:g}] does not hold the value {value:g}", file=file, field=field,
                              expected="low <= value <= high")
        why = raw.get("why")
        if (low, high) != (value, value) and not (isinstance(why, str) and why.strip()):
            raise ConfigError("a range without its reason", file=file, field=field,
                              expected='why = "what makes the cost uncertain"')
        return Cost(value, low, high, why)
    value = number(raw, "cost")
    return Cost(value, value, value)


@dataclass(frozen=True)
class Recosted:
    """A stored emulated result costed again with another table."""

    key: str
    stored_cycles: int | None
    cycles: int
    low: int
    high: int
    time_us: float
    time_us_range: tuple[float, float]


def recost(results, model: CostModel, device: str | None = None) -> list[Recosted]:
    """Re-estimate stored results from their event counts with `model` (nothing runs again).

    Only results that carry event counts (emulated boards) are re-costed; `device`
    restricts them to one device (a cost table describes one core)."""
    out = []
    for r in results:
        events = (r.extra or {}).get("events")
        hz = (r.extra or {}).get("clock_hz")
        if not events or not hz or (device and r.cell.device != device):
            continue
        est = model.estimate(events["run"])
        out.append(Recosted(r.cell.key, r.cycles, est.cycles, est.low, est.high, est.cycles / hz * 1e6,
                            (est.low / hz * 1e6, est.high / hz * 1e6)))
    return out
