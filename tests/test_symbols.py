"""Symbol values read in one go from an ELF file agree with pyelftools, and follow the file when it changes."""

import os
import shutil
import subprocess

import pytest
from elftools.elf.elffile import ELFFile

from wasmcu.measure.footprint import symbol_address
from wasmcu.measure.symbols import PT_LOAD, _read_slowly, read_elf, symbol_values

from conftest import link_elf

SCRIPT = "SECTIONS { .text 0x1000 : { *(.text*) } .data 0x20000000 : { *(.data*) } }\n"


def source(extra: str = "") -> str:
    # a literal word in the code: Arm mapping symbols ($t, $d) then name code and data again
    return (".syntax unified\n.thumb\n.text\n.global start\n.thumb_func\nstart: nop\n.align 2\n.word 7\n"
            f"{extra}"
            ".global later\n.thumb_func\nlater: bx lr\n.data\n.global value\nvalue: .word 1\n")


def every_symbol(path) -> dict:
    with open(path, "rb") as f:
        out = {}
        for sym in ELFFile(f).get_section_by_name(".symtab").iter_symbols():
            if sym.name:
                out.setdefault(sym.name, sym["st_value"])
        return out


def test_values_agree_with_pyelftools_and_thumb_bits_are_cleared(tmp_path):
    elf = link_elf(tmp_path, source(), SCRIPT)
    values = symbol_values(elf)
    assert values == every_symbol(elf)
    with open(elf, "rb") as f:
        thumb = ELFFile(f).get_section_by_name(".symtab").get_symbol_by_name("$t")
    assert len(thumb) >= 2 and values["$t"] == thumb[0]["st_value"]  # the first of a name, as pyelftools gives
    assert values["value"] == 0x20000000 and values["later"] & 1  # a Thumb function's address has bit 0 set
    assert symbol_address(elf, "later") == values["later"] & ~1 and symbol_address(elf, "nothing") is None


def test_a_changed_file_is_read_again(tmp_path):
    elf = link_elf(tmp_path, source(), SCRIPT)
    before = symbol_values(elf)["later"]
    other = link_elf(tmp_path, source("nop\nnop\nnop\nnop\n"), SCRIPT, name="g")
    shutil.copyfile(other, elf)
    os.utime(elf, ns=(os.stat(elf).st_atime_ns, os.stat(elf).st_mtime_ns + 1_000_000))
    assert symbol_values(elf)["later"] == before + 8


def test_a_64_bit_elf_is_read_too(tmp_path):
    cc = shutil.which("cc")
    if cc is None:
        pytest.skip("no host C compiler")
    (tmp_path / "m.c").write_text("int counter = 3;\nint main(void) { return counter; }\n")
    subprocess.run([cc, str(tmp_path / "m.c"), "-o", str(tmp_path / "m")], check=True)
    values = symbol_values(tmp_path / "m")
    assert values == every_symbol(tmp_path / "m") and values["main"] > 0


def test_the_fallback_reader_agrees_with_the_fast_one(tmp_path):
    # pyelftools reads what the fast reader leaves to it (extended section numbering): the same image
    elf = link_elf(tmp_path, source(), SCRIPT)
    fast, slow = read_elf(elf), _read_slowly(str(elf))
    assert slow == fast
    assert [s.type for s in fast.segments].count(PT_LOAD) == 2 and fast.sections[".data"].addr == 0x20000000
    assert fast.sections[".data"].size == 4 and fast.symbols["value"] == 0x20000000
    with pytest.raises(ValueError, match="not an ELF file"):
        read_elf(tmp_path / "f.S")
