import pytest

from wasmcu import workloads
from wasmcu.errors import ConfigError

from conftest import make_workload


def test_builtin_workloads_have_c_rust_and_oracle():
    found = workloads.discover()
    assert {"bubblesort", "crc16"} <= set(found)
    for name in ("bubblesort", "crc16"):
        assert found[name].languages == ["c", "rust"]
    assert found["bubblesort"].sizes == [100, 1000]


def test_crc16_oracle_agrees_with_binascii():
    """binascii.crc_hqx (CRC-CCITT, poly 0x1021) with init 0xFFFF is CRC-16/CCITT-FALSE: an
    independent reference for the oracle."""
    import binascii
    import struct

    wl = workloads.discover()["crc16"]
    assert binascii.crc_hqx(b"123456789", 0xFFFF) == 0x29B1  # the catalogue's check value
    for n, seed in ((1, 42), (100, 42), (37, 7)):
        x, words = seed, []
        for _ in range(n):
            x = (x * 1664525 + 1013904223) % 2**32
            words.append(x)
        assert wl.expected(n, seed) == binascii.crc_hqx(struct.pack(f"<{n}I", *words), 0xFFFF)


def test_bubblesort_oracle_matches_a_direct_computation():
    wl = workloads.discover()["bubblesort"]
    x, data = 42, []
    for _ in range(10):
        x = (x * 1664525 + 1013904223) % 2**32
        data.append(x)
    h = 0
    for v in sorted(data):
        h = (h * 31 + v) % 2**32
    assert wl.expected(10) == h
    assert wl.expected(10) != wl.expected(11)
    assert wl.expected(10, seed=43) != h  # the seed given at run time drives the input


def test_parse_specs_sizes_and_errors():
    found = workloads.discover()
    assert [(w.name, n) for w, n in workloads.parse_specs("bubblesort", found)] == [("bubblesort", 100), ("bubblesort", 1000)]
    assert [(w.name, n) for w, n in workloads.parse_specs("crc16:7", found)] == [("crc16", 7)]
    with pytest.raises(ConfigError, match="unknown workload 'nosuch'"):
        workloads.parse_specs("nosuch:1", found)
    with pytest.raises(ConfigError, match="invalid size"):
        workloads.parse_specs("crc16:-3", found)


def test_user_workload_directory(tmp_path):
    make_workload(tmp_path, "mine", c="unsigned run(unsigned seed){return 7;}\n")
    found = workloads.discover([tmp_path])
    assert found["mine"].languages == ["c"] and found["mine"].expected(4) == 7


@pytest.mark.parametrize("toml, field", [
    ('name = "x"\nsizes = []\n[sources]\nc = "kernel.c"\n', "sizes"),
    ('name = "x"\n[sources]\nfortran = "kernel.c"\n', "sources.fortran"),
    ('name = "x"\n[sources]\nc = "missing.c"\n', "sources.c"),
    ('name = "x"\n', "sources"),
    ('name = "x"\n[sources]\nc = "kernel.c"\n[oracle]\nfile = "nope.py"\n', "oracle.file"),
])
def test_invalid_workload_directory_names_file_and_field(tmp_path, toml, field):
    d = tmp_path / "x"
    d.mkdir()
    (d / "kernel.c").write_text("")
    (d / "oracle.py").write_text("def checksum(n, seed): return 1\n")
    (d / "workload.toml").write_text(toml)
    with pytest.raises(ConfigError) as err:
        workloads.load_workload(d)
    assert str(d / "workload.toml") in str(err.value) and f"field '{field}'" in str(err.value)


def test_invalid_toml_and_bad_oracle(tmp_path):
    d = tmp_path / "x"
    d.mkdir()
    (d / "workload.toml").write_text("name = [\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        workloads.load_workload(d)
    d2 = make_workload(tmp_path, "y", c="unsigned run(unsigned seed){return 0;}\n", oracle="def checksum(n, seed):\n    return 'a'\n")
    with pytest.raises(ConfigError, match="expected an int"):
        workloads.load_workload(d2).expected(1)
