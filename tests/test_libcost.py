"""The library cost read from real linker maps (wasmcu.toolchains.libcost): a tiny firmware linked
by the Arm GCC with picolibc and a tiny module linked by wasm-ld, each in a fraction of a second,
without wasmcu's build cache (whose warm hits would skip the maps)."""

import subprocess

import pytest

from wasmcu.toolchains import libcost

KERNEL = """#include <stdlib.h>
static int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }
int table[4] = {4, 3, 2, 1};
int kernel(int n) { srand(n); qsort(table, 4, sizeof(int), cmp); return table[0] + rand(); }
"""
PLAIN = "int plain(int n) { return n * 3 + 1; }\n"
MAIN = """#include <string.h>
int kernel(int n);
int plain(int n);
char name[16] = "abc";
int main(void) { return kernel((int)strlen(name)) + plain(2); }
"""
ARM = ["arm-none-eabi-gcc", "-mcpu=cortex-m0plus", "-mthumb", "-O2", "--specs=picolibc.specs"]
LAYOUT = ["-Wl,--defsym=__flash=0x10000000", "-Wl,--defsym=__flash_size=0x100000", "-Wl,--defsym=__ram=0x20000000",
          "-Wl,--defsym=__ram_size=0x40000", "-Wl,--defsym=__stack_size=0x1000"]


@pytest.fixture(scope="module")
def firmware_map(tmp_path_factory):
    d = tmp_path_factory.mktemp("fw")
    for name, text in (("kernel", KERNEL), ("plain", PLAIN), ("main", MAIN)):
        (d / f"{name}.c").write_text(text)
        subprocess.run([*ARM, "-c", f"{name}.c", "-o", f"{name}.o"], cwd=d, check=True)
    subprocess.run([*ARM, *LAYOUT, "main.o", "kernel.o", "plain.o", "-Wl,-Map,fw.map", "-o", "fw.elf"], cwd=d, check=True)
    return (d / "fw.map").read_text()


def test_a_firmware_kernel_costs_the_library_members_it_pulled_in_and_nothing_the_firmware_needs(firmware_map):
    cost = libcost.firmware_library_cost(firmware_map, ["kernel.o"])
    members = cost["members"]
    qsort = next(k for k in members if "qsort" in k)
    assert qsort.startswith("libc.a(") and members[qsort] > 300   # picolibc's qsort, a few hundred bytes
    assert any("rand" in k for k in members)
    assert not any("strlen" in k for k in members)   # main.c's, not the kernel's
    assert list(members.values()) == sorted(members.values(), reverse=True)   # largest first
    assert cost["ram_bytes"] > 0                     # rand's state
    # every byte counted is a member's: flash, RAM, or both for initial data
    assert cost["flash_bytes"] <= sum(members.values()) <= cost["flash_bytes"] + cost["ram_bytes"]
    assert libcost.firmware_library_cost(firmware_map, ["plain.o"]) == libcost.NONE
    firmware_side = libcost.firmware_library_cost(firmware_map, ["main.o"])
    assert list(firmware_side["members"]) == ["libc.a(strlen.S.o)"] and firmware_side["ram_bytes"] == 0
    assert firmware_side["flash_bytes"] == firmware_side["members"]["libc.a(strlen.S.o)"] > 0


def test_wasmcu_support_objects_among_the_kernel_parts_count_as_library(firmware_map):
    as_support = libcost.firmware_library_cost(firmware_map, ["plain.o"], support_objects=("plain.o",))
    assert as_support["members"] == {"plain.o": as_support["flash_bytes"]} and as_support["flash_bytes"] > 0


def test_section_kinds():
    assert libcost._kind(".text.qsort", ".text") == "flash"
    assert libcost._kind(".rodata.str1.1", ".rodata") == "flash"
    assert libcost._kind(".data.table", ".data") == "both"
    assert libcost._kind(".sdata.x", ".data") == "both"
    assert libcost._kind(".bss.state", ".bss") == "ram"
    assert libcost._kind("COMMON", ".bss") == "ram"
    assert libcost._kind(".comment", None) is None
    assert libcost._kind(".stab", ".text") == "flash"   # whatever lands in flash's output sections
    assert libcost._short("/usr/lib/x/libc.a(qsort.o)") == "libc.a(qsort.o)"
    assert libcost._short("/build/support/cxx_support.o") == "cxx_support.o"


WASM_KERNEL = """#include <stdlib.h>
static int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }
int table[4] = {4, 3, 2, 1};
static int scratch[32];
int run(int n) { scratch[n & 31] = n; qsort(table, 4, sizeof(int), cmp); return table[0] + scratch[3]; }
"""
GLUE = "char glue_buffer[40] = {1};\nint glue_calls(int n) { return n + glue_buffer[n & 3]; }\n"


def test_a_module_costs_its_library_functions_and_the_glue_not_its_own_code(tmp_path):
    from wasmcu.toolchains.wasm import LINK_FLAGS

    (tmp_path / "kernel.c").write_text(WASM_KERNEL + "int glue_calls(int);\nint run2(int n) { return glue_calls(n); }\n")
    (tmp_path / "glue.c").write_text(GLUE)
    subprocess.run(["clang-19", "--target=wasm32-wasi", "-O2", "-c", "glue.c", "-o", "wasmcu_libc.o"], cwd=tmp_path, check=True)
    # the glue by its whole path, as wasmcu links it
    subprocess.run(["clang-19", *LINK_FLAGS, "-Wl,--export=run2", "-nostartfiles", "-fuse-ld=lld", "kernel.c",
                    str(tmp_path / "wasmcu_libc.o"), "-Wl,-Map,module.map", "-o", "module.wasm"], cwd=tmp_path, check=True)
    text = (tmp_path / "module.map").read_text()
    cost = libcost.wasm_library_cost(text)
    members = cost["members"]
    assert members["libc.a(qsort.o)"] > 1000          # qsort, sift, trinkle: CODE of the module
    assert members["wasmcu libc glue"] >= 40           # the glue's data and code
    assert not any("kernel" in k for k in members)     # the kernel's own functions are not library
    assert list(members.values()) == sorted(members.values(), reverse=True)
    assert cost["ram_bytes"] == 40                     # the glue's buffer in linear memory (the kernel's own data not)
    assert cost["flash_bytes"] == sum(members.values())   # code and initial data: all of it in the module
    # the glue object under another name is the kernel's own
    assert "wasmcu libc glue" not in libcost.wasm_library_cost(text, glue_objects=("other.o",))["members"]
    assert libcost.wasm_library_cost(text.splitlines()[0]) == libcost.NONE


LIB = "/usr/lib/gcc/libc.a"
# A GNU ld map in the layout the Arm GCC writes (see firmware_map above), with the cases a tiny
# C link does not produce: a member pulled in by another member, a long section name wrapped
# onto the next line, COMMON symbols, a discarded section, Rust's libraries inside the kernel's
# own static library, and wasmcu's support object given with its directory.
SYNTHETIC_MAP = f"""Archive member included to satisfy reference by file (symbol)

{LIB}(qsort.o)
                              kernel.o (qsort)
{LIB}(swap.o)
                              {LIB}(qsort.o) (swap)
{LIB}(errno.o)                main.o (errno)
{LIB}(helper_with_a_long_name_that_goes_on.o)
                              {LIB}(swap.o) (helper)

Discarded input sections

 .text          0x00000000        0x0 {LIB}(qsort.o)

Linker script and memory map

.text           0x10000000      0x400
 .text.qsort    0x10000000      0x100 {LIB}(qsort.o)
 .text.swap     0x10000100       0x20 {LIB}(swap.o)
 .text.a_function_name_too_long_for_its_column
                0x10000120       0x30 {LIB}(helper_with_a_long_name_that_goes_on.o)
 .text.errno    0x10000150        0x8 {LIB}(errno.o)
 .text.kernel   0x10000158       0x40 kernel.o
 .text.core     0x10000198       0x50 target/libkernel.a(core-0123abcd.o)
 .text.mine     0x100001e8       0x10 target/libkernel.a(kernel-89ab.o)
 .text.support  0x100001f8        0xc /build/support/cxx_support.o
 .glue_7        0x10000204        0x4 {LIB}(qsort.o)
 .stray         0x10000208        0x2 {LIB}(swap.o)
.rodata         0x10000300       0x10
 .srodata.k     0x10000300        0x6 {LIB}(qsort.o)
.data           0x20000000       0x10
 .data.seed     0x20000000        0x4 {LIB}(swap.o)
.bss            0x20000010       0x40
 .bss.state     0x20000010       0x10 {LIB}(qsort.o)
 COMMON         0x20000020        0x8 {LIB}(swap.o)
 COMMON
                0x20000028        0x4 {LIB}(helper_with_a_long_name_that_goes_on.o)
 .tbss.x        0x20000030        0x2 {LIB}(qsort.o)
/DISCARD/
 .text.gone     0x00000000       0x80 {LIB}(qsort.o)
.comment        0x00000000       0x27
 .comment       0x00000000       0x27 {LIB}(qsort.o)
"""


def test_the_map_parser_on_members_pulled_in_by_members_wrapped_lines_common_and_discards():
    cost = libcost.firmware_library_cost(SYNTHETIC_MAP, ["kernel.o"])
    assert cost["members"] == {
        "libc.a(qsort.o)": 0x100 + 0x4 + 0x6 + 0x10 + 0x2,   # text, glue, small rodata, bss, tbss: not the discarded
        "libc.a(swap.o)": 0x20 + 0x2 + 0x4 + 0x8,            # through qsort: text, a stray section in .text, data, COMMON
        "libc.a(helper_with_a_long_name_that_goes_on.o)": 0x30 + 0x4,   # through swap, on wrapped lines
    }
    assert cost["flash_bytes"] == 0x100 + 0x4 + 0x6 + 0x20 + 0x2 + 0x4 + 0x30    # data counted in flash too
    assert cost["ram_bytes"] == 0x10 + 0x2 + 0x4 + 0x8 + 0x4                     # bss, tbss, data, COMMON x2
    # errno.o came in for main.o, on one line with its reason: the firmware's, not the kernel's
    main = libcost.firmware_library_cost(SYNTHETIC_MAP, ["main.o"])
    assert main == {"flash_bytes": 8, "ram_bytes": 0, "members": {"libc.a(errno.o)": 8}}


def test_rust_libraries_inside_the_kernels_static_library_and_support_objects_with_their_directory():
    cost = libcost.firmware_library_cost(SYNTHETIC_MAP, ["target/libkernel.a", "/build/support/cxx_support.o"])
    assert cost["members"] == {"libkernel.a(core-0123abcd.o)": 0x50, "cxx_support.o": 0xc}   # not kernel-89ab.o
    none = libcost.firmware_library_cost(SYNTHETIC_MAP, ["/build/support/cxx_support.o"], support_objects=())
    assert none == libcost.NONE


def test_every_flash_section_prefix_counts_without_its_output_section():
    for name in (".text.f", ".rodata.c", ".srodata.c", ".init", ".fini", ".ARM.extab.f", ".ARM.exidx.f", ".glue_7",
                 ".vfp11_veneer"):
        assert libcost._kind(name, None) == "flash", name
    for name in (".data.x", ".sdata.x", ".tdata.x"):
        assert libcost._kind(name, None) == "both", name
    for name in (".bss.x", ".sbss.x", ".tbss.x", "COMMON"):
        assert libcost._kind(name, None) == "ram", name
    assert libcost._kind(".stray", ".rodata") == "flash" and libcost._kind(".stray", ".data") is None
