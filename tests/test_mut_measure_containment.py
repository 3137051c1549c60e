"""Containment without a runtime: the classification of an observation (every outcome, its note
and whether it was contained), and the host backend's part around it (the job it sends to the
worker, what it makes of each answer, the metering it records), with a worker stand-in."""

from types import SimpleNamespace

import pytest

from wasmcu.backends import containment as bc
from wasmcu.measure.containment import ALIVE, OUTCOMES, Observation, classify
from wasmcu.model import ERROR, OK, UNSUPPORTED, Cell, Draft
from wasmcu.workloads import SEED

T, S, R, C, X, F, H = OUTCOMES[0], "stopped", "refused", "completed", "corrupted", "fault", "hang"


# --- classify --------------------------------------------------------------------------------

def test_every_outcome_with_its_note_when_the_second_call_answered():
    a = dict(alive=ALIVE)
    cases = [
        (Observation(hang="the 5 s limit", trap="t", **a), True, (H, False, "only the limit ended it: the 5 s limit")),
        (Observation(fault="SIGSEGV at 0x0", **a), True, (F, False, "SIGSEGV at 0x0")),
        (Observation(result=1, canary_intact=False, **a), True,
         (X, False, "the canary beside the kernel's data was overwritten")),
        (Observation(trap="all fuel consumed", stopped_by="fuel", **a), True,
         (S, True, "the runtime stopped it on a budget: fuel")),
        (Observation(trap="out of bounds", **a), True, (T, True, "the runtime stopped it")),
        (Observation(result=0xFFFFFFFF, **a), True, (R, True, "it was refused and said so")),
        (Observation(result=3, **a), True, (C, True, "it ran to its end inside the module's own linear memory")),
        (Observation(result=3, **a), False, (C, False, "nothing stopped it: native code has no bounds")),
    ]
    for obs, wasm, (outcome, contained, note) in cases:
        out = classify(obs, wasm, refused_result=0xFFFFFFFF)
        assert (out["outcome"], out["contained"], out["containment_note"]) == (outcome, contained, note), obs
        assert out["alive"] is True


def test_a_hang_or_a_fault_is_never_contained_whatever_answered_after():
    for obs in (Observation(hang="limit", alive=ALIVE, canary_intact=True),
                Observation(fault="SIGBUS", alive=ALIVE, canary_intact=True)):
        for wasm in (True, False):
            out = classify(obs, wasm)
            assert out["contained"] is False and out["alive"] is True


def test_the_refusal_needs_both_a_refused_value_and_a_result_equal_to_it():
    a = dict(alive=ALIVE)
    # no refused value declared: a result is a completed run
    assert classify(Observation(result=9, **a), True)["outcome"] == C
    # a refused value, but the call returned something else
    assert classify(Observation(result=8, **a), True, refused_result=9)["outcome"] == C
    # a refused value, and no result (the call trapped): trapped, never refused
    assert classify(Observation(trap="t", **a), True, refused_result=9)["outcome"] == T
    # no result at all and nothing else observed: completed, not refused
    assert classify(Observation(**a), True, refused_result=9)["outcome"] == C
    # the result is compared as a 32-bit value
    assert classify(Observation(result=-1, **a), True, refused_result=0xFFFFFFFF)["outcome"] == R
    assert classify(Observation(result=(1 << 32) + 9, **a), False, refused_result=9)["outcome"] == R


def test_the_second_call_must_answer_alive_as_a_32_bit_value():
    assert classify(Observation(trap="t", alive=ALIVE + (1 << 32)), True)["alive"] is True
    assert classify(Observation(trap="t", alive=ALIVE + 1), True)["alive"] is False
    assert classify(Observation(trap="t", alive=0), True)["alive"] is False
    assert classify(Observation(trap="t"), True)["alive"] is False


def test_a_contained_outcome_whose_second_call_failed_says_why_after_its_note():
    out = classify(Observation(trap="oob", alive=None, alive_error="the instance is gone"), True)
    assert (out["outcome"], out["contained"]) == (T, False)
    assert out["containment_note"] == "the runtime stopped it; the second call did not answer: the instance is gone"
    out = classify(Observation(result=5, alive=7), True)
    assert (out["outcome"], out["contained"], out["alive"]) == (C, False, False)
    assert out["containment_note"] == ("it ran to its end inside the module's own linear memory; "
                                       "the second call did not answer: it returned 7")
    out = classify(Observation(trap="gas", stopped_by="gas", alive=None), True)
    assert out["containment_note"] == "the runtime stopped it on a budget: gas; the second call did not answer: it returned None"
    out = classify(Observation(result=9, alive=1), True, refused_result=9)
    assert out["containment_note"] == "it was refused and said so; the second call did not answer: it returned 1"
    # a hang, a fault or corruption says nothing of the second call
    for obs, note in ((Observation(hang="limit"), "only the limit ended it: limit"),
                      (Observation(fault="SIGILL"), "SIGILL"),
                      (Observation(canary_intact=False), "the canary beside the kernel's data was overwritten")):
        assert classify(obs, True)["containment_note"] == note


def test_the_extra_fields_carry_the_observation():
    obs = Observation(trap="unreachable", alive=ALIVE, canary_intact=True, detect_us=12.5, detect_kind="estimated",
                      second_call="a fresh instance")
    out = classify(obs, True)
    assert out == {"trap": "unreachable", "detect_us": 12.5, "detect_kind": "estimated", "alive": True,
                   "canary_intact": True, "second_call": "a fresh instance", "outcome": T, "contained": True,
                   "containment_note": "the runtime stopped it"}
    stopped = classify(Observation(trap="t", stopped_by="watchdog", alive=ALIVE), True)
    assert stopped["stopped_by"] == "watchdog"
    assert "stopped_by" not in out
    # a budget that ended a call that then hung is kept too
    assert classify(Observation(hang="limit", stopped_by="watchdog"), True)["stopped_by"] == "watchdog"
    assert isinstance(classify(Observation(result=1, alive=ALIVE), False)["contained"], bool)


# --- the host backend's part ---------------------------------------------------------------

def _res(runtime="wasm3"):
    return Draft(cell=Cell("unreachable", 1, "c", runtime, "host"), backend="host")


def _rt(name, wasm=True, **attrs):
    return SimpleNamespace(name=name, wasm=wasm, **attrs)


WORKLOAD = SimpleNamespace(containment={"misbehaviour": "calls unreachable", "refused_result": 0xFFFFFFFF})


class Worker:
    """Stands in for the worker process: records the job and answers what it is given."""

    def __init__(self, answer):
        self.answer, self.calls = answer, []

    def __call__(self, job, timeout_s):
        self.calls.append((job, timeout_s))
        return self.answer


def _answer(**c):
    base = {"trap": None, "result": None, "alive": ALIVE, "alive_error": None, "detect_us": 3.0,
            "second_call": "the same instance"}
    return {"containment": {**base, **c}}


def test_the_job_sent_to_the_worker():
    w = Worker(_answer(trap="unreachable"))
    bc.host_cell(_res(), WORKLOAD, _rt("wasm3"), "k.wasm", 30.0, w)
    (job, limit), = w.calls
    assert limit == bc.HOST_LIMIT_S == 5.0
    assert (job.runtime, job.artifact, job.seed, job.containment) == ("wasm3", "k.wasm", SEED, True)
    assert job.fuel is None and job.watchdog_s == bc.WATCHDOG_S == 1.0
    for name in ("wasmtime", "wasmtime-pulley"):
        w = Worker(_answer(trap="fuel"))
        bc.host_cell(_res(name), WORKLOAD, _rt(name), "k.cwasm", 1.0, w)
        (job, limit), = w.calls
        assert job.fuel == bc.FUEL and limit == 1.0 and job.watchdog_s == 0.5   # half of a short limit
    # a runtime with a containment program of its own runs there too
    w = Worker(_answer(trap="t"))
    bc.host_cell(_res("v8-liftoff"), WORKLOAD, _rt("v8-liftoff", contain=lambda *a: None), "k.wasm", 3.0, w)
    assert w.calls[0][0].fuel is None and w.calls[0][1] == 3.0 and w.calls[0][0].watchdog_s == 1.0


def test_a_runtime_that_cannot_run_the_suite_is_unsupported_and_no_worker_runs():
    w = Worker(_answer())
    res = _res("wamr-classic")
    bc.host_cell(res, WORKLOAD, _rt("wamr-classic", contain="not callable"), "k", 5.0, w)
    assert not w.calls
    assert (res.status, res.error_kind) == (UNSUPPORTED, "unsupported")
    assert "in-process runtimes (native, wasm2c, wasm3, wasm3-gas, wasmtime, wasmtime-pulley)" in res.error
    assert res.error.endswith("wamr-classic has neither")


def test_a_call_stopped_by_the_hosts_limit_is_a_hang_detected_at_the_limit():
    res = _res()
    bc.host_cell(res, WORKLOAD, _rt("wasm3"), "k", 2.5, Worker({"kind": "timeout", "error": "timed out"}))
    e = res.extra
    assert res.status == OK and (e["outcome"], e["contained"]) == (H, False)
    assert e["containment_note"] == "only the limit ended it: the host's 2.5 s time limit"
    assert (e["detect_us"], e["detect_kind"]) == (2.5e6, "limit")
    assert e["second_call"] == "none: the process did not survive" and e["alive"] is False


def test_a_worker_killed_by_a_signal_is_a_fault():
    res = _res("native")
    bc.host_cell(res, WORKLOAD, _rt("native", wasm=False), "k.so", 5.0,
                 Worker({"kind": "crash", "error": "the worker was killed by SIGSEGV"}))
    e = res.extra
    assert res.status == OK and (e["outcome"], e["contained"]) == (F, False)
    assert e["containment_note"] == "the worker was killed by SIGSEGV"
    assert e["second_call"] == "none: the process did not survive" and e["detect_us"] is None


def test_a_worker_that_could_not_run_the_call_fails_the_cell_with_its_kind():
    res = _res()
    bc.host_cell(res, WORKLOAD, _rt("wasm3"), "k", 5.0, Worker({"kind": "build-failed", "error": "no module"}))
    assert (res.status, res.error_kind, res.error) == (ERROR, "build-failed", "no module") and not res.extra
    res = _res()
    bc.host_cell(res, WORKLOAD, _rt("wasm3"), "k", 5.0, Worker({"error": "it broke"}))
    assert (res.status, res.error_kind, res.error) == (ERROR, "error", "it broke") and not res.extra


def test_an_observed_call_is_classified_with_the_workloads_refused_value():
    res = _res()
    bc.host_cell(res, WORKLOAD, _rt("wasm3"), "k", 5.0,
                 Worker(_answer(result=0xFFFFFFFF, detect_us=7.0, second_call="the same runtime instance")))
    e = res.extra
    assert res.status == OK and (e["outcome"], e["contained"], e["alive"]) == (R, True, True)
    assert (e["detect_us"], e["detect_kind"], e["second_call"]) == (7.0, "measured", "the same runtime instance")
    assert e["misbehaviour"] == "calls unreachable"
    # the same call natively: nothing bounds it
    res = _res("native")
    bc.host_cell(res, WORKLOAD, _rt("native", wasm=False), "k", 5.0, Worker(_answer(result=3)))
    assert (res.extra["outcome"], res.extra["contained"]) == (C, False)
    res = _res()
    bc.host_cell(res, WORKLOAD, _rt("wasm3"), "k", 5.0, Worker(_answer(result=3)))
    assert (res.extra["outcome"], res.extra["contained"]) == (C, True)


def test_a_call_the_runtimes_watchdog_or_metering_ended():
    res = _res("v8-liftoff")
    bc.host_cell(res, WORKLOAD, _rt("v8-liftoff", contain=lambda: None), "k", 5.0,
                 Worker(_answer(trap="terminated", stopped_by="TerminateExecution", detect_us=1.1e6)))
    e = res.extra
    assert (e["outcome"], e["stopped_by"], e["detect_kind"], e["detect_us"]) == (S, "TerminateExecution", "measured", 1.1e6)
    # a runtime that reports the call hung past its watchdog: detected at the limit
    res = _res("wamr-classic")
    bc.host_cell(res, WORKLOAD, _rt("wamr-classic", contain=lambda: None), "k", 5.0,
                 Worker(_answer(hang="WAMR did not stop it", detect_us=5e6, alive=None, alive_error="gone")))
    e = res.extra
    assert (e["outcome"], e["detect_kind"], e["detect_us"]) == (H, "limit", 5e6)
    assert e["containment_note"] == "only the limit ended it: WAMR did not stop it"


def test_the_metering_each_runtime_offers_is_recorded():
    def metering(rt):
        res = _res(rt.name)
        bc.host_cell(res, WORKLOAD, rt, "k", 5.0, Worker(_answer(trap="t")))
        return res.extra["metering"]

    assert metering(_rt("wasmtime")) == f"wasmtime fuel: {bc.FUEL:,} units, then the runtime traps"
    assert metering(_rt("wasm3")) == bc.METERING["wasm3"] and "wasm3-gas" in bc.METERING["wasm3"]
    assert metering(_rt("native", wasm=False)).startswith("none: native code has no metering")
    assert metering(_rt("v8-turbofan", contain=print)) == bc.METERING["v8-turbofan"]
    assert "with a 1 s timeout" in bc.METERING["v8-liftoff"]
    assert metering(_rt("wamr-aot", contain=print, metering="ignored")) == bc.WAMR_METERING
    assert "after 1 s" in bc.WAMR_METERING and "WAMR_BUILD_THREAD_MGR=1" in bc.WAMR_METERING
    # another runtime with a containment program: its own words, else a plain "none"
    assert metering(_rt("wasm3-gas", metering="gas: 1,000,000 units")) == "gas: 1,000,000 units"
    assert metering(_rt("other", contain=print)) == "none offered to wasmcu by this runtime"
    assert metering(_rt("other", contain=print, metering="")) == "none offered to wasmcu by this runtime"


def test_the_suites_own_budget_is_recorded_beside_the_runtime_settings():
    rt = _rt("wasm3-gas", contain_settings={"gas_limit": 1000})
    res = _res("wasm3-gas")
    res.provenance["runtime_settings"] = {"stack": 64}
    bc.host_cell(res, WORKLOAD, rt, "k", 5.0, Worker(_answer(trap="out of gas", stopped_by="gas")))
    assert res.provenance["runtime_settings"] == {"stack": 64, "gas_limit": 1000}
    res = _res("wasm3-gas")
    bc.host_cell(res, WORKLOAD, rt, "k", 5.0, Worker(_answer(trap="out of gas", stopped_by="gas")))
    assert res.provenance["runtime_settings"] == {"gas_limit": 1000}
    res = _res("wasm3")
    bc.host_cell(res, WORKLOAD, _rt("wasm3", contain_settings={}), "k", 5.0, Worker(_answer(trap="t")))
    assert "runtime_settings" not in res.provenance


@pytest.mark.parametrize("wasm, contained", [(True, True), (False, False)])
def test_the_runtimes_kind_decides_a_completed_run(wasm, contained):
    res = _res()
    bc.host_cell(res, WORKLOAD, _rt("wasm3", wasm=wasm), "k", 5.0, Worker(_answer(result=1)))
    assert res.extra["contained"] is contained
