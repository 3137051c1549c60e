"""Projects (several files, [build] flags, entry), the C and C++ libraries on every target,
and a prebuilt module's native cell: with the real compilers and runtimes, at small sizes."""

import ctypes
import shutil
from pathlib import Path

import pytest

from wasmcu import workloads
from wasmcu.errors import BuildError, ConfigError, DoesNotFit
from wasmcu.workloads.kernel_source import kernel_source

pytestmark = pytest.mark.slow  # end-to-end: real builds, runs and processes

ORACLE = '''
import math


def checksum(n, seed):
    a = []
    for _ in range(n):
        seed = (seed * 1103515245 + 12345) % 2**32
        a.append((seed >> 8) * SCALE % 2**32)
    a.sort()
    h = len(str(a[0]))
    for v in a:
        h = (h * 31 + v) % 2**32
    return (h + math.isqrt(a[1]) + int(math.floor(math.sqrt(a[2] & 0xFFFF)))) % 2**32
'''

PORT_H = """#include <stdint.h>
#define BENCH_FN bench_main
void fill(uint32_t *a, int n, uint32_t seed);
"""

FILL_C = """#include "port.h"
void fill(uint32_t *a, int n, uint32_t seed)
{
    for (int i = 0; i < n; i++) { seed = seed * 1103515245u + 12345u; a[i] = (seed >> 8) * SCALE; }
}
"""

MAIN_C = """#include <math.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "port.h"
static int cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}
uint32_t BENCH_FN(uint32_t seed)
{
    uint32_t *a = malloc(8 * sizeof *a), *b = calloc(WASMCU_N, sizeof *b);
    a = realloc(a, WASMCU_N * sizeof *a);
    fill(b, WASMCU_N, seed);
    memcpy(a, b, WASMCU_N * sizeof *a);
    qsort(a, WASMCU_N, sizeof *a, cmp);
    char text[16];
    snprintf(text, sizeof text, "%u", (unsigned)a[0]);
    uint32_t h = (uint32_t)strlen(text);
    for (int i = 0; i < WASMCU_N; i++) h = h * 31 + a[i];
    bool exact = a[1] <= UINT_MAX;
    h += exact ? (uint32_t)sqrt((double)a[1]) : 0;
    h += (uint32_t)floorf(sqrtf((float)(a[2] & 0xFFFF)));
    free(b);
    free(a);
    return h;
}
"""

CPP = """#include <stdint.h>
#include <string.h>
template <typename T, int N> struct Ring {
    T v[N];
    int head = 0;
    void push(T x) { v[head] = x; head = (head + 1) % N; }
    T sum() const { T s = 0; for (int i = 0; i < N; i++) s += v[i]; return s; }
};
constexpr uint32_t square(uint32_t x) { return x * x; }
static constexpr uint32_t table[4] = {square(1), square(2), square(3), square(4)};
struct Shape { virtual ~Shape() {} virtual uint32_t area() const = 0; };
struct Square : Shape { uint32_t s; explicit Square(uint32_t s) : s(s) {} uint32_t area() const override { return s * s; } };
extern "C" uint32_t run(uint32_t seed)
{
    Ring<uint32_t, 8> *r = new Ring<uint32_t, 8>();
    memset(r->v, 0, sizeof r->v);
    for (int i = 0; i < WASMCU_N; i++) { seed = seed * 1664525u + 1013904223u; r->push(seed ^ table[i & 3]); }
    Shape *s = new Square(seed & 0xff);
    uint32_t out = r->sum() + s->area();
    delete s;
    delete r;
    return out;
}
"""


def cpp_expected(n, seed):
    ring, head = [0] * 8, 0
    table = [1, 4, 9, 16]
    for i in range(n):
        seed = (seed * 1664525 + 1013904223) % 2**32
        ring[head] = seed ^ table[i & 3]
        head = (head + 1) % 8
    return (sum(ring) + (seed & 0xFF) ** 2) % 2**32


def make_project(root: Path, *, build: str = 'include_dirs = ["include"]\ndefines = { SCALE = "3" }\n',
                 sources: str = 'c = ["src/fill.c", "src/main.c"]\ncpp = "kernel.cpp"\n', entry: str = "bench_main",
                 main: str = MAIN_C, memory: int | None = None) -> Path:
    d = root / "proj"
    (d / "src").mkdir(parents=True)
    (d / "include").mkdir()
    (d / "include" / "port.h").write_text(PORT_H)
    (d / "src" / "fill.c").write_text(FILL_C)
    (d / "src" / "main.c").write_text(main)
    (d / "kernel.cpp").write_text(CPP)
    (d / "oracle.py").write_text("SCALE = 3\n" + ORACLE)
    wasm = f"[wasm]\nmemory_bytes = {memory}\n" if memory else ""
    (d / "workload.toml").write_text(f'name = "proj"\nsizes = [50]\nentry = "{entry}"\n[sources]\n{sources}'
                                     f"[build]\n{build}{wasm}")
    return d


def host_run(path: Path, seed: int = 42) -> int:
    lib = ctypes.CDLL(str(path))
    lib.run.restype, lib.run.argtypes = ctypes.c_uint32, [ctypes.c_uint32]
    return lib.run(seed)


def wasm3_run(path: Path, seed: int = 42) -> int:
    import wasm3

    env = wasm3.Environment()
    rt = env.new_runtime(64 * 1024)
    rt.load(env.parse_module(path.read_bytes()))
    return rt.find_function("run")(seed) & 0xFFFFFFFF


def imports_of(path: Path) -> list:
    from wasmcu.toolchains.wasm import function_imports

    return function_imports(path.read_bytes())


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("WASMCU_CACHE", str(tmp_path / "cache"))


def test_sources_list_directory_and_build_table(tmp_path):
    d = make_project(tmp_path, sources='c = "src"\n')
    wl = workloads.load_workload(d)
    assert [p.name for p in wl.source_files("c")] == ["fill.c", "main.c"]
    assert wl.build.defines == {"SCALE": "3"} and wl.build.include_dirs == [(d / "include").resolve()]
    assert wl.entry == "bench_main" and wl.languages == ["c"]
    assert "-DSCALE=3" in wl.build.c_flags("c")


@pytest.mark.parametrize("flag, why", [("-O3", "optimisation"), ("-march=armv7-m", "instruction set"),
                                       ("-mfloat-abi=hard", "ABI"), ("--target=x86_64", "target"),
                                       ("-Wl,--export=foo", "links")])
def test_flags_that_change_target_abi_or_optimisation_are_refused(tmp_path, flag, why):
    d = make_project(tmp_path, build=f'cflags = ["-Wall", "{flag}"]\n')
    with pytest.raises(ConfigError, match=why) as exc:
        workloads.load_workload(d)
    assert flag in str(exc.value) and "build.cflags" in str(exc.value)


def test_rustflags_opt_level_refused_and_harmless_flags_accepted(tmp_path):
    d = make_project(tmp_path, build='rustflags = ["-C", "opt-level=3"]\n')
    with pytest.raises(ConfigError, match="opt-level=3.*optimisation"):
        workloads.load_workload(d)
    d2 = make_project(tmp_path / "ok", build='cflags = ["-Wall", "-fno-strict-aliasing"]\ncxxflags = ["-std=c++17"]\n')
    assert workloads.load_workload(d2).build.cxxflags == ["-std=c++17"]


def test_bad_sources_and_build_values_say_what_is_wrong(tmp_path):
    d = make_project(tmp_path, build='include_dirs = ["nowhere"]\n')
    with pytest.raises(ConfigError, match="include directory .*nowhere does not exist"):
        workloads.load_workload(d)
    d = make_project(tmp_path / "b", sources='c = ["src/fill.c", "src/missing.c"]\n')
    with pytest.raises(ConfigError, match="missing.c does not exist"):
        workloads.load_workload(d)
    d = make_project(tmp_path / "c", build='defines = { "1X" = "2" }\n')
    with pytest.raises(ConfigError, match="invalid macro name"):
        workloads.load_workload(d)
    d = make_project(tmp_path / "e", entry="not a name")
    with pytest.raises(ConfigError, match="entry"):
        workloads.load_workload(d)


def test_multi_file_c_project_with_libc_agrees_on_host_and_in_wasm(tmp_path, cache):
    from wasmcu.toolchains.host import build_native
    from wasmcu.toolchains.wasm import build_wasm

    wl = workloads.load_workload(make_project(tmp_path))
    expected = wl.expected(50)
    assert host_run(build_native(kernel_source(wl, 50, "c"))) == expected
    module = build_wasm(kernel_source(wl, 50, "c"))
    assert imports_of(module.wasm) == []
    assert wasm3_run(module.wasm) == expected
    assert module.meta["heap_check"] == {"ok": True}


def test_cpp_kernel_on_host_and_in_wasm(tmp_path, cache):
    from wasmcu.toolchains.host import build_native
    from wasmcu.toolchains.wasm import build_wasm

    wl = workloads.load_workload(make_project(tmp_path, entry="run"))
    expected = cpp_expected(50, 42)
    assert host_run(build_native(kernel_source(wl, 50, "cpp"))) == expected
    module = build_wasm(kernel_source(wl, 50, "cpp"))
    assert imports_of(module.wasm) == []
    assert wasm3_run(module.wasm) == expected
    # the C++ runtime's fatal-error paths trap instead of printing: no printf in the module
    assert not any("printf" in m for m in module.meta["library_cost"]["members"])


def test_a_remaining_import_is_a_build_error_naming_it_and_the_caller(tmp_path, cache):
    from wasmcu.toolchains.wasm import build_wasm

    # sched_yield: a WASI call wasmcu's WASI layer does not provide (time() would build: clock_time_get is)
    main = MAIN_C.replace("uint32_t h = (uint32_t)strlen(text);",
                          "uint32_t h = (uint32_t)strlen(text) + (uint32_t)stamp();") \
        .replace('#include "port.h"', '#include "port.h"\n#include <sched.h>\n'
                 "__attribute__((noinline)) static uint32_t stamp(void) { return (uint32_t)sched_yield(); }")
    wl = workloads.load_workload(make_project(tmp_path, main=main))
    with pytest.raises(BuildError) as exc:
        build_wasm(kernel_source(wl, 50, "c"))
    text = str(exc.value)
    assert "imports wasi_snapshot_preview1.sched_yield" in text and "does not provide" in text
    assert "main.c" in text and "sched_yield" in text and "stamp" in text


def test_an_undefined_function_names_it_and_the_file(tmp_path, cache):
    from wasmcu.toolchains.wasm import build_wasm

    main = MAIN_C.replace("free(b);", "free(b); h += port_tick();").replace(
        '#include "port.h"', '#include "port.h"\nuint32_t port_tick(void);')
    wl = workloads.load_workload(make_project(tmp_path, main=main))
    with pytest.raises(BuildError, match=r"main.c \(bench_main\) calls port_tick, which neither the project nor"):
        build_wasm(kernel_source(wl, 50, "c"))


@pytest.mark.slow
def test_malloc_beyond_the_modules_memory_does_not_fit_with_sizes(tmp_path, cache):
    from wasmcu.toolchains.wasm import build_wasm

    wl = workloads.load_workload(make_project(tmp_path))
    with pytest.raises(DoesNotFit, match=r"64 KB of linear memory: proj:20000's malloc needs 78\.\d KB of heap, the heap has 5\d\.\d KB"):
        build_wasm(kernel_source(wl, 20000, "c"))
    big = workloads.load_workload(make_project(tmp_path / "big", memory=196608))
    assert build_wasm(kernel_source(big, 20000, "c")).meta["heap_check"] == {"ok": True}  # ran to the end in wasmtime


@pytest.mark.skipif(not shutil.which("riscv64-unknown-elf-g++"), reason="riscv64-unknown-elf-g++ is not installed")
def test_a_cpp_library_header_missing_on_a_target_names_it(tmp_path, cache):
    from wasmcu import devices
    from wasmcu.toolchains import mcu

    d = make_project(tmp_path, entry="run")
    (d / "kernel.cpp").write_text("#include <array>\n" + CPP)
    wl = workloads.load_workload(d)
    arch = mcu.arch_of(devices.discover()["esp32c6"])
    with pytest.raises(BuildError, match=r"<array> is not available for riscv32imac \(riscv64-unknown-elf"):
        mcu.kernel_object(kernel_source(wl, 50, "cpp"), arch, "-O2")


def test_a_prebuilt_modules_native_cell_is_unsupported_on_every_device(tmp_path, cache):
    from conftest import bench_json, make_workload
    from wasmcu.runtimes.base import IDENTITY_WASM as IDENTITY

    make_workload(tmp_path, "pre", wasm=IDENTITY, oracle="def checksum(n, seed):\n    return seed\n")
    proc, cells = bench_json("--workload-dir", str(tmp_path), "--workload", "pre:4", "--device", "host,pico,esp32c6",
                             "--runtime", "native", "--lang", "wasm", "--db", str(tmp_path / "r.db"),
                             env={"WASMCU_CACHE": str(tmp_path / "cache")})
    assert proc.returncode == 0, proc.stderr
    assert sorted(c["device"] for c in cells) == ["esp32c6", "host", "pico"]
    for cell in cells:
        assert cell["status"] == "unsupported"
        assert "prebuilt wasm module has no native build" in cell["error"]


@pytest.mark.slow
def test_library_cost_from_the_symbols_linked_in(tmp_path, cache):
    """qsort, malloc and snprintf show up in the module and in the Pico's firmware with their
    sizes; a kernel that calls no library function costs nothing."""
    from wasmcu import devices
    from wasmcu.backends.image import build_image
    from wasmcu.toolchains.wasm import build_wasm

    wl = workloads.load_workload(make_project(tmp_path))
    cost = build_wasm(kernel_source(wl, 50, "c")).meta["library_cost"]
    members = cost["members"]
    assert members["libc.a(qsort.o)"] > 200 and members["libc.a(vfprintf.o)"] > 2000
    assert members["wasmcu libc glue"] > 100  # malloc and free
    assert cost["flash_bytes"] >= sum(v for k, v in members.items() if "glue" not in k) // 2
    assert build_wasm(kernel_source(workloads.discover()["crc16"], 10, "c")).meta["library_cost"]["flash_bytes"] == 0
    _elf, meta = build_image("native", kernel_source(wl, 50, "c"), devices.discover()["pico"], "-O2")
    native = meta["library_cost"]["members"]
    assert any("qsort" in k for k in native) and any("malloc" in k for k in native)
    assert meta["library_cost"]["flash_bytes"] > 500
    _elf, meta = build_image("native", kernel_source(workloads.discover()["crc16"], 10, "c"), devices.discover()["pico"], "-O2")
    assert meta["library_cost"]["flash_bytes"] == 0


VECTOR_CPP = """#include <stdint.h>
#include <algorithm>
#include <array>
#include <vector>
extern "C" uint32_t run(uint32_t seed)
{
    std::vector<uint32_t> v;
    for (int i = 0; i < WASMCU_N; i++) { seed = seed * 1664525u + 1013904223u; v.push_back(seed); }
    std::sort(v.begin(), v.end());
    std::array<uint32_t, 3> a{v[0], v[1], v[WASMCU_N - 1]};
    return a[0] ^ a[1] ^ a[2];
}
"""


def vector_expected(n, seed):
    v = []
    for _ in range(n):
        seed = (seed * 1664525 + 1013904223) % 2**32
        v.append(seed)
    v.sort()
    return v[0] ^ v[1] ^ v[-1]


@pytest.mark.qemu
@pytest.mark.slow
def test_cpp_on_the_emulated_boards_natively_and_in_wasm3(tmp_path):
    """The class-and-template kernel on every board; a kernel with <vector> on the Arm boards
    and in wasm, and on the ESP32-C6 (no C++ library in Debian's RISC-V toolchain) an error
    naming the header and the target."""
    from conftest import bench_json

    import inspect

    d = make_project(tmp_path, entry="run", sources='cpp = "kernel.cpp"\n')
    vec = tmp_path / "vec"
    vec.mkdir()
    (vec / "kernel.cpp").write_text(VECTOR_CPP)
    (vec / "workload.toml").write_text('name = "vec"\nsizes = [40]\n[sources]\ncpp = "kernel.cpp"\n')

    (d / "oracle.py").write_text(inspect.getsource(cpp_expected).replace("cpp_expected", "checksum"))
    (vec / "oracle.py").write_text(inspect.getsource(vector_expected).replace("vector_expected", "checksum"))
    proc, cells = bench_json("--workload-dir", str(d), "--workload-dir", str(vec), "--workload", "proj:50,vec:40",
                             "--device", "pico,esp32c6,nrf5340", "--runtime", "native,wasm3", "--lang", "cpp",
                             "--db", str(tmp_path / "r.db"))
    by = {(c["workload"], c["runtime"], c["device"]): c for c in cells}
    for dev in ("pico", "esp32c6", "nrf5340"):
        for rt in ("native", "wasm3"):
            assert by[("proj", rt, dev)]["status"] == "ok", by[("proj", rt, dev)]["error"]
    for dev in ("pico", "nrf5340"):
        for rt in ("native", "wasm3"):
            assert by[("vec", rt, dev)]["status"] == "ok", by[("vec", rt, dev)]["error"]
    esp = by[("vec", "native", "esp32c6")]
    assert esp["status"] == "error" and "<algorithm> is not available for riscv32imac" in esp["error"]
    assert by[("vec", "wasm3", "esp32c6")]["status"] == "ok"
    assert by[("proj", "native", "pico")]["extra"]["library_members"]  # new/delete over malloc
    assert proc.returncode != 0  # the esp32c6 error


def test_doctor_lists_the_c_and_cpp_libraries():
    from rich.console import Console

    from wasmcu.doctor import _library_table

    console = Console(width=200, record=True)
    console.print(_library_table())
    text = console.export_text()
    for name in ("libc.a", "libclang_rt.builtins-wasm32.a", "libc++.a", "libc++abi.a"):
        line = next(ln for ln in text.splitlines() if f" {name} " in ln)
        assert "missing" not in line and "/" in line  # found, with its path
    rv = next(ln for ln in text.splitlines() if "libstdc++ (rv32imac)" in ln)
    assert "no C++ library headers" in rv
