"""The RP2040's flashers without a Pico: the BOOTSEL drive found (named, or under the system's
mount points, here re-rooted in a temporary directory), the UF2 copied onto it, and picotool's
command line and failures (a stand-in picotool on PATH)."""

import os
import stat
from pathlib import Path

import pytest

from wasmcu.chips import flashers as registry
from wasmcu.chips.chip import get as get_chip
from wasmcu.chips.rp2040 import flashers
from wasmcu.errors import BoardError

CHIP = get_chip("rp2040")


def _drive(path: Path) -> Path:
    path.mkdir(parents=True)
    (path / "INFO_UF2.TXT").write_text("UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\n")
    return path


@pytest.fixture
def mounts(tmp_path, monkeypatch):
    """The system's mount points /media and /run/media, re-rooted under tmp_path/root."""
    root = tmp_path / "root"
    root.mkdir()
    real = Path

    def rerooted(p):
        p = str(p)
        return real(str(root) + p) if p.startswith("/") else real(p)

    monkeypatch.setattr(flashers, "Path", rerooted)
    monkeypatch.delenv("WASMCU_UF2_DRIVE", raising=False)
    return root


def test_the_named_drive_is_used_only_when_it_is_a_bootsel_drive(tmp_path, monkeypatch):
    drive = _drive(tmp_path / "RPI-RP2")
    monkeypatch.setenv("WASMCU_UF2_DRIVE", str(drive))
    assert flashers.bootsel_drive() == drive
    (drive / "INFO_UF2.TXT").unlink()
    assert flashers.bootsel_drive() is None


def test_the_drive_is_searched_under_media_and_run_media(mounts):
    assert flashers.bootsel_drive() is None                      # no mount point at all
    (mounts / "media" / "alice" / "USB").mkdir(parents=True)     # a drive that is not the Pico's
    assert flashers.bootsel_drive() is None
    run = _drive(mounts / "run" / "media" / "alice" / "RPI-RP2")
    assert flashers.bootsel_drive() == run
    (run / "INFO_UF2.TXT").unlink()
    media = _drive(mounts / "media" / "alice" / "RPI-RP2")
    assert flashers.bootsel_drive() == media


def test_an_empty_setting_searches_too(mounts, monkeypatch):
    media = _drive(mounts / "media" / "bob" / "RPI-RP2")
    monkeypatch.setenv("WASMCU_UF2_DRIVE", "")
    assert flashers.bootsel_drive() == media


def test_the_image_is_copied_onto_the_drive(mounts):
    media = _drive(mounts / "media" / "bob" / "RPI-RP2")
    flashers.copy_to_drive(b"\x55\x46\x32\x0a image")          # the default wait: the drive is there already
    assert (media / "wasmcu.uf2").read_bytes() == b"\x55\x46\x32\x0a image"
    registry.get("uf2-drive").flash(b"second", {}, CHIP)
    assert (media / "wasmcu.uf2").read_bytes() == b"second"


def test_no_drive_is_a_board_not_found_error(mounts):
    with pytest.raises(BoardError) as err:
        flashers.copy_to_drive(b"x", wait_s=0)
    assert str(err.value).startswith("board not found: no RP2040 BOOTSEL drive (a volume with INFO_UF2.TXT) is "
                                     "mounted; hold BOOTSEL while plugging the Pico in, or set WASMCU_UF2_DRIVE")


def test_a_drive_that_cannot_be_written_is_a_flashing_error(mounts):
    media = _drive(mounts / "media" / "bob" / "RPI-RP2")
    (media / "wasmcu.uf2").mkdir()                              # where the file goes, a directory
    with pytest.raises(BoardError) as err:
        flashers.copy_to_drive(b"x", wait_s=0)
    assert str(err.value) == f"flashing failed: copying the UF2 file to {media}: Is a directory"


# --- picotool ----------------------------------------------------------------------------------

PICOTOOL = """#!/bin/sh
printf '%s\\n' "$@" > "{log}"
cat "$3" > "{log}.image"
case "$PICOTOOL_ANSWER" in
  ok) exit 0 ;;
  stderr) echo "ERROR: no accessible RP2040 devices in BOOTSEL mode were found" >&2; exit 1 ;;
  stdout) echo "  it said this on stdout  "; exit 2 ;;
  long) i=0; while [ $i -lt 100 ]; do printf 'line%03d ' $i >&2; i=$((i+1)); done; exit 1 ;;
esac
"""


@pytest.fixture
def picotool(tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "picotool.log"
    exe = bindir / "picotool"
    exe.write_text(PICOTOOL.format(log=log))
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    return log


def test_picotool_loads_the_image_and_starts_it(picotool, monkeypatch):
    monkeypatch.setenv("PICOTOOL_ANSWER", "ok")
    registry.get("picotool").flash(b"uf2 bytes", {}, CHIP)
    args = picotool.read_text().splitlines()
    assert args[:2] == ["load", "-x"] and args[2].endswith(".uf2") and len(args) == 3
    assert (picotool.parent / "picotool.log.image").read_bytes() == b"uf2 bytes"
    assert not Path(args[2]).exists()                          # the temporary file is gone


@pytest.mark.parametrize("answer, said", [
    ("stderr", "ERROR: no accessible RP2040 devices in BOOTSEL mode were found"),
    ("stdout", "it said this on stdout"),
])
def test_a_picotool_failure_says_what_picotool_said(picotool, monkeypatch, answer, said):
    monkeypatch.setenv("PICOTOOL_ANSWER", answer)
    with pytest.raises(BoardError) as err:
        registry.get("picotool").flash(b"x", {}, CHIP)
    assert str(err.value) == f"flashing with picotool failed: {said} (hold BOOTSEL while plugging the Pico in)"


def test_a_long_picotool_message_is_cut_to_its_end(picotool, monkeypatch):
    monkeypatch.setenv("PICOTOOL_ANSWER", "long")
    with pytest.raises(BoardError) as err:
        registry.get("picotool").flash(b"x", {}, CHIP)
    said = str(err.value).removeprefix("flashing with picotool failed: ").removesuffix(
        " (hold BOOTSEL while plugging the Pico in)")
    assert len(said) == 300 and said.endswith("line098 line099")


def test_without_picotool_the_error_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BoardError, match='^picotool was not found: install it, or use flasher = "uf2-drive"$'):
        registry.get("picotool").flash(b"x", {}, CHIP)
