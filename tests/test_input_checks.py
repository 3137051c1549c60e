"""Inputs checked once, when they are read: unknown keys, paths outside a workload's folder,
refused compiler flags in every spelling, the entry, shadowed names and environment variables."""

import logging
import os
import shutil

import pytest

from conftest import ROOT, wasmcu
from wasmcu import workloads
from wasmcu.errors import ConfigError

RUN_C = "#include <stdint.h>\nuint32_t run(uint32_t seed) { return seed + WASMCU_N; }\n"


def make(root, toml_extra="", name="w", sources='c = "kernel.c"', c=RUN_C, top=""):
    d = root / name
    d.mkdir(parents=True)
    (d / "kernel.c").write_text(c)
    (d / "oracle.py").write_text("def checksum(n, seed):\n    return seed + n\n")
    (d / "workload.toml").write_text(f'name = "{name}"\nsizes = [4]\n{top}[sources]\n{sources}\n{toml_extra}')
    return d


@pytest.mark.parametrize("top, extra, field", [
    ('sizez = [3]\n', "", "sizez"),
    ('', '[oracle]\nfile = "oracle.py"\nfunktion = "checksum"\n', "oracle.funktion"),
    ('', '[build]\ncflag = ["-Wall"]\n', "build.cflag"),
])
def test_unknown_keys_in_workload_toml_are_refused(tmp_path, top, extra, field):
    d = make(tmp_path, extra, top=top)
    with pytest.raises(ConfigError, match=f"field '{field}': unknown key"):
        workloads.load_workload(d)


def test_unknown_tables_in_the_config_file_are_refused(tmp_path):
    cfg = tmp_path / "wasmcu.toml"
    cfg.write_text('[suite.mine]\nworkloads = ["crc16:5"]\n')
    proc = wasmcu("bench", "--device", "host", "--db", str(tmp_path / "s.sqlite"), env={"WASMCU_CONFIG": str(cfg)})
    assert proc.returncode == 2 and "field 'suite': unknown key 'suite'" in proc.stderr, proc.stderr


def test_sources_includes_and_oracles_outside_the_folder_are_refused_unless_allowed(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "kernel.c").write_text(RUN_C)
    (elsewhere / "include").mkdir()
    (elsewhere / "oracle.py").write_text("def checksum(n, seed):\n    return 1\n")
    cases = {
        "up": ('c = "../../elsewhere/kernel.c"', "", "sources.c"),
        "absolute": (f'c = "{elsewhere / "kernel.c"}"', "", "sources.c"),
        "include": ('c = "kernel.c"', '[build]\ninclude_dirs = ["../../elsewhere/include"]\n', "build.include_dirs"),
        "oracle": ('c = "kernel.c"', '[oracle]\nfile = "../../elsewhere/oracle.py"\n', "oracle.file"),
    }
    for name, (sources, extra, field) in cases.items():
        d = make(tmp_path / "w", extra, name=name, sources=sources)
        with pytest.raises(ConfigError, match=f"field '{field}': .* lies outside the workload's folder"):
            workloads.load_workload(d)
        toml = d / "workload.toml"
        toml.write_text("allow_outside = true\n" + toml.read_text())
        assert workloads.load_workload(d).name == name
    linked = make(tmp_path / "w", name="linked", sources='c = "link.c"')
    os.symlink(elsewhere / "kernel.c", linked / "link.c")  # a link inside that points outside
    with pytest.raises(ConfigError, match="lies outside"):
        workloads.load_workload(linked)


@pytest.mark.parametrize("kind, flag", [
    ("cflags", "-ofile"), ("cflags", "-o"), ("cflags", "--output=x"), ("cflags", "-B/tmp/evil"), ("cflags", "-B"),
    ("cflags", "-fplugin=/tmp/p.so"), ("cflags", "-fplugin-arg-x-y"), ("cflags", "-wrapper"),
    ("cflags", "-wrapper=gdb"), ("cflags", "-specs=x.specs"), ("cflags", "--specs=x"), ("cflags", "@flags.txt"),
    ("cflags", "-Xclang"), ("cflags", "-Wp,-MD,x"), ("cflags", "-fuse-ld=bfd"), ("cflags", "-T"),
    ("cxxflags", "-o/tmp/x"), ("cxxflags", "-Bx"), ("cxxflags", "--prefix=/x"),
    ("rustflags", "-o"), ("rustflags", "-ofile"), ("rustflags", "@args"), ("rustflags", "-Clinker=evil"),
    ("rustflags", "--codegen=opt-level=3"), ("rustflags", "opt-level=3"), ("rustflags", "--out-dir=/tmp"),
])
def test_refused_flags_are_refused_in_every_spelling(kind, flag):
    assert workloads.check_flag(flag, kind), f"{flag} in {kind} was accepted"


@pytest.mark.parametrize("kind, flag", [
    ("cflags", "-Wall"), ("cflags", "-fno-strict-aliasing"), ("cflags", "-DX=1"), ("cflags", "-std=c11"),
    ("cxxflags", "-fno-exceptions"), ("rustflags", "-Cdebug-assertions=off"), ("rustflags", "-g"),
])
def test_harmless_flags_pass(kind, flag):
    assert workloads.check_flag(flag, kind) is None


def test_a_missing_entry_is_refused_when_the_workload_loads(tmp_path):
    d = make(tmp_path, top='entry = "bench_mian"\n', c=RUN_C.replace("run(", "bench_main("))
    with pytest.raises(ConfigError, match="field 'entry': the entry 'bench_mian' is not defined in the c sources"):
        workloads.load_workload(d)
    ok = make(tmp_path, top='entry = "bench_main"\n', c=RUN_C.replace("run(", "bench_main("), name="ok")
    assert workloads.load_workload(ok).entry == "bench_main"
    # a prebuilt module: its exports
    from wasmcu.workloads.checks import wasm_exports
    wat = shutil.which("wat2wasm")
    if wat:
        import subprocess
        (tmp_path / "m.wat").write_text('(module (func (export "run") (param i32) (result i32) (local.get 0)))')
        subprocess.run([wat, str(tmp_path / "m.wat"), "-o", str(tmp_path / "m.wasm")], check=True)
        assert wasm_exports((tmp_path / "m.wasm").read_bytes()) == {"run"}
    assert wasm_exports(b"not wasm") is None


def test_a_user_workload_or_device_that_shadows_a_built_in_one_is_a_warning_naming_both(tmp_path, caplog):
    d = make(tmp_path / "mine", name="crc16")
    with caplog.at_level(logging.WARNING, logger="wasmcu"):
        found = workloads.discover([tmp_path / "mine"])
    assert found["crc16"].directory == d
    builtin = workloads.BUILTIN / "crc16"
    assert f"workload 'crc16' in {d.resolve()} replaces the workload of the same name in {builtin.resolve()}" \
        in caplog.text
    devs = tmp_path / "devs"
    devs.mkdir()
    pico = ROOT / "src" / "wasmcu" / "devices" / "profiles" / "pico.toml"
    (devs / "pico.toml").write_text(pico.read_text().replace("default_hz = 125_000_000", "default_hz = 1"))
    proc = wasmcu("list", "devices", "--device-dir", str(devs))
    assert proc.returncode == 0
    assert f"device 'pico' in {(devs / 'pico.toml').resolve()} replaces the device of the same name in " \
           f"{pico.resolve()}" in " ".join(proc.stderr.split())


@pytest.mark.parametrize("env, value, message", [
    ("WASMCU_MAX_INSTRUCTIONS", "lots", "environment variable WASMCU_MAX_INSTRUCTIONS='lots' is not a whole number"),
    ("WASMCU_MAX_INSTRUCTIONS", "0", "WASMCU_MAX_INSTRUCTIONS='0' is not a whole number of 1 or more"),
    ("WASMCU_ORACLE_MEMORY_MB", "1e3", "WASMCU_ORACLE_MEMORY_MB='1e3' is not a whole number MiB"),
])
def test_environment_variables_are_parsed_with_a_clear_error(tmp_path, env, value, message):
    proc = wasmcu("bench", "--device", "host", "--runtime", "native", "--workload", "crc16:3", "--lang", "c",
                  "--db", str(tmp_path / "s.sqlite"), env={env: value}, timeout=300)
    assert "unexpected" not in proc.stderr and "Traceback" not in proc.stderr
    assert message in " ".join(proc.stderr.split()) or message in proc.stdout


def test_the_cluster_grace_is_parsed_with_a_clear_error(monkeypatch):
    from wasmcu.executors.cluster import grace_seconds
    monkeypatch.setenv("WASMCU_CLUSTER_GRACE", "soon")
    with pytest.raises(ConfigError, match="WASMCU_CLUSTER_GRACE='soon' is not a number seconds above 0"):
        grace_seconds()
    monkeypatch.setenv("WASMCU_CLUSTER_GRACE", "2.5")
    assert grace_seconds() == 2.5


@pytest.mark.parametrize("name", ["pico<script>", "a b", "x,y", "-dash", ""])
def test_device_names_are_validated(tmp_path, name):
    d = tmp_path / "devs"
    d.mkdir()
    (d / "bad.toml").write_text(f'name = "{name}"\ndescription = "d"\nbackend = "host"\n')
    from wasmcu.devices import discover
    with pytest.raises(ConfigError, match="field 'name': invalid name"):
        discover([d])


def test_env_int_and_env_float_read_numbers_and_say_what_is_wrong(monkeypatch):
    from wasmcu.env import env_float, env_int
    monkeypatch.delenv("WASMCU_X", raising=False)
    assert env_int("WASMCU_X", 7) == 7 and env_float("WASMCU_X", 2.5) == 2.5
    monkeypatch.setenv("WASMCU_X", "  ")
    assert env_int("WASMCU_X", 7) == 7
    monkeypatch.setenv("WASMCU_X", " 5_000 ")
    assert env_int("WASMCU_X", 7) == 5000 and env_float("WASMCU_X", 1.0) == 5000.0
    monkeypatch.setenv("WASMCU_X", "3")
    assert env_int("WASMCU_X", 7, minimum=3) == 3
    with pytest.raises(ConfigError) as err:
        env_int("WASMCU_X", 1_000, minimum=4, unit="MiB")
    assert str(err.value) == ("environment variable WASMCU_X='3' is not a whole number MiB of 4 or more (unset it "
                              "for the default, 1,000 MiB)")
    for bad in ("lots", "1.5", "0x10"):
        monkeypatch.setenv("WASMCU_X", bad)
        with pytest.raises(ConfigError, match=f"WASMCU_X='{bad}' is not a whole number of 1 or more"):
            env_int("WASMCU_X", 7)
    for bad, minimum in (("soon", 0.0), ("0", 0.0), ("inf", 0.0), ("nan", 0.0), ("1", 1.0)):
        monkeypatch.setenv("WASMCU_X", bad)
        with pytest.raises(ConfigError) as err:
            env_float("WASMCU_X", 60.0, minimum=minimum, unit="seconds")
        assert str(err.value) == (f"environment variable WASMCU_X='{bad}' is not a number seconds above {minimum:g} "
                                  f"(unset it for the default, 60 seconds)")
    monkeypatch.setenv("WASMCU_X", "1.25")
    assert env_float("WASMCU_X", 60.0, minimum=1.0) == 1.25
