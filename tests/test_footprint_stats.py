"""Footprint of images without region symbols, heap and stack bounds, symbol addresses, UF2 size;
the exact summary of a few samples: interval, MAD, outliers and the warnings at their limits."""

import random

import numpy as np
import pytest

from wasmcu.measure.footprint import Footprint, footprint, symbol_address
from wasmcu.measure.stats import Summary, summarize

from conftest import link_elf

# --- footprint -----------------------------------------------------------------------------------

SOURCE = """
    .syntax unified
    .thumb
    .text
    .global kernel
    .thumb_func
kernel: bx lr                @ a Thumb function: its symbol's value has bit 0 set
    .space 998
    .section .rodata
    .global table
table: .space 200            @ data: its symbol's value is its address
    .data
    .space DATA
    .bss
    .space 300
"""

# no __flash/__ram symbols: segments are placed by their flags (PHDRS sets them); an empty
# loadable segment comes first
SCRIPT = """
MEMORY { flash (rx) : ORIGIN = 0x08000000, LENGTH = 16K  ram (rwx) : ORIGIN = 0x20000000, LENGTH = 8K }
PHDRS { empty PT_LOAD FLAGS(4); text PT_LOAD FLAGS(5); data PT_LOAD FLAGS(6); bss PT_LOAD FLAGS(6); }
SECTIONS {
  .empty : { } > flash :empty
  .text : { *(.text*) *(.rodata*) } > flash :text
  .data : { *(.data*) } > ram AT > flash :data
  .bss (NOLOAD) : { *(.bss*) } > ram :bss
  STACK
}
"""
STACK = ".stack (NOLOAD) : { . += 1024; } > ram :bss"
TEXT = 1000 + 200          # .text + .rodata, at 0x08000000
DATA_LMA = 0x08000000 + TEXT
BSS_VMA = 0x20000000 + 24


def link(tmp_path, name="f", *, data=24, stack=True, strip=False, defsyms=()):
    flags = [f"-Wl,--defsym,{name}={value:#x}" for name, value in defsyms] + (["-s"] if strip else [])
    return link_elf(tmp_path, SOURCE.replace("DATA", str(data)), SCRIPT.replace("STACK", STACK if stack else ""),
                    name, flags)


def test_without_regions_read_only_segments_are_flash_and_writable_ones_ram(tmp_path):
    fp = footprint(link(tmp_path))
    # .data is writable: RAM only (its load image is not counted without the regions); the stack apart
    assert fp == Footprint(flash_bytes=TEXT, ram_static_bytes=24 + 300, heap_limit_bytes=0, stack_reserved_bytes=1024)


def test_without_a_stack_section_nothing_is_set_apart(tmp_path):
    elf = link(tmp_path, stack=False)
    assert footprint(elf) == Footprint(flash_bytes=TEXT, ram_static_bytes=24 + 300, heap_limit_bytes=0,
                                       stack_reserved_bytes=0)
    # with an explicit RAM region as well
    fp = footprint(elf, flash=(0x08000000, 0x4000), ram=(0x20000000, 0x2000))
    assert (fp.flash_bytes, fp.ram_static_bytes, fp.stack_reserved_bytes) == (TEXT + 24, 24 + 300, 0)


def test_a_segment_of_one_byte_counts(tmp_path):
    fp = footprint(link(tmp_path, data=1, stack=False), flash=(0x08000000, 0x4000), ram=(0x20000000, 0x2000))
    assert (fp.flash_bytes, fp.ram_static_bytes) == (TEXT + 1, 1 + 300)


def test_a_region_holds_its_origin_but_not_its_end(tmp_path):
    elf = link(tmp_path)
    # flash ends where the load image of .data starts; RAM ends where .bss starts
    fp = footprint(elf, flash=(0x08000000, DATA_LMA - 0x08000000), ram=(0x20000000, BSS_VMA - 0x20000000))
    # the stack lies outside that RAM region: it was not counted, so it is not taken off either
    assert (fp.flash_bytes, fp.ram_static_bytes, fp.stack_reserved_bytes) == (TEXT, 24, 1024)
    # one byte more and the next segment is in
    assert footprint(elf, flash=(0x08000000, DATA_LMA - 0x08000000 + 1)).flash_bytes == TEXT + 24
    # one byte less at the start and the first segment is out
    fp = footprint(elf, flash=(0x08000001, 0x4000), ram=(0x20000001, 0x2000))
    assert (fp.flash_bytes, fp.ram_static_bytes) == (24, 300)


def test_the_heap_limit_is_the_room_between_the_heap_symbols(tmp_path):
    elf = link(tmp_path, defsyms=[("__heap_start", 0x20000200), ("__heap_end", 0x20001c00)])
    assert footprint(elf).heap_limit_bytes == 0x1a00
    reversed_ = link(tmp_path, defsyms=[("__heap_start", 0x20001c00), ("__heap_end", 0x20000200)])
    assert footprint(reversed_).heap_limit_bytes == 0
    # one symbol alone says nothing about the room: not its address taken as a size
    assert footprint(link(tmp_path, defsyms=[("__heap_end", 0x20001c00)])).heap_limit_bytes == 0
    assert footprint(link(tmp_path, defsyms=[("__heap_start", 0x20000200)])).heap_limit_bytes == 0


def test_region_symbols_are_used_only_in_pairs(tmp_path):
    # __flash without __flash_size (and __ram_size without __ram): the flags decide, as with none
    elf = link(tmp_path, defsyms=[("__flash", 0x08000000), ("__ram_size", 0x2000)])
    assert footprint(elf) == footprint(link(tmp_path, "none"))
    both = link(tmp_path, "both", defsyms=[("__flash", 0x08000000), ("__flash_size", 0x4000),
                                   ("__ram", 0x20000000), ("__ram_size", 0x2000)])
    fp = footprint(both)
    assert (fp.flash_bytes, fp.ram_static_bytes) == (TEXT + 24, 24 + 300)
    # explicit regions win over the symbols
    fp = footprint(both, flash=(0x08000000, TEXT), ram=(0x20000000, 24))
    assert (fp.flash_bytes, fp.ram_static_bytes) == (TEXT, 24)


def test_symbol_address_clears_the_thumb_bit_only(tmp_path):
    elf = link(tmp_path)
    assert symbol_address(elf, "kernel") == 0x08000000
    assert symbol_address(elf, "table") == 0x08000000 + 1000
    assert symbol_address(elf, "no_such_symbol") is None
    stripped = link(tmp_path, "stripped", strip=True)
    assert symbol_address(stripped, "kernel") is None


@pytest.mark.parametrize("flash, uf2", [(0, 0), (1, 512), (256, 512), (257, 1024), (1000, 2048)])
def test_uf2_size_is_whole_blocks_of_256_bytes_of_image(flash, uf2):
    fp = Footprint(flash_bytes=flash, ram_static_bytes=0, heap_limit_bytes=0, stack_reserved_bytes=0)
    assert fp.uf2_bytes() == uf2 and isinstance(fp.uf2_bytes(), int)


# --- stats ---------------------------------------------------------------------------------------

UNSTABLE = "unstable: spread is {}% of the median (MAD-based); use more --repeat, or a quieter machine"


def test_no_samples_is_an_error():
    with pytest.raises(ValueError, match="^no samples$"):
        summarize([])


def test_one_sample_is_its_own_interval():
    assert summarize([5.0]) == Summary(n=1, median=5.0, ci_low=5.0, ci_high=5.0, mad=0.0, outliers=[],
                                       unstable=False, warning=None)


def test_two_samples_give_their_range_whatever_the_confidence():
    assert summarize([4.0, 6.0], confidence=0.4) == Summary(
        n=2, median=5.0, ci_low=4.0, ci_high=6.0, mad=1.0, outliers=[], unstable=True,
        warning=UNSTABLE.format(30))  # 1.4826 x 1 / 5


def test_three_samples_are_bootstrapped_at_the_confidence_asked():
    # the median of three drawn from {9, 10, 11} is 10 with probability 13/27, 9 or 11 with 7/27 each:
    # a 95 % interval spans all three, a 40 % one (30 % to 70 %) only the middle
    wide = Summary(n=3, median=10.0, ci_low=9.0, ci_high=11.0, mad=1.0, outliers=[], unstable=True,
                   warning=UNSTABLE.format(15))
    assert summarize([9.0, 10.0, 11.0]) == wide
    assert summarize([11.0, 9.0, 10.0], confidence=0.4) == Summary(**{**wide.__dict__, "ci_low": 10.0,
                                                                      "ci_high": 10.0})
    # a 60 % interval (20 % to 80 %) reaches the outer values again
    s = summarize([9.0, 10.0, 11.0], confidence=0.6)
    assert (s.ci_low, s.ci_high) == (9.0, 11.0)


def test_the_interval_is_the_same_on_every_call():
    rng = random.Random(5)
    samples = [rng.gauss(100, 5) for _ in range(100)]
    first = summarize(samples, resamples=200)
    assert first == summarize(samples, resamples=200) and first.ci_low < first.median < first.ci_high
    assert summarize(samples, resamples=200, seed=1) != first  # another seed, other resamples
    # by default: a 95 % interval from 2000 resamples drawn with seed 0, as results stored earlier were
    assert summarize(samples) == summarize(samples, confidence=0.95, resamples=2000, seed=0)
    assert summarize(samples) not in (summarize(samples, seed=1), summarize(samples, resamples=2001))


def test_a_spread_of_exactly_ten_percent_is_not_unstable():
    m = 5 * 1.4826  # MAD 0.5 scaled by 1.4826 is exactly a tenth of this median
    s = summarize([m - 0.5, m, m + 0.5])
    assert s.mad == 0.5 and not s.unstable and s.warning is None
    s = summarize([m - 0.5000001, m, m + 0.5000001])  # a hair more
    assert s.unstable and s.warning == UNSTABLE.format(10)


def test_a_median_of_zero_or_below_one_is_handled():
    # no relative spread around a zero or negative median: no warning, no division by zero
    assert summarize([-1.0, 0.0, 1.0]) == Summary(n=3, median=0.0, ci_low=-1.0, ci_high=1.0, mad=1.0, outliers=[],
                                                  unstable=False, warning=None)
    assert not summarize([-12.0, -10.0, -8.0]).unstable
    small = summarize([0.4, 0.5, 0.6])  # a median below 1 is a median like any other
    assert small.unstable and small.warning == UNSTABLE.format(30)


def test_with_a_mad_of_zero_nothing_is_an_outlier():
    s = summarize([5.0, 5.0, 5.0, 9.0])
    assert (s.mad, s.outliers, s.unstable, s.warning) == (0.0, [], False, None)


def test_an_outlier_is_strictly_more_than_three_and_a_half_scaled_mads_away():
    limit = 3.5 * (1.4826 * 2)  # MAD 2 around a median of 0
    s = summarize([-2.0, -2.0, 0.0, 0.0, 0.0, 2.0, 2.0, limit, -np.nextafter(limit, np.inf)])
    assert (s.median, s.mad, s.outliers) == (0.0, 2.0, [8])


@pytest.mark.parametrize("n, outliers, warned", [
    (12, 2, True),    # more than one outlier in fewer than 20 samples
    (20, 2, False),   # a tenth of the samples may be outliers
    (20, 3, True),
    (30, 3, False),
])
def test_outliers_are_warned_about_beyond_a_tenth_of_the_samples(n, outliers, warned):
    steady = [10.0, 10.1, 9.9, 10.0] * n
    samples = steady[:n - outliers] + [50.0 + i for i in range(outliers)]
    s = summarize(samples)
    assert len(s.outliers) == outliers and not s.unstable
    assert s.warning == (f"{outliers} of {n} samples are outliers" if warned else None)
