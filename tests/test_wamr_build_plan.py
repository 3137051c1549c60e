"""What `wasmcu wamr build` asks WAMR's CMake for, checked without a WAMR tree (a fast test: the
builds themselves are in test_wamr.py, which needs one)."""

from wasmcu.runtimes.wamr import build as wamr_build


def test_the_build_plan_names_each_configuration_by_its_cmake_options():
    """The interpreter or AOT loader of each configuration, wasmcu's platform layer on the boards,
    aligned stores on the Cortex-M0+ only."""
    plan = {s.name: s for s in wamr_build.steps(("armv6m", "rv32imac"))}
    assert list(plan) == ["host-classic", "host-fast", "wamrc", "armv6m-classic", "armv6m-fast", "armv6m-aot",
                          "rv32imac-classic", "rv32imac-fast", "rv32imac-aot"]
    modes = {"classic": {"-DWAMR_BUILD_INTERP=1", "-DWAMR_BUILD_FAST_INTERP=0", "-DWAMR_BUILD_AOT=0"},
             "fast": {"-DWAMR_BUILD_INTERP=1", "-DWAMR_BUILD_FAST_INTERP=1", "-DWAMR_BUILD_AOT=0"},
             "aot": {"-DWAMR_BUILD_INTERP=0", "-DWAMR_BUILD_AOT=1"}}
    for kind, fast in (("classic", "0"), ("fast", "1")):
        host = plan[f"host-{kind}"]
        assert (host.source, host.target, host.config_key, host.product, host.headers) == \
            ("product-mini/platforms/linux", None, (kind,), "libiwasm.a", True)
        assert host.options == [*wamr_build.COMMON, f"-DWAMR_BUILD_FAST_INTERP={fast}", "-DWAMR_BUILD_AOT=1"]
    wamrc = plan["wamrc"]
    assert (wamrc.source, wamrc.config_key, wamrc.product, wamrc.headers) == \
        ("wamr-compiler", ("wamrc",), "wamrc", False)
    assert wamrc.options == ["-DCMAKE_BUILD_TYPE=Release", "-DWAMR_BUILD_WITH_CUSTOM_LLVM=1"]
    for arch, target in (("armv6m", "THUMBV6M"), ("rv32imac", "RISCV32_ILP32")):
        for kind, wanted in modes.items():
            step = plan[f"{arch}-{kind}"]
            assert (step.source, step.target, step.config_key, step.product) == \
                (".", "vmlib", ("firmware", f"{arch}-{kind}"), "libiwasm.a")
            options = set(step.options)
            needed = wanted | set(wamr_build.COMMON) | set(wamr_build.BOARD) | {f"-DWAMR_BUILD_TARGET={target}"}
            assert needed <= options
            assert f"-DCMAKE_TOOLCHAIN_FILE={wamr_build.toolchain_file(arch)}" in options
            assert ("-DWASMCU_ALIGNED_STORES=1" in options) == (arch == "armv6m" and kind == "classic")
    assert "wamrc" not in {s.name for s in wamr_build.steps(("armv6m",), wamrc=False)}
    # the built-in architectures (a device folder of one's own can add more to the process)
    built_in = {"armv6m": "THUMBV6M", "armv8m": "THUMBV8M", "rv32imac": "RISCV32_ILP32"}
    assert built_in.items() <= wamr_build.firmware_arches().items()
    assert [s.name for s in wamr_build.steps()][3:12] == [f"{a}-{k}" for a in built_in
                                                          for k in ("classic", "fast", "aot")]
