"""Fuzzing workload.toml and device files (Hypothesis): a clear error or a valid plan, never a traceback."""

import shutil
import tempfile
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wasmcu.errors import WasmcuError
from wasmcu.plan import Spec, plan

KERNEL_C = "#include <stdint.h>\nuint32_t run(uint32_t seed) { return seed + WASMCU_N; }\n"
KERNEL_RS = "#[no_mangle]\npub extern \"C\" fn run(seed: u32) -> u32 { seed }\n"

# scalars TOML can hold, with the edge cases that broke wasmcu before: huge integers, NUL
# characters, paths leaving the folder, empty and odd strings
scalars = st.one_of(
    st.integers(min_value=-2**63, max_value=2**63 - 1), st.sampled_from([0, 1, -1, 2**31, 2**63 - 1, 65536, 16]),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.text(max_size=12), st.sampled_from(["kernel.c", "kernel.rs", "src", "../x.c", "/etc/passwd", "a\x00b",
                                           "oracle.py", "run", "checksum", "include", "", " ", "host", "pico",
                                           "qemu", "board", "cortex-m0plus", "armv6m", "o2"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                      max_leaves=12)


def table(keys: list[str]):
    known = st.dictionaries(st.sampled_from(keys), values, max_size=len(keys))
    return st.tuples(known, st.dictionaries(st.text(max_size=8), values, max_size=2)).map(
        lambda pair: {**pair[0], **(pair[1] if len(pair[1]) == 1 and list(pair[1])[0] not in keys else {})})


WORKLOAD_KEYS = ["name", "description", "sizes", "sources", "build", "entry", "oracle", "wasm", "allow_outside"]
workload_tables = st.fixed_dictionaries(
    {"name": st.sampled_from(["fz", "fz2", "crc16"]) | st.text(max_size=6),
     "sources": st.one_of(st.fixed_dictionaries({"c": st.sampled_from(["kernel.c", "src", ["kernel.c"], "nope.c"])}),
                          st.dictionaries(st.sampled_from(["c", "cpp", "rust", "wasm", "go"]), values, max_size=2))},
    optional={"sizes": st.lists(scalars, max_size=3) | values,
              "build": st.fixed_dictionaries({}, optional={
                  "include_dirs": st.lists(st.sampled_from(["include", "../", "/tmp", "x\x00"]), max_size=2) | values,
                  "cflags": st.lists(st.text(max_size=10), max_size=3) | values,
                  "rustflags": st.lists(st.text(max_size=10), max_size=3),
                  "defines": st.dictionaries(st.text(max_size=5), scalars, max_size=2)}) | values,
              "entry": st.sampled_from(["run", "other", "bad name"]) | values,
              "oracle": st.fixed_dictionaries({}, optional={"file": st.sampled_from(["oracle.py", "../o.py"]) | values,
                                                            "function": values}) | values,
              "wasm": st.dictionaries(st.sampled_from(["memory_bytes", "stack_bytes", "heap"]), scalars) | values,
              "allow_outside": values, "description": values, "extra_key": values})


def plan_or_error(spec: Spec) -> None:
    try:
        cells, _, _ = plan(spec)
    except WasmcuError as exc:
        assert str(exc).strip(), "an error without a message"
        return
    assert isinstance(cells, list)


def write(folder: Path, data) -> None:
    try:
        text = tomli_w.dumps(data)
    except (TypeError, ValueError):  # a value TOML cannot hold (NaN keys, NUL in keys...): raw text instead
        text = repr(data)
    (folder / "workload.toml").write_bytes(text.encode("utf-8", "surrogateescape"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=workload_tables)
def test_any_workload_toml_gives_a_clear_error_or_a_valid_plan(data):
    top = Path(tempfile.mkdtemp(prefix="wasmcu-fuzz-"))
    try:
        d = top / "fz"
        (d / "src").mkdir(parents=True)
        (d / "include").mkdir()
        (d / "kernel.c").write_text(KERNEL_C)
        (d / "src" / "k.c").write_text(KERNEL_C)
        (d / "kernel.rs").write_text(KERNEL_RS)
        (d / "oracle.py").write_text("def checksum(n, seed):\n    return n\n")
        write(d, data)
        plan_or_error(Spec(suite=None, devices="host", runtimes="native", workloads=None, langs="c",
                           workload_dirs=[d]))
    finally:
        shutil.rmtree(top, ignore_errors=True)


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=200))
def test_any_text_as_workload_toml_gives_a_clear_error_or_a_valid_plan(text):
    top = Path(tempfile.mkdtemp(prefix="wasmcu-fuzz-"))
    try:
        d = top / "fz"
        d.mkdir()
        (d / "kernel.c").write_text(KERNEL_C)
        (d / "workload.toml").write_bytes(text.encode("utf-8", "surrogatepass"))
        plan_or_error(Spec(suite=None, devices="host", runtimes="native", langs="c", workload_dirs=[d]))
    finally:
        shutil.rmtree(top, ignore_errors=True)


DEVICE_KEYS = ["name", "description", "backend", "core", "arch", "extends", "clock", "memory", "limits", "qemu",
               "board", "cycle_model", "memory_system", "runtimes", "power", "sdk"]
device_tables = st.fixed_dictionaries(
    {"name": st.sampled_from(["fz", "pico", "fz-2"]) | st.text(max_size=6)},
    optional={"description": values, "backend": st.sampled_from(["host", "qemu", "board", "nope"]) | values,
              "core": st.sampled_from(["cortex-m0plus", "cortex-m33", "nope"]) | values,
              "extends": st.sampled_from(["pico", "host", "fz", "nope"]) | values,
              "clock": st.fixed_dictionaries({}, optional={"default_hz": scalars, "source": values}) | values,
              "memory": st.dictionaries(st.sampled_from(["flash_bytes", "ram_bytes", "source", "x"]), scalars) | values,
              "limits": st.dictionaries(st.sampled_from(["linear_memory_bytes", "x"]), scalars) | values,
              "cycle_model": st.dictionaries(st.sampled_from(["mul", "fetch_wait", "load", "branch_taken", "x"]),
                                             scalars | st.dictionaries(st.sampled_from(["value", "low", "high",
                                                                                         "why"]), scalars)) | values,
              "runtimes": values, "extra_key": values})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=device_tables, device=st.sampled_from(["fz", "pico", "host"]))
def test_any_device_file_gives_a_clear_error_or_a_valid_plan(data, device):
    top = Path(tempfile.mkdtemp(prefix="wasmcu-fuzz-"))
    try:
        try:
            text = tomli_w.dumps(data)
        except (TypeError, ValueError):
            text = repr(data)
        (top / "fz.toml").write_bytes(text.encode("utf-8", "surrogateescape"))
        plan_or_error(Spec(suite=None, devices=device, runtimes="native,wasm3", workloads="crc16:5", langs="c",
                           device_dirs=[top]))
    finally:
        shutil.rmtree(top, ignore_errors=True)


@pytest.mark.parametrize("text", ['name = "fz"\nsizes = [99999999999999999999]\n[sources]\nc = "kernel.c"\n',
                                  'name = "fz"\n[sources]\nc = "a\\u0000b"\n',
                                  'name = "fz"\n[sources]\nc = "kernel.c"\n[build]\ninclude_dirs = ["x\\u0000"]\n'])
def test_the_cases_the_fuzzer_found_give_clear_errors(tmp_path, text):
    d = tmp_path / "fz"
    d.mkdir()
    (d / "kernel.c").write_text(KERNEL_C)
    (d / "workload.toml").write_text(text)
    with pytest.raises(WasmcuError):
        plan(Spec(suite=None, devices="host", runtimes="native", langs="c", workload_dirs=[d]))
