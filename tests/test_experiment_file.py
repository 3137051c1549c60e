"""Experiment files (wasmcu.plan.load_spec_file) read in-process: every key's type, range and
spelling, and what each refusal names."""

import re

import pytest

from wasmcu.errors import ConfigError
from wasmcu.plan import SPEC_KEYS, load_spec_file


def spec(tmp_path, text):
    f = tmp_path / "exp.toml"
    f.write_text(text)
    return f


def refusal(tmp_path, text):
    f = spec(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_spec_file(f)
    return f, err.value


def test_every_kind_of_key_is_read_lists_joined_and_directories_relative_to_the_file(tmp_path):
    f = spec(tmp_path, 'suite = "paper"\ndevices = ["host", "pico"]\nrepeat = 4\nwarmup = 0\ntimeout = 2.5\n'
                       'workload_dirs = ["w", "x/y"]\ndevice_dirs = ["d"]\nlink = "ble"\n')
    assert load_spec_file(str(f)) == {   # a str path as well as a Path
        "suite": "paper", "devices": "host,pico", "repeat": 4, "warmup": 0, "timeout": 2.5,
        "workload_dirs": [tmp_path / "w", tmp_path / "x" / "y"], "device_dirs": [tmp_path / "d"], "link": "ble"}
    assert load_spec_file(spec(tmp_path, "timeout = 3\n")) == {"timeout": 3}
    assert load_spec_file(spec(tmp_path, "")) == {}


def test_a_missing_file_and_bad_toml_name_the_file(tmp_path):
    with pytest.raises(ConfigError, match=re.escape(str(tmp_path / "none.toml")) + ": cannot read: No such file"):
        load_spec_file(tmp_path / "none.toml")
    f, err = refusal(tmp_path, "devices = [\n")
    assert str(err).startswith(f"{f}: invalid TOML: ") and err.file == f


def test_an_unknown_key_lists_the_known_ones(tmp_path):
    f, err = refusal(tmp_path, 'colour = "red"\n')
    assert str(err) == f"{f}: field 'colour': unknown key (expected one of {', '.join(SPEC_KEYS)})"
    assert err.field == "colour"


@pytest.mark.parametrize("text, field, expected", [
    ('devices = "host"\n', "devices", "a list"),
    ("repeat = 2.5\n", "repeat", "a int"),
    ("repeat = true\n", "repeat", "a int"),          # a bool is an int to Python, not to an experiment file
    ("timeout = false\n", "timeout", "a int or float"),
    ('timeout = "1"\n', "timeout", "a int or float"),
    ("devices = [1, 2]\n", "devices", "a list of strings"),
    ('workload_dirs = ["a", 3]\n', "workload_dirs", "a list of strings"),
    ("repeat = 0\n", "repeat", "a positive number"),
    ("timeout = 0\n", "timeout", "a positive number"),
    ("timeout = -0.5\n", "timeout", "a positive number"),
    ("warmup = -1\n", "warmup", "a positive number"),
])
def test_a_value_of_the_wrong_type_or_range_names_the_field_and_what_was_expected(tmp_path, text, field, expected):
    f, err = refusal(tmp_path, text)
    value = text.split("=", 1)[1].strip()
    assert str(err).startswith(f"{f}: field '{field}': invalid value ")
    assert str(err).endswith(f"(expected {expected})") and err.field == field
    assert value.replace('"', "'").replace("true", "True").replace("false", "False") in str(err)


def test_the_smallest_values_in_range_are_accepted(tmp_path):
    assert load_spec_file(spec(tmp_path, "repeat = 1\nwarmup = 0\ntimeout = 0.001\n")) == {
        "repeat": 1, "warmup": 0, "timeout": 0.001}
