"""The error types' messages and kinds (wasmcu.errors): what a user reads, and what code branches on."""

from wasmcu.errors import CellError, ConfigError, NotRepeatable, ToolMissing
from wasmcu.model import ERROR_KINDS


def test_a_missing_tool_names_the_package_and_the_hint():
    err = ToolMissing("wat2wasm", "wabt", "or set WASMCU_WAT2WASM")
    assert str(err) == ("required tool 'wat2wasm' was not found; install it with: apt-get install wabt "
                        "(or set WASMCU_WAT2WASM)")
    assert (err.tool, err.package, err.kind) == ("wat2wasm", "wabt", "build-failed")
    assert str(ToolMissing("node")) == "required tool 'node' was not found"


def test_a_kernel_that_is_not_repeatable_is_its_own_kind():
    err = NotRepeatable("returned 2 after 1")
    assert isinstance(err, CellError) and str(err) == "returned 2 after 1"
    assert err.kind == "not-deterministic" and err.kind in ERROR_KINDS
    assert NotRepeatable("x", "trap").kind == "trap"
    assert CellError("boom").kind == "error" and CellError("t", "timeout").kind == "timeout"


def test_a_config_error_names_the_file_the_field_and_what_was_expected():
    err = ConfigError("invalid value 3", file="w/workload.toml", field="sizes", expected="a list")
    assert str(err) == "w/workload.toml: field 'sizes': invalid value 3 (expected a list)"
    assert str(ConfigError("no such suite")) == "no such suite" and ConfigError("x").kind == "unsupported"
