"""The flash and RAM that wasmcu's WASI layer takes in a firmware image, read from the image's symbols.

Two parts, by name: the layer itself (runtimes/wasi: every symbol starts with ``wasmcu_wasi_``)
and the runtime's binding of it (its WASI glue: ``wasi_*`` and wasm2c's
``Z_wasi_snapshot_preview1Z_*``). Code and read-only data count as flash, initialised data as
flash and RAM, zero-initialised data as RAM. Code a compiler inlined into another function
counts where it was inlined; the C library functions the layer calls (memcpy, printf for the
report) are shared with the rest of the firmware and not counted.
"""

from __future__ import annotations

from pathlib import Path

LAYER = ("wasmcu_wasi_",)
BINDING = ("wasi_", "Z_wasi_snapshot_preview1Z_")


def _kind(section: str) -> str | None:
    if section.startswith((".text", ".rodata", ".srodata")):
        return "flash"
    if section.startswith((".data", ".sdata")):
        return "both"
    if section.startswith((".bss", ".sbss")):
        return "ram"
    return None


def wasi_cost(elf: Path) -> dict:
    """The layer's and the binding's flash and RAM bytes in `elf`, and the symbols counted."""
    from elftools.elf.elffile import ELFFile

    out = {"wasi_layer_flash_bytes": 0, "wasi_layer_ram_bytes": 0, "wasi_binding_flash_bytes": 0,
           "wasi_binding_ram_bytes": 0}
    seen: set[tuple[str, int]] = set()
    with open(elf, "rb") as f:
        image = ELFFile(f)
        symtab = image.get_section_by_name(".symtab")
        if symtab is None:
            return out
        for sym in symtab.iter_symbols():
            name, size, shndx = sym.name, sym["st_size"], sym["st_shndx"]
            if not size or not isinstance(shndx, int) or sym["st_info"]["type"] not in ("STT_FUNC", "STT_OBJECT"):
                continue
            part = "layer" if name.startswith(LAYER) else "binding" if name.startswith(BINDING) else None
            if part is None or (name, sym["st_value"]) in seen:
                continue
            seen.add((name, sym["st_value"]))
            kind = _kind(image.get_section(shndx).name)
            if kind in ("flash", "both"):
                out[f"wasi_{part}_flash_bytes"] += size
            if kind in ("ram", "both"):
                out[f"wasi_{part}_ram_bytes"] += size
    out["wasi_flash_bytes"] = out["wasi_layer_flash_bytes"] + out["wasi_binding_flash_bytes"]
    out["wasi_ram_bytes"] = out["wasi_layer_ram_bytes"] + out["wasi_binding_ram_bytes"]
    return out
