"""Outliers, instability warnings and where settings come from."""

import pytest

from wasmcu import config
from wasmcu.measure.stats import summarize


def test_outliers_are_found_by_their_distance_in_mads():
    samples = [10.0, 10.1, 9.9, 10.0, 10.2, 9.8, 10.0, 10.1, 9.9, 10.0, 30.0]
    s = summarize(samples)
    assert s.outliers == [10] and s.median == 10.0 and not s.unstable
    assert s.ci_low <= 10.0 <= s.ci_high and s.ci_high < 30
    assert s.warning is None  # one outlier in eleven samples is not worth a warning


def test_many_outliers_and_a_wide_spread_are_warned_about():
    assert "3 of 12 samples are outliers" in summarize([10.0] * 3 + [10.1] * 3 + [10.05] * 3 + [50, 60, 70]).warning
    wide = summarize([5.0, 10.0, 15.0, 7.0, 13.0, 9.0, 11.0])
    assert wide.unstable and wide.warning.startswith("unstable: spread is")
    steady = summarize([10.0, 10.01, 9.99, 10.02, 9.98])
    assert not steady.unstable and steady.warning is None


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("WASMCU_CONFIG", "WASMCU_WAMR_CLASSIC"):
        monkeypatch.delenv(name, raising=False)
    config._load.cache_clear()
    return tmp_path


def test_config_precedence_environment_then_config_file_then_nothing(isolated, monkeypatch):
    assert config.lookup("WASMCU_WAMR_CLASSIC", "wamr", "classic") is None
    home = isolated / "home" / ".config" / "wasmcu"
    home.mkdir(parents=True)
    (home / "config.toml").write_text('[wamr]\nclassic = "/from/home"\n')
    assert config.lookup("WASMCU_WAMR_CLASSIC", "wamr", "classic") == "/from/home"
    (isolated / "wasmcu.toml").write_text('[wamr]\nclassic = "/from/project"\n')  # ./wasmcu.toml before ~/.config
    assert config.lookup("WASMCU_WAMR_CLASSIC", "wamr", "classic") == "/from/project"
    explicit = isolated / "explicit.toml"
    explicit.write_text('[wamr]\nclassic = "/from/explicit"\n')
    monkeypatch.setenv("WASMCU_CONFIG", str(explicit))  # $WASMCU_CONFIG before both
    assert config.lookup("WASMCU_WAMR_CLASSIC", "wamr", "classic") == "/from/explicit"
    monkeypatch.setenv("WASMCU_WAMR_CLASSIC", "/from/env")  # the environment variable wins
    assert config.lookup("WASMCU_WAMR_CLASSIC", "wamr", "classic") == "/from/env"


def test_a_config_value_of_the_wrong_type_names_the_file_and_field(isolated):
    (isolated / "wasmcu.toml").write_text("[wamr]\nclassic = 3\n")
    with pytest.raises(config.ConfigError, match=r"wasmcu.toml: field 'wamr.classic': invalid value 3"):
        config.lookup("WASMCU_WAMR_CLASSIC", "wamr", "classic")
