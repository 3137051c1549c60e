"""Where a setting came from (wasmcu.config.lookup_origin), in-process: the environment first, then
the config file, with the table and key as the file spells them."""

import os

import pytest

from wasmcu import config
from wasmcu.errors import ConfigError


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    f = tmp_path / "config.toml"
    f.write_text('[wamr.builds]\n"cortex-m0plus.classic" = "~/w/libiwasm.a"\nplain_key = "/opt/x"\nCortex-M0 = "/opt/y"\nempty = ""\n'
                 '[wasm3.builds]\nbad = 3\n')
    monkeypatch.setenv("WASMCU_CONFIG", str(f))
    monkeypatch.delenv("WASMCU_X", raising=False)
    return f


def test_a_value_from_the_file_names_its_table_key_and_file(cfg):
    home = os.path.expanduser("~")
    assert config.lookup_origin("WASMCU_X", "wamr", "builds", "cortex-m0plus.classic") == (
        f"{home}/w/libiwasm.a", f'[wamr.builds] "cortex-m0plus.classic" = "{home}/w/libiwasm.a" in {cfg}')
    assert config.lookup_origin("WASMCU_X", "wamr", "builds", "plain_key") == (
        "/opt/x", f'[wamr.builds] plain_key = "/opt/x" in {cfg}')
    assert config.lookup_origin("WASMCU_X", "wamr", "builds", "Cortex-M0")[1] == f'[wamr.builds] Cortex-M0 = "/opt/y" in {cfg}'


def test_the_environment_wins_and_a_missing_or_empty_value_is_none(cfg, monkeypatch):
    assert config.lookup_origin("WASMCU_X", "wamr", "builds", "nothing") == (None, None)
    assert config.lookup_origin("WASMCU_X", "wamr", "builds", "empty") == (None, None)
    assert config.lookup("WASMCU_X", "wamr", "nothing", "deeper") is None
    monkeypatch.setenv("WASMCU_X", "/env/lib.a")
    assert config.lookup_origin("WASMCU_X", "wamr", "builds", "plain_key") == ("/env/lib.a", "WASMCU_X=/env/lib.a")


def test_a_value_that_is_not_a_path_names_the_field(cfg):
    with pytest.raises(ConfigError) as err:
        config.lookup("WASMCU_X", "wasm3", "builds", "bad")
    assert str(err.value) == f"{cfg}: field 'wasm3.builds.bad': invalid value 3 (expected a path)"
