"""The runtime registry: one declaration per runtime, and runtimes from other packages
through entry points (group `wasmcu.runtimes`), added without editing wasmcu."""

import os
import textwrap

import pytest
from conftest import ROOT, bench_json, wasmcu

from wasmcu.errors import ConfigError
from wasmcu.model import EXECUTION_MODES
from wasmcu.runtimes import RUNTIMES, defaults, get
from wasmcu.runtimes.base import Runtime
from wasmcu.runtimes.registry import GROUP, Registry
from wasmcu.workloads import discover

PLUGIN = '''
from wasmcu.runtimes.wasm3 import Wasm3


class Wasm3Again(Wasm3):
    """wasm3's behaviour under another name: a runtime declared outside wasmcu."""

    name = "wasm3-again"
    summary = "wasm3 declared by a test package"
'''


def make_dist(root, module: str, source: str, entry_points: str, name: str = "wasmcu-test-runtime"):
    """A package and its dist-info in `root` (a folder to put on sys.path): what pip would install."""
    (root / f"{module}.py").write_text(source)
    info = root / f"{name.replace('-', '_')}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n{textwrap.dedent(entry_points).strip()}\n")
    return root


def plugin_env(root):
    return {"PYTHONPATH": f"{root}{os.pathsep}{ROOT / 'src'}"}


def test_builtin_declarations_are_complete():
    for name, rt in RUNTIMES.items():
        assert rt.name == name and rt.mode in EXECUTION_MODES and rt.summary
        assert set(rt.where) <= {"host", "firmware"}
        if "firmware" in rt.where:
            assert (ROOT / "src/wasmcu/backends/firmware" / rt.firmware_glue).is_file(), name
    # the default sets, read from the declarations (they were tables in plan.py)
    assert defaults("host") == ["native", "wasm3", "wasmtime", "wasmtime-pulley", "v8-liftoff", "v8-turbofan",
                                "wasm2c", "wamr-classic", "wamr-fast", "wamr-aot"]
    assert defaults("qemu") == ["native", "wasm3", "wasm2c", "wamr-classic", "wamr-fast", "wamr-aot"]
    assert defaults("board") == ["native", "wasm3", "wamr-classic", "wamr-fast"]


@pytest.mark.parametrize("attrs, message", [
    ({"name": "", "mode": "jit"}, "invalid runtime name"),
    ({"name": "a,b", "mode": "jit"}, "invalid runtime name"),
    ({"name": "x", "mode": "compiled"}, "invalid mode 'compiled'"),
    ({"name": "x", "mode": "jit", "where": ("cloud",)}, "invalid where"),
    ({"name": "x", "mode": "jit", "where": ("firmware",)}, "names no firmware_glue"),
    ({"name": "x", "mode": "jit", "default": ("qemu", "mars")}, "invalid default"),
])
def test_bad_declaration_is_refused_saying_what_to_fix(attrs, message):
    cls = type("Bad", (Runtime,), attrs)
    with pytest.raises(ConfigError, match=message):
        Registry().add(cls(), "test")


def test_a_name_is_declared_once():
    reg = Registry()
    reg.add(type("A", (Runtime,), {"name": "x", "mode": "jit"})(), "package a")
    with pytest.raises(ConfigError, match="'x' is already declared by package a"):
        reg.add(type("B", (Runtime,), {"name": "x", "mode": "aot"})(), "package b")


def test_unknown_runtime_names_the_known_ones():
    with pytest.raises(ConfigError, match="unknown runtime 'wasm4'; known: native, wasm3"):
        get("wasm4")


def test_entry_point_runtime_in_process(tmp_path, monkeypatch):
    make_dist(tmp_path, "wasmcu_again", PLUGIN, "wasm3-again = wasmcu_again:Wasm3Again")
    monkeypatch.syspath_prepend(str(tmp_path))
    reg = Registry()
    for rt in RUNTIMES.values():
        reg.add(rt)
    rt = reg["wasm3-again"]
    assert rt.mode == "interpreter" and rt.where == ("host", "firmware")
    assert "package wasmcu-test-runtime" in reg.origin("wasm3-again")
    assert reg.defaults("qemu")[-1] == "wasm3-again" and "wasm3-again" in reg.defaults("host")


@pytest.mark.parametrize("value, message", [
    ("wasmcu_broken:NOT_THERE", "cannot be loaded: AttributeError"),
    ("wasmcu_broken:NOT_A_RUNTIME", "is not a wasmcu.runtimes.base.Runtime"),
    ("wasmcu_broken:Misnamed", "named 'broken' but declares runtime 'other'"),
])
def test_broken_entry_point_is_named(tmp_path, monkeypatch, value, message):
    source = PLUGIN + "\nNOT_A_RUNTIME = 3\n\nclass Misnamed(Wasm3):\n    name = 'other'\n"
    make_dist(tmp_path, "wasmcu_broken", source, f"broken = {value}", name="wasmcu-broken")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigError, match=message) as info:
        list(Registry())
    assert "entry point broken" in str(info.value) and "wasmcu-broken" in str(info.value)


@pytest.mark.qemu
def test_entry_point_runtime_end_to_end(tmp_path, db):
    """A runtime from another package, installed only as a dist-info on the path: listed,
    and run on the host and on an emulated board with verified checksums."""
    (tmp_path / "site").mkdir()
    env = plugin_env(make_dist(tmp_path / "site", "wasmcu_again", PLUGIN, "wasm3-again = wasmcu_again:Wasm3Again"))
    listed = wasmcu("list", "runtimes", env=dict(env, COLUMNS="200"))
    assert listed.returncode == 0, listed.stderr
    assert "wasm3-again" in listed.stdout and "wasm3 declared by a test package" in listed.stdout
    proc, cells = bench_json("--device", "host,pico", "--runtime", "wasm3-again", "--workload", "crc16:10",
                             "--lang", "c", "--repeat", "3", "--db", str(db), env=env)
    assert proc.returncode == 0, proc.stderr
    expected = discover()["crc16"].expected(10)
    assert sorted((c["device"], c["runtime"], c["status"]) for c in cells) == [("host", "wasm3-again", "ok"),
                                                                               ("pico", "wasm3-again", "ok")]
    assert all(c["checksum"] == c["expected"] == expected for c in cells)
    pico = next(c for c in cells if c["device"] == "pico")
    assert pico["cycles"] > 0 and pico["provenance"]["mode"] == "interpreter"


# --- layered device data: a board is one small file on a known core -------------------------

SMALL_BOARD = '''
name = "m0-devboard"
description = "A Cortex-M0+ board at 48 MHz with 256 KB of flash and 128 KB of RAM, no flash cache"
backend = "qemu"
core = "cortex-m0plus"

[clock]
default_hz = 48_000_000
source = "the board's datasheet"

[memory]
flash_bytes = 262_144
ram_bytes = 131_072
source = "the board's datasheet"

[cycle_model]
fetch_wait = 0
ifetch_miss = 0
dfetch_miss = 0
source = "internal flash without wait states at 48 MHz, no cache"
'''


def test_a_board_on_a_known_core_is_one_file(tmp_path):
    from wasmcu import devices

    (tmp_path / "m0.toml").write_text(SMALL_BOARD)
    found = devices.discover([tmp_path])
    dev = found["m0-devboard"]
    assert (dev.arch, dev.core, dev.clock_hz) == ("armv6m", "cortex-m0plus", 48_000_000)
    assert [p.name for p in dev.layers] == ["armv6m.toml", "cortex-m0plus.toml", "m0.toml"]
    assert dev.section("qemu")["machine"] == "mps2-an385"        # from the architecture
    pico = found["pico"]
    assert dev.cycle_model.costs["call"] == pico.cycle_model.costs["call"]   # from the core
    assert dev.cycle_model.costs["mul"].high == 32 and pico.cycle_model.costs["mul"].high == 1  # the RP2040's option
    assert dev.cycle_model.source.startswith("Arm Cortex-M0+ Technical Reference Manual")
    assert dev.cycle_model.source.endswith("; internal flash without wait states at 48 MHz, no cache")


@pytest.mark.parametrize("old, new, message", [
    ('core = "cortex-m0plus"', 'core = "cortex-m99"', r"m0.toml: field 'core': unknown core 'cortex-m99' \(expected one of "),
    ('core = "cortex-m0plus"', 'core = "cortex-m0plus"\narch = "armv8m"', r"field 'arch': arch 'armv8m' differs"),
    ("[clock]", "[clocks]", r"field 'clocks': unknown key 'clocks' \(expected one of name, description"),
    ("default_hz = 48_000_000", "default_hz = 48_000_000\nturbo_hz = 1", r"field 'clock.turbo_hz': unknown key"),
    ("default_hz = 48_000_000", 'default_hz = "48 MHz"', r"field 'clock.default_hz': invalid value '48 MHz' "
                                                         r"\(expected the core clock in Hz"),
    ("ram_bytes = 131_072\n", "", r"field 'memory.ram_bytes': missing \(in the board and in its core"),
    ("ifetch_miss = 0\n", "", r"incomplete cycle model: missing ifetch_miss"),
    ("ifetch_miss = 0", "ifetch_misses = 0", r"field 'cycle_model.ifetch_misses': unknown key"),
])
def test_a_bad_board_names_file_key_and_what_was_expected(tmp_path, old, new, message):
    from wasmcu import devices

    assert old in SMALL_BOARD
    (tmp_path / "m0.toml").write_text(SMALL_BOARD.replace(old, new, 1))
    with pytest.raises(ConfigError, match=message):
        devices.discover([tmp_path])


def test_a_new_core_is_one_file_and_a_board_can_extend_another(tmp_path):
    from wasmcu import devices

    (tmp_path / "cores").mkdir()
    (tmp_path / "cores" / "m0-slowmul.toml").write_text(
        'name = "m0-slowmul"\ndescription = "a Cortex-M0+ with the iterative multiplier"\narch = "armv6m"\n'
        + devices.BUILTIN_CORES.joinpath("cortex-m0plus.toml").read_text().split("\n[cycle_model]", 1)[1]
        .replace("mul = {", "mul = 32\nxmul = {").replace("\nxmul = ", "\n# ").join(["[cycle_model]", ""]))
    (tmp_path / "slow.toml").write_text(SMALL_BOARD.replace('name = "m0-devboard"', 'name = "m0-slow"')
                                        .replace('core = "cortex-m0plus"', 'core = "m0-slowmul"'))
    (tmp_path / "pico-slowflash.toml").write_text(
        'name = "pico-slowflash"\nextends = "pico"\n[cycle_model]\nifetch_miss = 120\n[clock]\ndefault_hz = 100_000_000\n')
    found = devices.discover([tmp_path])
    assert found["m0-slow"].cycle_model.costs["mul"].value == 32 and found["m0-slow"].core == "m0-slowmul"
    slow, pico = found["pico-slowflash"], found["pico"]
    assert slow.cycle_model.costs["ifetch_miss"].value == 120 and slow.clock_hz == 100_000_000
    assert slow.section("memory_system") == pico.section("memory_system") and slow.description == pico.description
    assert slow.profile_hash != pico.profile_hash
    (tmp_path / "pico-slowflash.toml").write_text('name = "pico-slowflash"\nextends = "pico-fast"\n')
    with pytest.raises(ConfigError, match=r"field 'extends': unknown board 'pico-fast'"):
        devices.discover([tmp_path])


def test_the_user_device_directory_adds_boards(tmp_path, monkeypatch):
    from wasmcu import devices

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "wasmcu" / "devices").mkdir(parents=True)
    (tmp_path / "wasmcu" / "devices" / "m0.toml").write_text(SMALL_BOARD)
    assert "m0-devboard" in devices.discover()


@pytest.mark.qemu
def test_new_runtime_and_new_board_end_to_end(tmp_path, db):
    """A runtime from a test package (an entry point) and a board from a profile directory (one
    small file on a known core): both listed, and run together with verified checksums, with no
    file of wasmcu edited."""
    (tmp_path / "site").mkdir()
    (tmp_path / "boards").mkdir()
    (tmp_path / "boards" / "m0.toml").write_text(SMALL_BOARD)
    env = dict(plugin_env(make_dist(tmp_path / "site", "wasmcu_again", PLUGIN, "wasm3-again = wasmcu_again:Wasm3Again")),
               WASMCU_DEVICE_PATH=str(tmp_path / "boards"), COLUMNS="200")
    for what, name in (("runtimes", "wasm3-again"), ("devices", "m0-devboard")):
        listed = wasmcu("list", what, env=env)
        assert listed.returncode == 0 and name in listed.stdout, listed.stderr
    proc, cells = bench_json("--device", "m0-devboard,host", "--runtime", "native,wasm3-again", "--workload",
                             "crc16:10", "--lang", "c,rust", "--repeat", "3", "--db", str(db), env=env)
    assert proc.returncode == 0, proc.stderr
    expected = discover()["crc16"].expected(10)
    assert len(cells) == 8 and all(c["status"] == "ok" and c["checksum"] == expected for c in cells)
    board = [c for c in cells if c["device"] == "m0-devboard"]
    assert all(c["cycles"] > 0 and c["extra"]["clock_hz"] == 48_000_000 for c in board)
    # a 48 MHz clock: the estimated time is the cycles at that clock
    assert all(c["time_us"] == pytest.approx(c["cycles"] / 48) for c in board)


ARCH_M4 = '''
name = "armv7em"
description = "Arm v7E-M (Thumb-2, DSP), e.g. Cortex-M4; soft float"
isa = "thumb"
[toolchain]
cc = "arm-none-eabi-gcc"
cflags = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=soft"]
rust_target = "thumbv7em-none-eabi"
linker_script = "picolibc.ld"
[qemu]
binary = "qemu-system-arm"
machine = "mps2-an386"
flash_origin = 0x00000000
ram_origin = 0x20000000
[wamr]
target = "THUMBV7EM"
wamrc = ["--target=thumbv7em", "--target-abi=eabi", "--cpu=cortex-m4", "--xip"]
[build]
stack_bytes = 16384
'''


def _m4_dir(root):
    from wasmcu import devices

    (root / "arch").mkdir(parents=True)
    (root / "cores").mkdir()
    (root / "arch" / "armv7em.toml").write_text(ARCH_M4)
    m33 = devices.BUILTIN_CORES.joinpath("cortex-m33.toml").read_text()
    (root / "cores" / "cortex-m4.toml").write_text(
        m33.replace('name = "cortex-m33"', 'name = "cortex-m4"').replace('arch = "armv8m"', 'arch = "armv7em"'))
    (root / "m4board.toml").write_text(SMALL_BOARD.replace('name = "m0-devboard"', 'name = "m4board"')
                                       .replace('core = "cortex-m0plus"', 'core = "cortex-m4"'))
    return root


def test_a_new_architecture_is_one_file(tmp_path):
    from wasmcu import devices
    from wasmcu.runtimes.wamr import build as wamr_build
    from wasmcu.toolchains import mcu

    dev = devices.discover([_m4_dir(tmp_path)])["m4board"]
    assert (dev.arch, dev.section("qemu")["machine"]) == ("armv7em", "mps2-an386")
    assert mcu.ARCHES["armv7em"].cflags == ("-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=soft")
    assert "armv7em" in list(mcu.ARCHES) and wamr_build.firmware_arches()["armv7em"] == "THUMBV7EM"
    text = wamr_build.toolchain_text("armv7em")
    assert "set (CMAKE_C_COMPILER arm-none-eabi-gcc)" in text and "-mcpu=cortex-m4 -mthumb" in text
    assert "set (CMAKE_SYSTEM_PROCESSOR riscv)" in wamr_build.toolchain_text("rv32imac")
    (tmp_path / "arch" / "armv7em.toml").write_text(ARCH_M4.replace('isa = "thumb"', 'isa = "thumb2"'))
    with pytest.raises(ConfigError, match=r"armv7em.toml: field 'isa': unknown isa 'thumb2' \(expected thumb or rv32"):
        devices.discover([tmp_path])


@pytest.mark.qemu
def test_a_new_architecture_runs_end_to_end(tmp_path, db):
    """A Cortex-M4 (ARMv7E-M, QEMU's mps2-an386): an arch file, a core file and a board file."""
    proc, cells = bench_json("--device-dir", str(_m4_dir(tmp_path / "m4")), "--device", "m4board", "--runtime",
                             "native,wasm3", "--workload", "crc16:10", "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    assert len(cells) == 4 and all(c["status"] == "ok" and c["checksum"] == c["expected"] for c in cells)
    assert all(c["provenance"]["qemu_machine"] == ["-M", "mps2-an386"] for c in cells)


def test_a_runtime_in_the_runtimes_package_is_one_folder_or_file():
    """Every folder and module of wasmcu.runtimes but the shared ones is imported, so a runtime
    added there needs no other edit."""
    import pkgutil

    import wasmcu.runtimes as pkg

    modules = {m.name for m in pkgutil.iter_modules(pkg.__path__)} - set(pkg.SUPPORT)
    declared_in = {type(rt).__module__.split(".")[2] for rt in RUNTIMES.values()  # its folder or file
                   if RUNTIMES.origin(rt.name) == "wasmcu"}
    assert declared_in == modules
