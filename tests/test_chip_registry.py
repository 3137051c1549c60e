"""Declaring a chip or a flasher: a name taken twice, a start-up file that is missing, or a
flasher without a name is refused, saying which."""

import dataclasses

import pytest

from wasmcu.chips import chip as chip_mod
from wasmcu.chips import flashers
from wasmcu.errors import ConfigError


def test_a_chip_is_declared_once_with_its_start_up_file(tmp_path, monkeypatch):
    monkeypatch.setattr(chip_mod, "CHIPS", dict(chip_mod.CHIPS))
    pico = chip_mod.get("rp2040")
    with pytest.raises(ConfigError, match="chip 'rp2040' is declared twice") as err:
        chip_mod.register(pico)
    assert err.value.expected == "one folder per chip under wasmcu/chips/"
    twin = dataclasses.replace(pico, name="rp2040-twin")
    assert chip_mod.register(twin) is twin and chip_mod.get("rp2040-twin") is twin
    gone = dataclasses.replace(pico, name="no-start-up", startup=tmp_path / "startup.c")
    with pytest.raises(ConfigError, match="chip 'no-start-up': its start-up file .*startup.c does not exist"):
        chip_mod.register(gone)
    assert "no-start-up" not in chip_mod.CHIPS


def test_a_flasher_needs_a_name_of_its_own(monkeypatch):
    monkeypatch.setattr(flashers, "FLASHERS", dict(flashers.FLASHERS))
    taken = next(iter(flashers.FLASHERS))

    class Unnamed(flashers.Flasher):
        name = ""

    class Twin(flashers.Flasher):
        name = taken

    class Mine(flashers.Flasher):
        name = "mine"

    for cls in (Unnamed, Twin):
        says = f"flasher {cls.__name__}: its name '{cls.name}' is empty or taken"
        with pytest.raises(ConfigError, match=says) as err:
            flashers.register(cls)
        assert err.value.expected == "a name no other flasher uses"
    assert flashers.register(Mine) is Mine and isinstance(flashers.get("mine"), Mine)
