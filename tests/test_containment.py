"""The containment suite with real runtimes: every misbehaving kernel on the host and on the
emulated Pico, each outcome asserted; the classification rules on their own."""

import pytest

from wasmcu import devices, workloads
from wasmcu.backends import RunContext
from wasmcu.bench import execute_cell
from wasmcu.errors import ConfigError
from wasmcu.measure.containment import ALIVE, Observation, classify
from wasmcu.model import OK, UNSUPPORTED, Cell
from wasmcu.plan import SUITES

KERNELS = SUITES["containment"]["workloads"]
T, R, C, X, F, H, S = "trapped", "refused", "completed", "corrupted", "fault", "hang", "stopped"

# (outcome, contained) per kernel, for the wasm runtimes on the host (wasmtime meters the endless loop with fuel)
HOST_WASM = {"oob_write_array": (C, True), "oob_write_memory_end": (T, True), "oob_read": (T, True),
             "unreachable": (T, True), "divide_by_zero": (T, True), "unbounded_recursion": (T, True),
             "endless_loop": (H, False), "memory_growth": (R, True), "indirect_call_type": (T, True)}
# native code on x86-64 Linux: nothing bounds it; what it hits depends on the process's memory map
HOST_NATIVE = {"oob_write_array": {C}, "oob_write_memory_end": {F, C}, "oob_read": {F, C}, "unreachable": {F},
               "divide_by_zero": {F}, "unbounded_recursion": {F}, "endless_loop": {H}, "memory_growth": {C, R},
               "indirect_call_type": {C}}
# the emulated Pico (deterministic): native code, wasm3 and wasm2c in the firmware
PICO = {
    "native": {"oob_write_array": (X, False), "oob_write_memory_end": (C, False), "oob_read": (C, False),
               "unreachable": (F, False), "divide_by_zero": (C, False), "unbounded_recursion": (F, False),
               "endless_loop": (H, False), "memory_growth": (R, True), "indirect_call_type": (C, False)},
    "wasm3": {**HOST_WASM, "unbounded_recursion": (F, False)},  # wasm3 recurses on the native C stack
    "wasm2c": HOST_WASM,
    # WAMR keeps its own wasm stack (a trap, not the C stack) and the firmware clears its trap before
    # the second call, as an embedder does
    "wamr-classic": HOST_WASM, "wamr-aot": HOST_WASM,
}


@pytest.fixture(scope="module")
def env():
    return workloads.discover(), devices.discover()


def run(env, kernel, runtime, device, timeout_s=1.0):
    wls, devs = env
    return execute_cell(Cell(kernel, 1, "c", runtime, device), wls[kernel], devs[device],
                        RunContext(repeat=1, warmup=0, timeout_s=timeout_s))


def test_the_suite_names_every_kernel_and_each_declares_its_misbehaviour(env):
    assert len(KERNELS) == 9
    for k in KERNELS:
        wl = env[0][k]
        assert wl.containment["misbehaviour"] and not wl.has_oracle
    assert env[0]["memory_growth"].containment["refused_result"] == 0x5EF05EF


@pytest.mark.slow
@pytest.mark.parametrize("runtime", ["wasm3", "wasmtime", "wasm2c", "native"])
def test_every_kernel_on_the_host(env, runtime):
    for k in KERNELS:
        r = run(env, k, runtime, "host")
        assert r.status == OK, (k, runtime, r.error)
        e = r.extra
        assert e["misbehaviour"] == env[0][k].containment["misbehaviour"]
        if runtime == "native":
            assert e["outcome"] in HOST_NATIVE[k] and e["contained"] is False, (k, e)
            continue
        want = HOST_WASM[k]
        if runtime == "wasmtime" and k == "endless_loop":
            want = (S, True)  # fuel
        assert (e["outcome"], e["contained"]) == want, (k, runtime, e)
        if e["outcome"] == T:
            assert e["trap"] and e["detect_kind"] == "measured" and e["detect_us"] > 0 and e["alive"] is True
    assert "fuel" in run(env, "endless_loop", "wasmtime", "host").extra["trap"]


def test_divide_by_zero_is_a_wasm3_trap_and_a_native_fault_on_the_host(env):
    w = run(env, "divide_by_zero", "wasm3", "host").extra
    assert w["outcome"] == T and "divide by zero" in w["trap"] and w["contained"] and w["alive"]
    n = run(env, "divide_by_zero", "native", "host").extra
    assert n["outcome"] == F and "SIGFPE" in n["containment_note"] and not n["contained"]


def test_a_runtime_without_a_containment_harness_is_unsupported(env, monkeypatch):
    from wasmcu.backends import containment

    monkeypatch.setattr(containment, "IN_PROCESS", ())
    r = run(env, "unreachable", "wasm3", "host")
    assert r.status == UNSUPPORTED and "containment program" in r.error


def test_v8_stops_the_endless_loop_with_its_watchdog_and_answers_on_the_same_instance(env):
    e = run(env, "endless_loop", "v8-liftoff", "host", timeout_s=5).extra
    assert (e["outcome"], e["contained"], e["alive"]) == (S, True, True), e
    assert "TerminateExecution" in e["stopped_by"] and e["second_call"] == "the same instance in the same process"
    assert e["detect_kind"] == "measured" and 0.9e6 < e["detect_us"] < 4e6  # the 1 s watchdog, not the 5 s limit
    t = run(env, "oob_read", "v8-turbofan", "host", timeout_s=5).extra
    assert (t["outcome"], t["contained"], t["alive"]) == (T, True, True) and "out of bounds" in t["trap"]


@pytest.mark.slow
@pytest.mark.parametrize("runtime", ["v8-liftoff", "wamr-classic", "wamr-aot"])
def test_every_kernel_under_v8_and_wamr_on_the_host(env, runtime):
    from wasmcu.runtimes import get

    if get(runtime).unavailable_reason():
        pytest.skip(get(runtime).unavailable_reason())
    for k in KERNELS:
        r = run(env, k, runtime, "host", timeout_s=5)
        assert r.status == OK, (k, runtime, r.error)
        e = r.extra
        want = HOST_WASM[k]
        if k == "endless_loop" and (runtime.startswith("v8") or e["outcome"] == S):
            want = (S, True)  # V8's watchdog; a WAMR built with an instruction budget
        assert (e["outcome"], e["contained"]) == want, (k, runtime, e)
        if e["outcome"] in (T, S):
            assert e["trap"] and e["alive"] is True and e["second_call"] == "the same instance in the same process"


def test_wamr_says_what_its_watchdog_could_do(env):
    from wasmcu.runtimes import get

    if get("wamr-classic").unavailable_reason():
        pytest.skip(get("wamr-classic").unavailable_reason())
    e = run(env, "endless_loop", "wamr-classic", "host", timeout_s=5).extra
    assert "wasm_runtime_terminate" in e["metering"]
    if e["outcome"] == H:  # a build without thread manager or instruction budget: the program says so itself
        assert "WAMR_BUILD_THREAD_MGR" in e["containment_note"] and e["detect_us"] < 4e6
    else:
        assert (e["outcome"], e["contained"], e["alive"]) == (S, True, True)
    t = run(env, "divide_by_zero", "wamr-classic", "host", timeout_s=5).extra
    assert (t["outcome"], t["contained"], t["alive"]) == (T, True, True) and "divide by zero" in t["trap"]


@pytest.mark.slow
@pytest.mark.qemu
@pytest.mark.parametrize("runtime", ["native", "wasm3", "wasm2c", "wamr-classic", "wamr-aot"])
def test_every_kernel_on_the_emulated_pico(env, runtime):
    from wasmcu.runtimes import get

    if runtime.startswith("wamr") and get(runtime).firmware_unavailable_reason(env[1]["pico"]):
        pytest.skip(get(runtime).firmware_unavailable_reason(env[1]["pico"]))
    for k in KERNELS:
        r = run(env, k, runtime, "pico", timeout_s=120)
        assert r.status == OK, (k, runtime, r.error)
        e = r.extra
        assert (e["outcome"], e["contained"]) == PICO[runtime][k], (k, runtime, e)
        if e["outcome"] in (T, C, R):
            assert e["canary_intact"] is (e["outcome"] != X) and e["alive"] is True
            assert e["second_call"] == "the same runtime instance" and e["detect_kind"] == "estimated"


@pytest.mark.qemu
def test_the_canary_shows_native_corruption_and_wasm_staying_inside(env):
    n = run(env, "oob_write_array", "native", "pico", timeout_s=120).extra
    assert n["outcome"] == X and n["canary_intact"] is False and n["contained"] is False
    w = run(env, "oob_write_array", "wasm3", "pico", timeout_s=120).extra
    assert w["outcome"] == C and w["canary_intact"] is True and w["contained"] is True and w["alive"] is True


def test_classification_rules():
    alive = dict(alive=ALIVE)
    assert classify(Observation(trap="oob", **alive), wasm=True)["outcome"] == T
    assert classify(Observation(trap="oob", alive=None, alive_error="x"), wasm=True)["contained"] is False
    assert classify(Observation(result=7, canary_intact=False, **alive), wasm=False)["outcome"] == X
    assert classify(Observation(result=7, canary_intact=True, **alive), wasm=False)["contained"] is False
    assert classify(Observation(result=7, canary_intact=True, **alive), wasm=True)["contained"] is True
    assert classify(Observation(result=9, **alive), wasm=True, refused_result=9)["outcome"] == R
    assert classify(Observation(hang="limit"), wasm=True) | {} == classify(Observation(hang="limit"), wasm=True)
    assert classify(Observation(hang="limit", trap="t"), wasm=True)["outcome"] == H
    assert classify(Observation(fault="SIGSEGV"), wasm=False)["contained"] is False
    stopped = classify(Observation(trap="fuel", stopped_by="fuel", **alive), wasm=True)
    assert (stopped["outcome"], stopped["contained"], stopped["stopped_by"]) == (S, True, "fuel")
    assert classify(Observation(trap="t", stopped_by="gas", alive=None), wasm=True)["contained"] is False


def test_a_containment_kernel_with_an_oracle_is_refused(tmp_path):
    (tmp_path / "kernel.c").write_text("unsigned run(unsigned x) { return x; }\n")
    (tmp_path / "oracle.py").write_text("def checksum(n, seed):\n    return seed\n")
    (tmp_path / "workload.toml").write_text('name = "k"\n[sources]\nc = "kernel.c"\n[containment]\nmisbehaviour = "x"\n')
    with pytest.raises(ConfigError, match="no oracle"):
        workloads.load_workload(tmp_path)
    (tmp_path / "oracle.py").unlink()
    (tmp_path / "workload.toml").write_text('name = "k"\n[sources]\nc = "kernel.c"\n[containment]\nwhat = "x"\n')
    with pytest.raises(ConfigError, match="containment"):
        workloads.load_workload(tmp_path)


def test_report_tables_show_containment_apart(env):
    from wasmcu.report import benefits

    cells = [run(env, "divide_by_zero", rt, "host") for rt in ("wasm3", "native")]
    head, rows = benefits.containment_rows(cells)
    assert [(r[2], r[4], r[5]) for r in rows] == [("native", F, "NO"), ("wasm3", T, "yes")]
    assert benefits.portability_rows(cells)[1] == []  # outcomes differ by design: not a portability claim
    trade = {r[1]: r for r in benefits.tradeoff_rows(cells)[1]}
    assert trade["wasm3"][-1] == "1 of 1" and trade["native"][-1] == "0 of 1"
