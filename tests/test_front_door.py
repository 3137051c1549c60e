"""One front door: the CLI and the Python API accept and refuse the same things, with one message."""

import subprocess
import sys

import pytest

import wasmcu
from wasmcu import api, cli
from wasmcu.errors import WasmcuError

from conftest import ROOT

# (CLI flags, the same as API keyword arguments, a piece of the one message both give)
BAD = [
    (["--warmup", "-1"], {"warmup": -1}, "warmup (--warmup) must be a whole number of calls, 0 or more, got -1"),
    (["--jobs", "0"], {"jobs": 0}, "jobs (--jobs) must be a whole number of cells at once, 1 or more, got 0"),
    (["--jobs", "-3"], {"jobs": -3}, "jobs (--jobs) must be a whole number of cells at once, 1 or more, got -3"),
    (["--repeat", "0"], {"repeat": 0}, "repeat (--repeat) must be a positive number, got 0"),
    (["--timeout", "0"], {"timeout": 0.0}, "timeout (--timeout) must be a positive number, got 0"),
    (["--timeout", "nan"], {"timeout": float("nan")}, "timeout (--timeout) must be a positive number, got nan"),
    (["--workload", "crc16:0"], {"workloads": "crc16:0"}, "invalid size in 'crc16:0'"),
    (["--resume", "soon"], {"resume": "soon"}, "resume (--resume) must be a run id or 'latest', got 'soon'"),
    (["--mixed-versions"], {"mixed_versions": True}, "mixed_versions (--mixed-versions) applies to the workers"),
    (["--tls-ca", "ca.pem"], {"tls_ca": "ca.pem"}, "are for a Dask cluster"),
    (["--coordinator", "h:1"], {"coordinator": "h:1"}, "coordinator (--coordinator) applies to a board farm"),
]


@pytest.mark.parametrize("flags, kwargs, message", BAD, ids=[" ".join(b[0]) for b in BAD])
def test_the_cli_and_the_api_refuse_the_same_values_alike(tmp_path, capsys, flags, kwargs, message):
    db = tmp_path / "s.sqlite"
    with pytest.raises(WasmcuError) as api_error:
        api.bench(**{"devices": "host", "runtimes": "native", "workloads": "crc16:3", "langs": "c", "db": db, **kwargs})
    assert message in str(api_error.value)
    base = ["--device", "host", "--runtime", "native", "--lang", "c", "--db", str(db)]
    base += [] if "--workload" in flags else ["--workload", "crc16:3"]
    code = cli.main(["bench", *base, *flags])
    err = capsys.readouterr().err
    assert code == 2 and f"wasmcu: error: {api_error.value}" in err
    assert not db.exists()  # refused before a store is made


def test_report_refuses_a_bad_size_through_both_doors_alike(tmp_path, capsys):
    with pytest.raises(WasmcuError) as api_error:
        api.report(tmp_path / "r", db=tmp_path / "none.sqlite", workload="crc16:x")
    assert cli.main(["report", "--db", str(tmp_path / "none.sqlite"), "--out", str(tmp_path / "r"),
                     "--workload", "crc16:x"]) == 2
    assert str(api_error.value) in capsys.readouterr().err


def test_the_cli_has_no_validation_of_its_own():
    """cli.py translates arguments: it builds no Spec and opens no Store for bench or report."""
    text = (ROOT / "src" / "wasmcu" / "cli.py").read_text()
    body = text[text.index("def cmd_bench"):text.index("def cmd_compare")]
    assert "Spec(" not in body and "Store(" not in body and "run_bench" not in body


def test_import_wasmcu_gives_the_public_api():
    assert wasmcu.bench is api.bench and wasmcu.load is api.load and wasmcu.plan is api.plan
    from wasmcu.model import Result
    assert wasmcu.Result is Result
    for name in wasmcu.__all__:
        assert getattr(wasmcu, name) is not None, name
    assert set(wasmcu.__all__) <= set(dir(wasmcu))
    with pytest.raises(AttributeError, match="no attribute 'nosuch'"):
        wasmcu.nosuch  # noqa: B018


def test_import_wasmcu_is_light():
    """The public names are imported on first use: `import wasmcu` (and `wasmcu --version`) loads none."""
    code = "import sys, wasmcu; print('wasmcu.api' in sys.modules, 'wasmcu.bench' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT / "src")}).stdout
    assert out.split() == ["False", "False"]
