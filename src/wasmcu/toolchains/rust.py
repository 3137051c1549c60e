"""Rust kernels: a generated crate root wraps the workload's kernel module.

A Rust kernel file is a module body that defines `pub fn run(seed: u32) -> u32` and uses
`super::N` for the size. The crate root sets N, exports `run` with the C ABI and
provides the panic handler, so the same kernel builds for wasm32, the host and
bare-metal targets.
"""

from __future__ import annotations

from pathlib import Path

def crate_root(kernel: Path, n: int, *, panic_body: str = "loop {}") -> str:
    return (
        "#![no_std]\n"
        f"pub const N: usize = {n};\n"
        f"#[path = {str(kernel.resolve())!r}]\n".replace("'", '"')
        + "mod kernel;\n"
        "#[no_mangle]\n"
        "pub extern \"C\" fn run(seed: u32) -> u32 { kernel::run(seed) }\n"
        "#[panic_handler]\n"
        f"fn panic(_: &core::panic::PanicInfo) -> ! {{ {panic_body} }}\n"
    )
