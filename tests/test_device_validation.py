"""Device data: the arch, core and board files, their schema, how layers merge into a device,
and the messages a wrong file gets (each names the file, the key and what was expected)."""

import copy
import os
from pathlib import Path

import pytest

from wasmcu import devices
from wasmcu.devices import layers as layers_mod
from wasmcu.devices.device import Device, at_clock, parse
from wasmcu.devices.schema import _check_memory_system, _check_runtime_sizes, _check_schema, _need
from wasmcu.errors import ConfigError

ARCH = '''
name = "toyarch"
description = "a test architecture"
isa = "rv32"
[toolchain]
cc = "riscv64-unknown-elf-gcc"
cflags = ["-march=rv32imac", "-mabi=ilp32"]
rust_target = "riscv32imac-unknown-none-elf"
linker_script = "picolibc.ld"
[qemu]
binary = "qemu-system-riscv32"
machine = "virt"
'''

COSTS = '''
alu = 1
load = 2
store = 1
mul = 1
div = 34
branch_not_taken = 1
branch_taken = 3
jump = 2
call = 2
indirect = 3
multi_base = 1
multi_per_reg = 1
pop_pc_extra = 0
load_use = 1
fetch_wait = 0
ifetch_miss = 0
dfetch_miss = 0
source = "the core's manual"
'''

CORE = '''
name = "toycore"
description = "a test core"
arch = "toyarch"
[toolchain]
cflags = ["-mtune=size"]
[cycle_model]
''' + COSTS

BOARD = '''
name = "toyboard"
description = "a test board"
backend = "qemu"
core = "toycore"
[clock]
default_hz = 50_000_000
source = "the board's datasheet"
[memory]
flash_bytes = 65_536
ram_bytes = 16_384
source = "the board's datasheet"
'''


def device_dir(root: Path, arch: str = ARCH, core: str = CORE, boards: dict | None = None) -> Path:
    """A device directory: one architecture, one core and boards (file stem -> text)."""
    (root / "arch").mkdir(parents=True, exist_ok=True)
    (root / "cores").mkdir(exist_ok=True)
    (root / "arch" / "toyarch.toml").write_text(arch)
    (root / "cores" / "toycore.toml").write_text(core)
    for stem, text in (boards if boards is not None else {"toyboard": BOARD}).items():
        (root / f"{stem}.toml").write_text(text)
    return root


def message(exc_info, root: Path) -> str:
    return str(exc_info.value).replace(str(root), "DIR")


def dev(data: dict, name: str = "d") -> Device:
    return Device(name=name, description="a device", backend="qemu", file=Path("d.toml"), data=data,
                  layers=[Path("a.toml"), Path("d.toml")])


# --- device.py: clocks and device lists ---------------------------------------------------


def test_section_is_the_table_or_empty():
    d = dev({"clock": {"default_hz": 1}})
    assert d.section("clock") == {"default_hz": 1}
    assert d.section("memory") == {}


def test_at_clock_is_a_copy_at_another_documented_clock():
    d = dev({"name": "d", "clock": {"default_hz": 64_000_000, "options_hz": [64_000_000, 128_000_000]}})
    fast = at_clock(d, "128")
    assert (fast.name, fast.data["name"], fast.clock_hz) == ("d@128", "d@128", 128_000_000)
    assert (fast.description, fast.backend, fast.file, fast.layers) == (d.description, d.backend, d.file, d.layers)
    assert fast.data["clock"]["options_hz"] == [64_000_000, 128_000_000]
    # the original is untouched
    assert d.data == {"name": "d", "clock": {"default_hz": 64_000_000, "options_hz": [64_000_000, 128_000_000]}}
    assert at_clock(d, "64.0").clock_hz == 64_000_000
    half = dev({"clock": {"default_hz": 1, "options_hz": [500_000]}})
    assert at_clock(half, "0.5").clock_hz == 500_000


@pytest.mark.parametrize("data, mhz, expected", [
    ({"clock": {"options_hz": [64_000_000, 128_000_000]}}, "96",
     "device 'd' has no 96 MHz clock; its documented clocks (MHz): 64, 128"),
    ({"clock": {"options_hz": [500_000, 1_000_000]}}, "fast",
     "device 'd' has no fast MHz clock; its documented clocks (MHz): 0.5, 1"),
    ({"clock": {"default_hz": 1}}, "1", "device 'd' has no 1 MHz clock; its documented clocks (MHz): none"),
    ({}, "1", "device 'd' has no 1 MHz clock; its documented clocks (MHz): none"),
])
def test_at_clock_refuses_an_undocumented_clock(data, mhz, expected):
    with pytest.raises(ConfigError) as info:
        at_clock(dev(data), mhz)
    assert str(info.value) == expected


def test_parse_selects_devices_by_name_and_clock():
    a = dev({"clock": {"default_hz": 1_000_000, "options_hz": [1_000_000, 2_000_000]}}, "a")
    b = dev({}, "b")
    known = {"a": a, "b": b}
    assert parse(None, known, ["b"]) == [b]
    assert parse("", known, ["a", "b"]) == [a, b]
    got = parse(" b , a@2,,", known, [])
    assert [d.name for d in got] == ["b", "a@2"] and got[0] is b and got[1].clock_hz == 2_000_000
    assert known["a@2"] is got[1] and known["a"] is a   # the clocked device is added to the known ones
    with pytest.raises(ConfigError) as info:
        parse("a@1@2", known, [])
    assert str(info.value) == "device 'a' has no 1@2 MHz clock; its documented clocks (MHz): 1, 2"
    with pytest.raises(ConfigError) as info:
        parse("a,c@5", known, [])
    assert str(info.value) == "unknown device 'c'; known: a, b, a@2 (add a profile with --device-dir)"


# --- layers.py: reading and checking one file ---------------------------------------------


def without(text: str, line: str) -> str:
    assert line in text
    return text.replace(line + "\n", "", 1)


def test_an_arch_file_is_a_layer(tmp_path):
    f = tmp_path / "toyarch.toml"
    f.write_text(ARCH)
    layer = devices.load_arch(str(f))
    assert (layer.kind, layer.name, layer.file) == ("arch", "toyarch", f) and isinstance(layer.file, Path)
    assert layer.data["toolchain"]["cflags"] == ["-march=rv32imac", "-mabi=ilp32"]
    assert "rust_features" not in layer.data["toolchain"]   # optional


ARCH_ERRORS = [
    (without(ARCH, 'name = "toyarch"'),
     "field 'name': missing (expected the architecture's name, the file's stem, e.g. 'armv6m')"),
    (without(ARCH, 'description = "a test architecture"'), "field 'description': missing (expected a one-line description)"),
    (without(ARCH, 'isa = "rv32"'), "field 'isa': missing (expected thumb or rv32)"),
    (ARCH.replace('isa = "rv32"', 'isa = "x86"'),
     "field 'isa': unknown isa 'x86' (expected thumb or rv32 (the instruction decoders of wasmcu's QEMU plugin))"),
    (without(ARCH, 'cc = "riscv64-unknown-elf-gcc"'),
     "field 'toolchain.cc': missing (expected a cross compiler, e.g. 'arm-none-eabi-gcc')"),
    (without(ARCH, 'cflags = ["-march=rv32imac", "-mabi=ilp32"]'),
     "field 'toolchain.cflags': missing (expected a list of strings)"),
    (without(ARCH, 'rust_target = "riscv32imac-unknown-none-elf"'),
     "field 'toolchain.rust_target': missing (expected a Rust target, e.g. 'thumbv6m-none-eabi')"),
    (without(ARCH, 'linker_script = "picolibc.ld"'),
     "field 'toolchain.linker_script': missing (expected the linker script included after the memory layout, "
     "e.g. 'picolibc.ld')"),
    (ARCH.replace('name = "toyarch"', "name = 1"), "field 'name': invalid value 1 (expected a string)"),
    (ARCH + "[cpu]\n", "field 'cpu': unknown key 'cpu' (expected one of name, description, isa, toolchain, qemu, "
                       "wamr, build)"),
    (ARCH + "[build]\nstack_bytes = true\n", "field 'build.stack_bytes': invalid value True (expected an integer)"),
    (ARCH.replace('cflags = ["-march=rv32imac", "-mabi=ilp32"]', 'cflags = "-march=rv32imac"'),
     "field 'toolchain.cflags': invalid value '-march=rv32imac' (expected a list of strings)"),
    (ARCH.replace('cflags = ["-march=rv32imac", "-mabi=ilp32"]', 'cflags = ["-march=rv32imac", 3]'),
     "field 'toolchain.cflags': invalid value ['-march=rv32imac', 3] (expected a list of strings)"),
    (ARCH.replace('machine = "virt"', "machine = 1"),
     "field 'qemu.machine': invalid value 1 (expected a QEMU machine, e.g. 'mps2-an385')"),
    ('qemu = 1\n' + ARCH.split("[qemu]")[0],
     "field 'qemu': invalid value 1 (expected a table with binary, machine, flash_origin, ram_origin, args, note)"),
    ("name = ", "invalid TOML: "),
]


def test_an_unreadable_file_is_named(tmp_path):
    with pytest.raises(ConfigError) as info:
        devices.load_board(tmp_path / "nope.toml")
    assert message(info, tmp_path) == "DIR/nope.toml: cannot read: No such file or directory"


def test_a_core_file_is_a_layer_with_a_partial_cost_table(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('name = "c"\ndescription = "d"\narch = "toyarch"\n[cycle_model]\nalu = 1\nnote = "n"\n')
    layer = devices.load_core(str(f))
    assert (layer.kind, layer.name, layer.file, layer.data["cycle_model"]) == ("core", "c", f, {"alu": 1, "note": "n"})
    f.write_text('name = "c"\ndescription = "d"\narch = "toyarch"\n')
    assert devices.load_core(f).data == {"name": "c", "description": "d", "arch": "toyarch"}


CORE_ERRORS = [
    (without(CORE, 'name = "toycore"'), "field 'name': missing (expected the core's name, e.g. 'cortex-m0plus')"),
    (without(CORE, 'description = "a test core"'), "field 'description': missing (expected a one-line description)"),
    (without(CORE, 'arch = "toyarch"'), "field 'arch': missing (expected an architecture (a file of devices/arch/))"),
    (CORE + "alus = 1\n", "field 'cycle_model.alus': unknown key 'alus' (expected one of alu, load, store, mul"),
    (CORE.replace("alu = 1", "alu = -1"), "field 'cycle_model.alu': invalid cost -1 (expected a number of cycles >= 0)"),
    (CORE.replace('source = "the core\'s manual"', "source = 1"),
     "field 'cycle_model.source': invalid value 1 (expected a string)"),
    (CORE + 'note = ["a"]\n', "field 'cycle_model.note': invalid value ['a'] (expected a string)"),
    (CORE.replace("[toolchain]", "[toolchain]\ncc = 'gcc'"),
     "field 'toolchain.cc': unknown key 'cc' (expected one of cflags)"),
]


def test_a_board_file_is_a_layer(tmp_path):
    f = tmp_path / "b.toml"
    f.write_text(BOARD)
    layer = devices.load_board(str(f))
    assert (layer.kind, layer.name, layer.file, layer.data["core"]) == ("board", "toyboard", f, "toycore")
    # a board extending another needs neither description nor backend: the other gives them
    f.write_text('name = "b2"\nextends = "toyboard"\n[cycle_model]\nalu = 2\n')
    assert devices.load_board(f).data == {"name": "b2", "extends": "toyboard", "cycle_model": {"alu": 2}}


BOARD_ERRORS = [
    (without(BOARD, 'name = "toyboard"'), "field 'name': missing (expected a device name such as 'pico')"),
    (without(BOARD, 'description = "a test board"'), "field 'description': missing (expected a one-line description)"),
    (without(BOARD, 'backend = "qemu"'), "field 'backend': missing (expected host or qemu or board)"),
    (BOARD.replace('backend = "qemu"', 'backend = "cloud"'),
     "field 'backend': unknown backend 'cloud' (expected host or qemu or board)"),
    (BOARD + "[cycle_model]\nalu = 'one'\n", "field 'cycle_model.alu': invalid cost 'one' (expected a number of cycles >= 0)"),
    ('name = "b"\nextends = "x"\n[cycle_model]\nfoo = 1\n', "field 'cycle_model.foo': unknown key 'foo'"),
    ("power = 1\n" + BOARD, "field 'power': invalid value 1 (expected a table)"),
    (BOARD.replace("default_hz = 50_000_000", "default_hz = true"),
     "field 'clock.default_hz': invalid value True (expected the core clock in Hz, an integer)"),
    (BOARD.replace("default_hz = 50_000_000", "default_hz = 5e7"),
     "field 'clock.default_hz': invalid value 50000000.0 (expected the core clock in Hz, an integer)"),
    (BOARD.replace("default_hz = 50_000_000", "options_hz = [1, true]"),
     "field 'clock.options_hz': invalid value [1, True] (expected a list of integers)"),
    (BOARD.replace("default_hz = 50_000_000", "options_hz = [1, 2.0]"),
     "field 'clock.options_hz': invalid value [1, 2.0] (expected a list of integers)"),
    (BOARD.replace("default_hz = 50_000_000", "options_hz = 1"),
     "field 'clock.options_hz': invalid value 1 (expected a list of integers)"),
    (BOARD.replace("[clock]", "[calibration]\nfit = 1\n[clock]").replace("default_hz = 50_000_000", 'default_hz = "5"'),
     "field 'clock.default_hz': invalid value '5' (expected the core clock in Hz, an integer)"),
    (BOARD.replace("[memory]", "[memory]\nrom_bytes = 1"),
     "field 'memory.rom_bytes': unknown key 'rom_bytes' (expected one of flash_bytes, ram_bytes, source)"),
]


LAYER_ERRORS = ([(devices.load_arch, "a.toml", *e) for e in ARCH_ERRORS] +
                [(devices.load_core, "c.toml", *e) for e in CORE_ERRORS] +
                [(devices.load_board, "b.toml", *e) for e in BOARD_ERRORS])


@pytest.mark.parametrize("load, name, text, expected", LAYER_ERRORS)
def test_a_bad_arch_core_or_board_file_names_the_file_and_the_key(tmp_path, load, name, text, expected):
    f = tmp_path / name
    f.write_text(text)
    with pytest.raises(ConfigError) as info:
        load(f)
    assert message(info, tmp_path).startswith(f"DIR/{name}: {expected}")
    assert info.value.file == f


def test_the_schema_checks_true_or_false_values():
    from wasmcu.devices.schema import BOOL, INT

    schema = {"flag": BOOL, "n": INT, "t": {"flag": BOOL}}
    _check_schema({"flag": True, "n": 3, "t": {"flag": False}}, schema, Path("f.toml"))
    for data, expected in (({"flag": 1}, "f.toml: field 'flag': invalid value 1 (expected true or false)"),
                           ({"n": False}, "f.toml: field 'n': invalid value False (expected an integer)"),
                           ({"t": {"flag": "yes"}}, "f.toml: field 't.flag': invalid value 'yes' (expected true or false)")):
        with pytest.raises(ConfigError) as info:
            _check_schema(data, schema, Path("f.toml"))
        assert str(info.value) == expected
    with pytest.raises(ConfigError) as info:
        _check_schema({"x": 1}, schema, Path("f.toml"), "top.")
    assert str(info.value) == "f.toml: field 'top.x': unknown key 'x' (expected one of flag, n, t)"


def test_need_finds_a_dotted_key_of_a_kind():
    data = {"a": {"b": 3, "flag": True}, "s": "x"}
    assert _need(data, "a.b", int, Path("f"), "a number") == 3
    assert _need(data, "s", str, Path("f"), "text") == "x"
    for path, kind, expected in (("a.c", int, "f: field 'a.c': missing, below (expected a number)"),
                                 ("s.c", int, "f: field 's.c': missing, below (expected a number)"),
                                 ("a.flag", int, "f: field 'a.flag': invalid value True (expected a number)"),
                                 ("a.b", str, "f: field 'a.b': invalid value 3 (expected a number)")):
        with pytest.raises(ConfigError) as info:
            _need(data, path, kind, Path("f"), "a number", ", below")
        assert str(info.value) == expected


# --- merging layers into a device -----------------------------------------------------------


def test_merge_is_key_by_key_and_leaves_both_sides_alone():
    low = {"a": 1, "t": {"x": 1, "y": [1], "u": {"deep": 1}}, "l": [1, 2], "cycle_model": {"alu": 1, "source": "core"}}
    high = {"a": 2, "t": {"y": [2], "u": {"more": 2}}, "new": {"k": [3]}, "cycle_model": {"mul": 2, "source": "board"}}
    low_before, high_before = copy.deepcopy(low), copy.deepcopy(high)
    out = devices.merge(low, high)
    assert out == {"a": 2, "t": {"x": 1, "y": [2], "u": {"deep": 1, "more": 2}}, "l": [1, 2], "new": {"k": [3]},
                   "cycle_model": {"alu": 1, "mul": 2, "source": "core; board"}}
    out["t"]["u"]["deep"] = 9
    out["l"].append(3)
    out["new"]["k"].append(4)
    assert (low, high) == (low_before, high_before)


def test_merge_joins_only_cost_table_sources_given_on_both_sides():
    assert devices.merge({"cycle_model": {"source": "a"}}, {"cycle_model": {"alu": 1}}) == \
        {"cycle_model": {"source": "a", "alu": 1}}
    assert devices.merge({"cycle_model": {"alu": 1}}, {"cycle_model": {"source": "b"}}) == \
        {"cycle_model": {"alu": 1, "source": "b"}}
    assert devices.merge({"clock": {"source": "a"}}, {"clock": {"source": "b"}}) == {"clock": {"source": "b"}}
    # a table over a value, and a value over a table, replace it
    assert devices.merge({"t": 1}, {"t": {"a": 1}}) == {"t": {"a": 1}}
    assert devices.merge({"t": {"a": 1}}, {"t": 1}) == {"t": 1}


def toy_catalog(root: Path, boards: dict | None = None, arch: str = ARCH, core: str = CORE) -> devices.Catalog:
    device_dir(root, arch, core, boards)
    cat = devices.Catalog()
    cat.add_layers(root)
    cat.add_boards(root)
    return cat


def test_a_device_is_its_arch_core_and_board_merged(tmp_path):
    cat = toy_catalog(tmp_path)
    d = cat.resolve("toyboard")
    assert (d.name, d.description, d.backend, d.file) == ("toyboard", "a test board", "qemu", tmp_path / "toyboard.toml")
    assert d.layers == [tmp_path / "arch/toyarch.toml", tmp_path / "cores/toycore.toml", tmp_path / "toyboard.toml"]
    costs = dict(cat.cores["toycore"].data["cycle_model"])
    assert d.data == {
        "name": "toyboard", "description": "a test board", "backend": "qemu", "core": "toycore", "arch": "toyarch",
        "isa": "rv32",
        "toolchain": {"cc": "riscv64-unknown-elf-gcc", "cflags": ["-mtune=size"],
                      "rust_target": "riscv32imac-unknown-none-elf", "linker_script": "picolibc.ld"},
        "qemu": {"binary": "qemu-system-riscv32", "machine": "virt"},
        "cycle_model": costs,
        "clock": {"default_hz": 50_000_000, "source": "the board's datasheet"},
        "memory": {"flash_bytes": 65_536, "ram_bytes": 16_384, "source": "the board's datasheet"},
    }
    assert d.arch == "toyarch"
    # the layers' own data is not changed by the merge
    assert cat.arches["toyarch"].data["name"] == "toyarch" and cat.cores["toycore"].data["name"] == "toycore"


def test_a_board_extends_another_board(tmp_path):
    child = 'name = "child"\nextends = "toyboard"\n[clock]\ndefault_hz = 25_000_000\n[cycle_model]\nalu = 4\n' \
            'source = "measured"\n'
    grandchild = 'name = "grandchild"\nextends = "child"\ndescription = "the third"\n'
    cat = toy_catalog(tmp_path, {"toyboard": BOARD, "child": child, "grandchild": grandchild})
    c = cat.resolve("child")
    assert (c.name, c.description, c.clock_hz, c.data["clock"]["source"]) == \
        ("child", "a test board", 25_000_000, "the board's datasheet")
    assert "extends" not in c.data and c.data["name"] == "child"
    assert c.data["cycle_model"]["alu"] == 4 and c.data["cycle_model"]["source"] == "the core's manual; measured"
    g = cat.resolve("grandchild")
    assert (g.name, g.description, g.clock_hz) == ("grandchild", "the third", 25_000_000)
    assert [p.name for p in g.layers] == ["toyarch.toml", "toycore.toml", "toyboard.toml", "child.toml",
                                          "grandchild.toml"]
    assert cat.boards["grandchild"].data["extends"] == "child"   # the layer itself is unchanged


@pytest.mark.parametrize("boards, name, expected", [
    ({"a": 'name = "a"\nextends = "a"\n'}, "a",
     "DIR/a.toml: field 'extends': board 'a' extends itself (through a -> a) (expected a chain of boards without a cycle)"),
    ({"a": 'name = "a"\nextends = "b"\n', "b": 'name = "b"\nextends = "c"\n', "c": 'name = "c"\nextends = "a"\n'}, "a",
     "DIR/c.toml: field 'extends': board 'c' extends itself (through a -> b -> c -> a) "
     "(expected a chain of boards without a cycle)"),
    ({"a": 'name = "a"\nextends = "b"\n', "b": 'name = "b"\nextends = "zz"\n'}, "a",
     "DIR/b.toml: field 'extends': unknown board 'zz' (expected one of a, b, toyboard)"),
])
def test_a_bad_chain_of_boards_is_named(tmp_path, boards, name, expected):
    cat = toy_catalog(tmp_path, {"toyboard": BOARD, **boards})
    with pytest.raises(ConfigError) as info:
        cat.resolve(name)
    assert message(info, tmp_path) == expected


HOST = 'name = "myhost"\ndescription = "another computer"\nbackend = "host"\n'


def test_a_host_board_needs_no_core(tmp_path):
    cat = toy_catalog(tmp_path, {"myhost": HOST})
    d = cat.resolve("myhost")
    assert d.data == {"name": "myhost", "description": "another computer", "backend": "host"}
    assert (d.layers, d.arch, d.core, d.clock_hz) == ([tmp_path / "myhost.toml"], "host", None, None)


RESOLVE_ERRORS = [
    (without(BOARD, 'core = "toycore"'), ARCH, CORE,
     "DIR/toyboard.toml: field 'core': missing (expected a core (a file of devices/cores/), e.g. 'cortex-m0plus')"),
    (BOARD.replace('core = "toycore"', 'core = "m99"'), ARCH, CORE,
     "DIR/toyboard.toml: field 'core': unknown core 'm99' (expected one of toycore, zcore (or a core file in a device "
     "directory's cores/ folder))"),
    (BOARD, ARCH, CORE.replace('arch = "toyarch"', 'arch = "vax"'),
     "DIR/cores/toycore.toml: field 'arch': unknown arch 'vax' (expected one of toyarch, zarch (or an arch file in a "
     "device directory's arch/ folder))"),
    ('arch = "armv6m"\n' + BOARD, ARCH, CORE,
     "DIR/toyboard.toml: field 'arch': arch 'armv6m' differs from core 'toycore''s 'toyarch' "
     "(expected 'toyarch' or no arch key (the core gives it))"),
]


@pytest.mark.parametrize("board, arch, core, expected", RESOLVE_ERRORS)
def test_a_board_on_an_unknown_core_or_arch_is_named(tmp_path, board, arch, core, expected):
    device_dir(tmp_path, arch, core, {"toyboard": board})
    (tmp_path / "arch" / "zarch.toml").write_text(ARCH.replace('name = "toyarch"', 'name = "zarch"'))
    (tmp_path / "cores" / "zcore.toml").write_text(CORE.replace('name = "toycore"', 'name = "zcore"'))
    cat = devices.Catalog()
    cat.add_layers(tmp_path)
    cat.add_boards(tmp_path)
    with pytest.raises(ConfigError) as info:
        cat.resolve("toyboard")
    assert message(info, tmp_path) == expected


def test_a_board_may_repeat_its_cores_arch(tmp_path):
    board = BOARD.replace('core = "toycore"', 'core = "toycore"\narch = "toyarch"')
    assert toy_catalog(tmp_path, {"toyboard": board}).resolve("toyboard").arch == "toyarch"


# --- the checks of a merged device ------------------------------------------------------------

BELOW = " (in the board and in its core 'toycore' and architecture 'toyarch')"

VALIDATION_ERRORS = [
    (without(BOARD, "default_hz = 50_000_000"), ARCH,
     f"field 'clock.default_hz': missing{BELOW} (expected the core clock in Hz, an integer)"),
    (BOARD.replace("default_hz = 50_000_000", "default_hz = 0"), ARCH,
     "field 'clock.default_hz': invalid value 0 (expected a positive integer)"),
    (BOARD.replace("default_hz = 50_000_000", "default_hz = -5"), ARCH,
     "field 'clock.default_hz': invalid value -5 (expected a positive integer)"),
    (without(BOARD, 'source = "the board\'s datasheet"'), ARCH,
     f"field 'clock.source': missing{BELOW} (expected where the figure comes from (datasheet section))"),
    (without(BOARD, "flash_bytes = 65_536"), ARCH,
     f"field 'memory.flash_bytes': missing{BELOW} (expected a size in bytes, an integer)"),
    (without(BOARD, "ram_bytes = 16_384"), ARCH,
     f"field 'memory.ram_bytes': missing{BELOW} (expected a size in bytes, an integer)"),
    (BOARD.replace("flash_bytes = 65_536", "flash_bytes = 0"), ARCH,
     "field 'memory.flash_bytes': invalid value 0 (expected a positive integer)"),
    (BOARD.replace("ram_bytes = 16_384", "ram_bytes = -1"), ARCH,
     "field 'memory.ram_bytes': invalid value -1 (expected a positive integer)"),
    (BOARD.replace('ram_bytes = 16_384\nsource = "the board\'s datasheet"', "ram_bytes = 16_384"), ARCH,
     f"field 'memory.source': missing{BELOW} (expected where the figures come from (datasheet section))"),
    (BOARD, without(ARCH, 'machine = "virt"'),
     f"field 'qemu.machine': missing{BELOW} (expected a QEMU machine such as 'mps2-an385')"),
    (BOARD, without(ARCH, 'binary = "qemu-system-riscv32"'),
     f"field 'qemu.binary': missing{BELOW} (expected a QEMU program such as 'qemu-system-arm')"),
    (BOARD.replace('backend = "qemu"', 'backend = "board"'), ARCH,
     f"field 'board.chip': missing{BELOW} (expected the chip wasmcu builds firmware for: \"rp2040\")"),
    (BOARD.replace('backend = "qemu"', 'backend = "board"') + "[board]\nchip = 2040\n", ARCH,
     "field 'board.chip': invalid value 2040 (expected the chip wasmcu builds firmware for: \"rp2040\")"),
    (BOARD + '[power]\nscope = "soc"\n', ARCH,
     "field 'power.scope': invalid scope 'soc' (expected 'board' or 'soc', with its [power.<scope>] table)"),
    (BOARD + '[memory_system]\ncache_bytes = 4096\n', ARCH,
     "field 'memory_system.cache_ways': missing (expected a int)"),
    (BOARD + '[runtimes.wasm3]\nstack_bytes = 0\n', ARCH,
     "field 'runtimes.wasm3.stack_bytes': invalid value 0 (expected a positive number of bytes)"),
]


@pytest.mark.parametrize("board, arch, expected", VALIDATION_ERRORS)
def test_an_incomplete_or_wrong_device_is_named(tmp_path, board, arch, expected):
    cat = toy_catalog(tmp_path, {"toyboard": board}, arch)
    with pytest.raises(ConfigError) as info:
        cat.resolve("toyboard")
    assert message(info, tmp_path) == f"DIR/toyboard.toml: {expected}"


def test_the_smallest_sizes_and_clock_are_valid(tmp_path):
    board = BOARD.replace("50_000_000", "1").replace("65_536", "1").replace("16_384", "1")
    d = toy_catalog(tmp_path, {"toyboard": board}).resolve("toyboard")
    assert (d.clock_hz, d.flash_bytes, d.ram_bytes) == (1, 1, 1)


def test_a_host_board_needs_no_clock_memories_or_costs(tmp_path):
    cat = toy_catalog(tmp_path, {"myhost": HOST + '[clock]\ndefault_hz = 0\n[cycle_model]\nalu = 1\n'})
    assert cat.resolve("myhost").data["clock"] == {"default_hz": 0}


INCOMPLETE = without(CORE, "alu = 1")
COST_ERROR = ("DIR/toyboard.toml: field 'cycle_model': incomplete cycle model: missing alu (expected every cost key "
              "({costs}) and a source) — the board's cost table is its core's ('toycore') with the board's own "
              "[cycle_model] keys over it (memories: fetch_wait, ifetch_miss, dfetch_miss)")


def test_an_emulated_board_or_a_board_with_costs_needs_a_complete_cost_table(tmp_path):
    from wasmcu.measure.cycles import COSTS as COST_KEYS

    real = BOARD.replace('backend = "qemu"', 'backend = "board"') + '[board]\nchip = "rp2040"\n'
    with_costs = real + "[cycle_model]\nfetch_wait = 1\n"
    extending = 'name = "real2"\nextends = "toyboard"\n'
    extending_costs = 'name = "real3"\nextends = "toyboard"\n[cycle_model]\nfetch_wait = 1\n'
    cat = toy_catalog(tmp_path, {"toyboard": real, "real2": extending, "real3": extending_costs}, core=INCOMPLETE)
    # a real board measures its time: its core's (incomplete) cost table is not needed
    assert cat.resolve("toyboard").backend == cat.resolve("real2").backend == "board"
    expected = COST_ERROR.format(costs=", ".join(COST_KEYS))
    for name in ("real3",):
        with pytest.raises(ConfigError) as info:
            cat.resolve(name)
        assert message(info, tmp_path) == expected.replace("toyboard.toml", f"{name}.toml")
    for board in (with_costs, BOARD):
        cat = toy_catalog(tmp_path, {"toyboard": board}, core=INCOMPLETE)
        with pytest.raises(ConfigError) as info:
            cat.resolve("toyboard")
        assert message(info, tmp_path) == expected
    # the board's own costs complete its core's
    cat = toy_catalog(tmp_path, {"toyboard": BOARD + "[cycle_model]\nalu = 1\n"}, core=INCOMPLETE)
    assert cat.resolve("toyboard").cycle_model.costs["alu"].value == 1


def test_memory_system_checks():
    f = Path("b.toml")
    good = {"cache_bytes": 4096, "cache_ways": 2, "line_bytes": 16, "code_in": "flash", "source": "datasheet"}
    _check_memory_system(good, f)
    _check_memory_system({**good, "data_reads": True}, f)
    _check_memory_system({**good, "cache_bytes": 32, "cache_ways": 1, "line_bytes": 32}, f)
    cases = [
        (3, "field 'memory_system': invalid value (expected a table)"),
        ({**good, "ways": 2}, "field 'memory_system.ways': unknown key 'ways' (expected one of cache_bytes, cache_ways, "
                              "line_bytes, code_in, source, data_reads)"),
        ({**good, "data_reads": 1}, "field 'memory_system.data_reads': invalid value 1 (expected true or false)"),
        ({k: v for k, v in good.items() if k != "cache_bytes"}, "field 'memory_system.cache_bytes': missing (expected a int)"),
        ({k: v for k, v in good.items() if k != "line_bytes"}, "field 'memory_system.line_bytes': missing (expected a int)"),
        ({k: v for k, v in good.items() if k != "code_in"}, "field 'memory_system.code_in': missing (expected a str)"),
        ({k: v for k, v in good.items() if k != "source"}, "field 'memory_system.source': missing (expected a str)"),
        ({**good, "cache_ways": True}, "field 'memory_system.cache_ways': invalid value True (expected a int)"),
        ({**good, "source": 1}, "field 'memory_system.source': invalid value 1 (expected a str)"),
        ({**good, "cache_bytes": 0}, "field 'memory_system.cache_bytes': invalid value 0 (expected > 0)"),
        ({**good, "cache_ways": -2}, "field 'memory_system.cache_ways': invalid value -2 (expected > 0)"),
        ({**good, "line_bytes": 0}, "field 'memory_system.line_bytes': invalid value 0 (expected > 0)"),
        ({**good, "cache_bytes": 4100}, "field 'memory_system.cache_bytes': cache_bytes is not a multiple of cache_ways "
                                        "x line_bytes (expected sets x ways x line bytes)"),
        ({**good, "cache_bytes": 48, "cache_ways": 2, "line_bytes": 16},
         "field 'memory_system.cache_bytes': cache_bytes is not a multiple of cache_ways x line_bytes "
         "(expected sets x ways x line bytes)"),
        ({**good, "code_in": "ram"}, "field 'memory_system.code_in': invalid value 'ram' (expected 'flash' (code executed "
                                     "in place through the cache: the only placement the firmware builds today))"),
    ]
    for table, expected in cases:
        with pytest.raises(ConfigError) as info:
            _check_memory_system(table, f)
        assert str(info.value) == f"b.toml: {expected}", table


def test_runtime_sizes_are_positive_byte_counts():
    f = Path("b.toml")
    _check_runtime_sizes({"wasm3": {"stack_bytes": 1, "heap_bytes": 65536}, "wamr-fast": {}}, f)
    cases = [
        ({"wasm3": 4096}, "field 'runtimes.wasm3': invalid value 4096 (expected a table of sizes in bytes, "
                          "e.g. stack_bytes = 4096)"),
        ({"wasm3": {"stack_bytes": 1}, "wamr": {"heap_bytes": 0}}, "field 'runtimes.wamr.heap_bytes': invalid value 0 "
                                                                   "(expected a positive number of bytes)"),
        ({"wasm3": {"stack_bytes": -1}}, "field 'runtimes.wasm3.stack_bytes': invalid value -1 (expected a positive "
                                         "number of bytes)"),
        ({"wasm3": {"stack_bytes": True}}, "field 'runtimes.wasm3.stack_bytes': invalid value True (expected a positive "
                                           "number of bytes)"),
        ({"wasm3": {"stack_bytes": 4096.0}}, "field 'runtimes.wasm3.stack_bytes': invalid value 4096.0 (expected a "
                                             "positive number of bytes)"),
    ]
    for table, expected in cases:
        with pytest.raises(ConfigError) as info:
            _check_runtime_sizes(table, f)
        assert str(info.value) == f"b.toml: {expected}", table


# --- where device data comes from -------------------------------------------------------------


@pytest.fixture
def no_user_devices(tmp_path, monkeypatch):
    """No user device directory and no WASMCU_DEVICE_PATH; a fresh list of known architectures."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("WASMCU_DEVICE_PATH", raising=False)
    monkeypatch.setattr(layers_mod, "_ARCHES", {})


def test_the_user_device_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert devices.user_device_dir() == tmp_path / "cfg" / "wasmcu" / "devices"
    monkeypatch.setenv("XDG_CONFIG_HOME", "")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert devices.user_device_dir() == tmp_path / "home" / ".config" / "wasmcu" / "devices"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert devices.user_device_dir() == tmp_path / "home" / ".config" / "wasmcu" / "devices"


BUILTIN_BOARDS = ["esp32c6-board", "esp32c6", "host", "nrf5340-board", "nrf5340", "pico-board", "pico"]


def test_the_builtin_catalog(no_user_devices):
    cat = devices.catalog()
    assert list(cat.boards) == BUILTIN_BOARDS
    assert list(cat.cores) == ["cortex-m0plus", "cortex-m33", "esp32c6-hp"]
    assert list(cat.arches) == ["armv6m", "armv8m", "rv32imac"]
    assert all(layer.file.parent == devices.BUILTIN for layer in cat.boards.values())
    found = devices.discover()
    assert list(found) == BUILTIN_BOARDS and found["pico"].layers[0] == devices.BUILTIN_ARCHES / "armv6m.toml"
    assert devices.arch_names() == ["armv6m", "armv8m", "rv32imac"]


def test_device_directories_in_order(no_user_devices, tmp_path, monkeypatch):
    one = device_dir(tmp_path / "one")
    two = device_dir(tmp_path / "two", boards={"x": BOARD.replace('"a test board"', '"the second"'),
                                              "y": BOARD.replace('name = "toyboard"', 'name = "y"')})
    three = device_dir(tmp_path / "three", boards={"z": BOARD.replace('name = "toyboard"', 'name = "z"')})
    user = device_dir(tmp_path / "config" / "wasmcu" / "devices", boards={"u": HOST.replace("myhost", "u")})
    monkeypatch.setenv("WASMCU_DEVICE_PATH", os.pathsep.join([str(one), "", str(two)]))
    four = device_dir(tmp_path / "four", boards={"w": BOARD.replace('name = "toyboard"', 'name = "w"')})
    found = devices.discover([str(three / "z.toml"), four])
    assert list(found) == [*BUILTIN_BOARDS, "u", "toyboard", "y", "z", "w"]
    assert found["toyboard"].description == "the second" and found["toyboard"].file == two / "x.toml"
    assert found["u"].file == user / "u.toml" and found["z"].layers[1] == four / "cores" / "toycore.toml"  # the last core of a name
    assert devices.arch_data("toyarch")["isa"] == "rv32" and "toyarch" in devices.arch_names()


def test_a_single_profile_file_adds_only_that_board(no_user_devices, tmp_path):
    d = device_dir(tmp_path / "d", boards={"a": BOARD.replace("toyboard", "a"), "b": BOARD.replace("toyboard", "b")})
    cat = devices.catalog([d / "b.toml"])
    assert "b" in cat.boards and "a" not in cat.boards and "toycore" in cat.cores and "toyarch" in cat.arches


def test_a_missing_device_directory_is_named(no_user_devices, tmp_path, monkeypatch):
    with pytest.raises(ConfigError) as info:
        devices.catalog([tmp_path / "nope"])
    expected = ("DIR/nope: device directory does not exist (expected a folder of board profiles (*.toml), with optional "
                "cores/ and arch/ folders)")
    assert message(info, tmp_path) == expected
    monkeypatch.setenv("WASMCU_DEVICE_PATH", str(tmp_path / "nope"))
    with pytest.raises(ConfigError) as info:
        devices.catalog()
    assert message(info, tmp_path) == expected


def test_a_directory_without_cores_or_arches(no_user_devices, tmp_path):
    (tmp_path / "h.toml").write_text(HOST)
    (tmp_path / "notes.txt").write_text("not a board")
    (tmp_path / "arch").write_text("a file, not a folder")
    cat = devices.Catalog()
    cat.add_layers(tmp_path)
    cat.add_boards(tmp_path)
    assert (cat.arches, cat.cores, list(cat.boards)) == ({}, {}, ["myhost"])


def test_a_later_file_of_the_same_name_replaces_an_earlier_one(tmp_path):
    device_dir(tmp_path, boards={"a": BOARD.replace('"a test board"', '"first"'),
                                 "b": BOARD.replace('"a test board"', '"second"')})
    (tmp_path / "cores" / "z.toml").write_text(CORE.replace('"a test core"', '"the last"'))
    (tmp_path / "arch" / "z.toml").write_text(ARCH.replace('"a test architecture"', '"the last"'))
    cat = devices.Catalog()
    cat.add_layers(tmp_path)
    cat.add_boards(tmp_path)
    assert cat.boards["toyboard"].data["description"] == "second"
    assert cat.cores["toycore"].data["description"] == cat.arches["toyarch"].data["description"] == "the last"


def test_load_profile_of_a_builtin_board(no_user_devices):
    pico = devices.load_profile(devices.BUILTIN / "pico.toml")
    assert (pico.name, pico.core, pico.arch, pico.clock_hz) == ("pico", "cortex-m0plus", "armv6m", 125_000_000)
    assert devices.arch_names() == ["armv6m", "armv8m", "rv32imac"]


def test_load_profile_beside_its_core_and_arch(no_user_devices, tmp_path):
    device_dir(tmp_path, boards={"toyboard": BOARD, "other": HOST})
    d = devices.load_profile(str(tmp_path / "toyboard.toml"))
    assert (d.name, d.arch, d.file) == ("toyboard", "toyarch", tmp_path / "toyboard.toml")
    assert devices.arch_data("toyarch")["qemu"] == {"binary": "qemu-system-riscv32", "machine": "virt"}
    # on a catalog of one's own: the profile may extend its boards, and is added to it
    cat = toy_catalog(tmp_path / "own")
    (tmp_path / "child.toml").write_text('name = "child"\nextends = "toyboard"\ndescription = "mine"\n')
    child = devices.load_profile(tmp_path / "child.toml", cat)
    assert (child.description, child.clock_hz) == ("mine", 50_000_000)
    assert list(cat.boards) == ["toyboard", "child"] and cat.boards["child"].file == tmp_path / "child.toml"
    with pytest.raises(ConfigError, match=r"unknown board 'toyboard' \(expected one of esp32c6-board, "):
        devices.load_profile(tmp_path / "child.toml")


def test_arch_data_by_name(no_user_devices):
    assert devices.arch_data("armv6m")["toolchain"]["cc"] == "arm-none-eabi-gcc"
    with pytest.raises(ConfigError) as info:
        devices.arch_data("vax")
    assert str(info.value) == "unknown arch 'vax' (expected one of armv6m, armv8m, rv32imac)"


def test_arch_data_loads_the_builtin_arches_once(no_user_devices, monkeypatch):
    known = {"toy": devices.Layer("arch", "toy", Path("toy.toml"), {"isa": "rv32"})}
    monkeypatch.setattr(layers_mod, "_ARCHES", known)
    assert devices.arch_names() == ["toy"] and devices.arch_data("toy") == {"isa": "rv32"}
    with pytest.raises(ConfigError, match=r"unknown arch 'armv6m' \(expected one of toy\)"):
        devices.arch_data("armv6m")
    monkeypatch.setattr(layers_mod, "_ARCHES", {})
    assert devices.arch_data("rv32imac")["isa"] == "rv32"
    monkeypatch.setattr(layers_mod, "_ARCHES", {})
    assert devices.arch_names() == ["armv6m", "armv8m", "rv32imac"]


def test_a_board_made_in_code_is_checked_too(tmp_path):
    """A catalog's boards may be layers made by a program, not read from a file: the merged
    device is checked all the same."""
    cat = devices.Catalog()
    cat.boards["x"] = devices.Layer("board", "x", tmp_path / "x.toml", {"name": "x", "backend": "host"})
    with pytest.raises(ConfigError) as info:
        cat.resolve("x")
    assert message(info, tmp_path) == "DIR/x.toml: field 'description': missing (expected a one-line description)"
    # the architecture's and the core's descriptions are not the board's
    device_dir(tmp_path)
    cat.add_layers(tmp_path)
    board = devices.load_board(tmp_path / "toyboard.toml")
    board.data.pop("description")
    cat.boards["toyboard"] = board
    with pytest.raises(ConfigError) as info:
        cat.resolve("toyboard")
    assert message(info, tmp_path) == ("DIR/toyboard.toml: field 'description': missing (expected a one-line "
                                       "description)")
