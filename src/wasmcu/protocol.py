"""The line protocol firmware speaks, over semihosting/UART in QEMU or serial on a board.

Each record is one ASCII line:

    @wasmcu <key>=<value> [<key>=<value> ...]

Values are bare tokens (no spaces) or double-quoted strings with backslash escapes.
A run is a sequence of records ending with `@wasmcu end=1`. Known keys:

    runtime, workload, n        what the firmware was built for
    checksum                    the kernel's return value (decimal or 0x-hex, u32)
    load_ticks, run_ticks       raw timer ticks around load/instantiate and around the call
    stack_hwm, heap_hwm         painted-stack and heap high-water marks, bytes
    error                       what failed ("load: ...", "trap: ...", "bring-up: ...")
    time_us, cycles, cycles_bits a real board's timer and cycle counter around the call
    load_us                     a real board's timer around load and instantiation
    contain_rc, trap, canary,   the containment suite: the misbehaving call's return code, the
    alive, alive_rc             runtime's words, the canary (1 intact), the second call
    stopped_by                  the budget that stopped the call (gas metering in the glue)
    clock_hz                    the CPU clock a real board's firmware set up
    wasi_exit, stdout_bytes,    a WASI program's exit code (a reactor's or printing kernel's
    stderr_bytes, stdout_hex    result), its output's lengths and the first 1 KB of stdout in
                                hex (wasmcu.runtimes.wasi)
    end                         last record

Anything else on the line stream (firmware chatter, garbage) is kept as noise. The
parser never raises on input bytes and never blocks: it works on what it is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PREFIX = "@wasmcu "
MAX_LINE = 4096


@dataclass
class Report:
    fields: dict[str, str] = field(default_factory=dict)
    ended: bool = False
    noise: list[str] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)

    def int(self, key: str) -> int | None:
        value = self.fields.get(key)
        if value is None:
            return None
        try:
            return int(value, 0)
        except ValueError:
            return None


def _tokens(body: str) -> list[tuple[str, str]] | None:
    out, i, n = [], 0, len(body)
    while i < n:
        while i < n and body[i] == " ":
            i += 1
        if i >= n:
            break
        eq = body.find("=", i)
        if eq <= i:
            return None
        key = body[i:eq]
        if not key.isascii() or not key.replace("_", "a").isalnum():
            return None
        i = eq + 1
        if i < n and body[i] == '"':
            i += 1
            chars = []
            while i < n and body[i] != '"':
                if body[i] == "\\" and i + 1 < n:
                    i += 1
                chars.append(body[i])
                i += 1
            if i >= n:
                return None  # unterminated quote: a line cut mid-way
            i += 1
            value = "".join(chars)
        else:
            end = body.find(" ", i)
            end = n if end < 0 else end
            value = body[i:end]
            i = end
        out.append((key, value))
    return out


def parse(data: bytes | str) -> Report:
    """Parse a whole captured stream. Records after `end` are ignored."""
    if isinstance(data, bytes):
        data = data.decode("utf-8", errors="replace")
    report = Report()
    lines = data.split("\n")
    for idx, raw in enumerate(lines):
        line = raw.rstrip("\r")[:MAX_LINE]
        if not line:
            continue
        if not line.startswith(PREFIX):
            report.noise.append(line)
            continue
        if idx == len(lines) - 1:
            report.malformed.append(line)  # no newline after it: cut mid-line
            continue
        tokens = _tokens(line[len(PREFIX):])
        if tokens is None:
            report.malformed.append(line)
            continue
        for key, value in tokens:
            if not report.ended:
                report.fields[key] = value
        if any(k == "end" for k, _ in tokens):
            report.ended = True
    return report


def quote(value: str) -> str:
    """Encode a value for a record (used by host-side emitters and tests)."""
    if value and " " not in value and '"' not in value and "\\" not in value and "\n" not in value:
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def record(**fields) -> str:
    return PREFIX + " ".join(f"{k}={quote(str(v))}" for k, v in fields.items()) + "\n"
