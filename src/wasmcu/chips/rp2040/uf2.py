"""RP2040 boot images: the second-stage boot with its CRC, and UF2 files.

UF2 (Microsoft's USB flashing format, which the RP2040 boot ROM accepts on its BOOTSEL
drive): 512-byte blocks, each carrying 256 bytes for one flash address. The boot ROM
runs the first 256 bytes of flash only if their last word is the CRC-32 (polynomial
0x04C11DB7, initial value 0xFFFFFFFF, no reflection, no final XOR: CRC-32/MPEG-2) of
the first 252 (RP2040 Datasheet, 2.8.1.3.1).
"""

from __future__ import annotations

import struct
from pathlib import Path

from ... import tools
from ...errors import BuildError
from ...toolchains.cache import cached, digest

RP2040_FAMILY = 0xE48BFF56
UF2_MAGIC = (0x0A324655, 0x9E5D5157, 0x0AB16F30)
UF2_FLAG_FAMILY = 0x00002000
PAYLOAD = 256
FLASH = 0x10000000
BOOT2_SRAM = 0x20041F00   # where the boot ROM copies and runs the second-stage boot
BOOT2 = Path(__file__).with_name("boot2.S")


def crc32_mpeg2(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def boot2_block(code: bytes) -> bytes:
    """The 256-byte second-stage boot: code, zero padding, CRC-32/MPEG-2 of the first 252 bytes."""
    if len(code) > 252:
        raise BuildError(f"the second-stage boot is {len(code)} bytes; it must fit 252")
    body = code.ljust(252, b"\0")
    return body + struct.pack("<I", crc32_mpeg2(body))


def boot2() -> bytes:
    """wasmcu's second-stage boot, assembled and checksummed (cached)."""
    cc = tools.require("arm-none-eabi-gcc")
    objcopy = cc.replace("-gcc", "-objcopy")
    key = digest("rp2040-boot2", BOOT2, tools.version(cc))

    def build(tmp: Path) -> dict:
        tools.run([cc, "-mcpu=cortex-m0plus", "-mthumb", "-nostdlib", "-nostartfiles", f"-Wl,-Ttext={BOOT2_SRAM:#x}",
                   "-Wl,-e,wasmcu_boot2", str(BOOT2), "-o", str(tmp / "boot2.elf")], what="assembling the boot2")
        tools.run([objcopy, "-O", "binary", "-j", ".text", str(tmp / "boot2.elf"), str(tmp / "boot2.code")],
                  what="extracting the boot2")
        (tmp / "boot2.bin").write_bytes(boot2_block((tmp / "boot2.code").read_bytes()))
        return {"compiler": tools.version(cc)}

    return (cached("rp2040-boot2", key, build) / "boot2.bin").read_bytes()


def flash_segments(elf: Path) -> list[tuple[int, bytes]]:
    """(load address, bytes) of every loadable segment of an image that lies in flash."""
    from elftools.elf.elffile import ELFFile

    out = []
    with open(elf, "rb") as f:
        for seg in ELFFile(f).iter_segments():
            if seg["p_type"] == "PT_LOAD" and seg["p_filesz"] and FLASH <= seg["p_paddr"] < FLASH + 0x1000000:
                out.append((seg["p_paddr"], seg.data()))
    return out


def uf2(chunks: list[tuple[int, bytes]], family: int = RP2040_FAMILY) -> bytes:
    """A UF2 file writing `chunks` ((address, bytes)) to flash, in 256-byte blocks."""
    pages: dict[int, bytearray] = {}
    for addr, data in chunks:
        for i, byte in enumerate(data):
            a = addr + i
            pages.setdefault(a - a % PAYLOAD, bytearray(PAYLOAD))[a % PAYLOAD] = byte
    out = bytearray()
    order = sorted(pages)
    for n, addr in enumerate(order):
        header = struct.pack("<8I", UF2_MAGIC[0], UF2_MAGIC[1], UF2_FLAG_FAMILY, addr, PAYLOAD, n, len(order), family)
        out += header + bytes(pages[addr]).ljust(476, b"\0") + struct.pack("<I", UF2_MAGIC[2])
    return bytes(out)


def read_uf2(data: bytes) -> list[tuple[int, bytes]]:
    """The (address, payload) blocks of a UF2 file; BuildError when a block is malformed."""
    blocks = []
    for off in range(0, len(data), 512):
        block = data[off:off + 512]
        m0, m1, _flags, addr, size, _n, _total, _family = struct.unpack_from("<8I", block)
        if (m0, m1) != UF2_MAGIC[:2] or struct.unpack_from("<I", block, 508)[0] != UF2_MAGIC[2] or size > 476:
            raise BuildError(f"malformed UF2 block at byte {off}")
        blocks.append((addr, block[32:32 + size]))
    return blocks


def pico_uf2(elf: Path) -> bytes:
    """A Pico's UF2 file: the second-stage boot at the start of flash, then the image."""
    return uf2([(FLASH, boot2()), *flash_segments(elf)])


def flash_contents(image: bytes) -> bytes:
    """The bytes a UF2 file writes from the start of the RP2040's flash (gaps filled with 0xFF)."""
    blocks = read_uf2(image)
    end = max(addr + len(data) for addr, data in blocks)
    out = bytearray(b"\xff" * (end - FLASH))
    for addr, data in blocks:
        out[addr - FLASH:addr - FLASH + len(data)] = data
    return bytes(out)
