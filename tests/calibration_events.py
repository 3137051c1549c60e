"""Synthetic calibration input for the calibration tests: event counts of a kernel, a cost table,
and the cycles a table gives a kernel."""

from wasmcu.measure.cycles import COSTS, CostModel, coefficients


def event_counts(**counts) -> dict:
    """A kernel's events: the counts given, every other event 0."""
    base = {e: 0 for e in ("insns", "alu", "load", "store", "mul", "div", "branch", "taken_branches", "jump", "call",
                           "indirect", "multi", "multi_regs", "pop_pc")}
    base.update(counts)
    return base


def cost_table(**costs) -> CostModel:
    """Every integer cost 1 cycle, no fetch wait, except the costs given."""
    table = {k: 1 for k in COSTS if k not in ("fp", "fp_mac", "fp_div")}
    table.update(fetch_wait=0, **costs)
    return CostModel.from_table({**table, "source": "test"}, None)


def cycles_of(events, costs: dict, overhead=0.0) -> float:
    """The cycles `costs` give these events, plus a fixed overhead."""
    c = coefficients(events)
    return sum(c[k] * v for k, v in costs.items()) + overhead


# five kernels, each mostly ALU, loads or stores, or a mix
SYNTHETIC = [event_counts(insns=a + l + s, alu=a, load=l, store=s)
             for a, l, s in ((1000, 10, 10), (100, 900, 5), (50, 20, 700), (400, 300, 300), (700, 100, 400))]
