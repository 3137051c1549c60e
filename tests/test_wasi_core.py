"""wasmcu's WASI layer's core (runtimes/wasi/wasi_core.c) compiled for the host and called directly:
errno values, bounds checks on linear memory, the digest of stdout and the exit code, a deterministic random_get."""

import shutil
import subprocess
import zlib

import pytest

from wasmcu.runtimes.wasi import CORE, HERE

DRIVER = r"""
#include <stdio.h>
#include <string.h>
#include "wasi_core.h"

uint64_t wasmcu_wasi_clock_ns(uint32_t id) { return 1000u * (id + 1); }

static uint8_t mem[256];

static void put32(uint32_t at, uint32_t v) { memcpy(mem + at, &v, 4); }

int main(void)
{
    memcpy(mem + 100, "hello", 5);
    put32(16, 100); put32(20, 5);                                  /* one iovec: "hello" */
    printf("write %d\n", wasmcu_wasi_fd_write(mem, sizeof mem, 1, 16, 1, 8));
    printf("written %u\n", *(uint32_t *)(mem + 8));
    printf("badfd %d\n", wasmcu_wasi_fd_write(mem, sizeof mem, 3, 16, 1, 8));
    put32(24, 250); put32(28, 10);                                 /* past the end of memory */
    printf("fault %d\n", wasmcu_wasi_fd_write(mem, sizeof mem, 1, 24, 1, 8));
    printf("iovs_fault %d\n", wasmcu_wasi_fd_write(mem, sizeof mem, 1, 252, 1, 8));
    printf("stderr %d\n", wasmcu_wasi_fd_write(mem, sizeof mem, 2, 16, 1, 8));
    printf("seek %d close %d close3 %d prestat %d\n", wasmcu_wasi_fd_seek(mem, sizeof mem, 1, 0, 0, 8),
           wasmcu_wasi_fd_close(1), wasmcu_wasi_fd_close(3), wasmcu_wasi_fd_prestat_get(mem, sizeof mem, 3, 8));
    int rc = wasmcu_wasi_fd_fdstat_get(mem, sizeof mem, 1, 200);
    printf("fdstat %d type %u\n", rc, mem[200]);
    put32(40, 7); put32(44, 7);
    rc = wasmcu_wasi_sizes_get(mem, sizeof mem, 40, 44);
    printf("sizes %d %u %u\n", rc, *(uint32_t *)(mem + 40), *(uint32_t *)(mem + 44));
    rc = wasmcu_wasi_clock_time_get(mem, sizeof mem, 1, 0, 48);
    printf("clock %d %llu badclock %d\n", rc, (unsigned long long)*(uint64_t *)(mem + 48),
           wasmcu_wasi_clock_time_get(mem, sizeof mem, 9, 0, 48));
    wasmcu_wasi_random_get(mem, sizeof mem, 60, 4);
    printf("random %02x%02x%02x%02x\n", mem[60], mem[61], mem[62], mem[63]);
    printf("provides %d %d\n", wasmcu_wasi_provides("fd_write"), wasmcu_wasi_provides("path_open"));
    wasmcu_wasi_proc_exit(7);
    printf("exit %d %d bytes %u %u digest %u\n", wasmcu_wasi_exited(), wasmcu_wasi_exit_code(),
           wasmcu_wasi_stdout_bytes(), wasmcu_wasi_stderr_bytes(), wasmcu_wasi_digest());
    return 0;
}
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    cc = shutil.which("cc") or pytest.skip("no C compiler")
    tmp = tmp_path_factory.mktemp("wasi-core")
    (tmp / "driver.c").write_text(DRIVER)
    subprocess.run([cc, "-O2", f"-I{HERE}", str(tmp / "driver.c"), str(CORE), "-o", str(tmp / "driver")], check=True)
    def once():
        out = subprocess.run([str(tmp / "driver")], capture_output=True, text=True, check=True).stdout
        return dict(line.split(" ", 1) for line in out.splitlines())

    first = once()
    first["_again"] = once()
    return first


def test_fd_write_keeps_stdout_checks_the_memory_and_counts_stderr(run):
    assert run["write"] == "0" and run["written"] == "5"
    assert run["badfd"] == "8"                      # EBADF: only 1 and 2
    assert run["fault"] == "21" and run["iovs_fault"] == "21"  # EFAULT: a buffer or the iovecs past the memory
    assert run["stderr"] == "0"


def test_the_other_calls_answer_as_wasi_says(run):
    assert run["seek"] == "70 close 0 close3 8 prestat 8"  # ESPIPE, EBADF: no preopened directories
    assert run["fdstat"] == "0 type 2"                   # a character device
    assert run["sizes"] == "0 0 0"                       # no arguments, no environment
    assert run["clock"] == "0 2000 badclock 28"
    assert run["provides"] == "1 0"


def test_random_get_is_deterministic(run):
    assert run["random"] != "00000000" and run["random"] == run["_again"]["random"]  # xorshift32, a fixed seed


def test_the_digest_is_the_crc32_of_stdout_then_the_exit_code(run):
    assert run["exit"].split()[:2] == ["1", "7"]
    fields = run["exit"].split()
    assert fields[3] == "5" and fields[4] == "5"  # stdout 5 bytes (the faulted writes wrote nothing), stderr 5
    assert int(fields[6]) == zlib.crc32(b"hello" + (7).to_bytes(4, "little"))
