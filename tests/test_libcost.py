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
    subprocess.run(["clang-19", *LINK_FLAGS, "-Wl,--export=run2", "-nostartfiles", "-fuse-ld=lld", "kernel.c",
                    "wasmcu_libc.o", "-Wl,-Map,module.map", "-o", "module.wasm"], cwd=tmp_path, check=True)
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
