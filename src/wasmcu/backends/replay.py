"""Never emulate twice: an emulation whose every input is unchanged is read back instead of run again.

QEMU with ``-icount shift=0`` and wasmcu's event-count plugin is deterministic: the same firmware
image, on the same QEMU machine and version, under the same plugin with the same arguments (the
memory-system model, the measured windows, the instruction budget), prints the same report and
counts the same events. So the raw outcome of an emulation (QEMU's exit status, its output and the
plugin's counts) is kept in a folder beside the results store (``results/wasmcu.emulations/`` for
``results/wasmcu.sqlite``), one JSON file named by a hash of all of those inputs, and a later
cell with the same key reads it back instead of starting QEMU. Everything derived from it (cycles
from the device profile's cost table, time, energy) is computed afresh by the qemu backend, so a
reused cell is re-costed with the current table, and is identical to a freshly emulated one except
for ``extra.reused_from``, which names the emulation it reused. ``fresh`` in the RunContext
(``bench --fresh``) emulates again and replaces the stored outcome.

Only complete emulations are kept: the plugin wrote its counts and QEMU exited by itself (a timeout,
a QEMU killed by a signal, or a plugin that did not run are emulated again next time). Host and
real-board cells never come here: they are always measured.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from .. import tools

log = logging.getLogger("wasmcu")

PLUGIN_SOURCES = Path(__file__).resolve().parent / "plugin"
FORMAT = 1  # the layout of a stored emulation; part of the key, so a new layout never reads an old file


@dataclass
class Emulation:
    """What one emulation gave: QEMU's exit status and output, and the plugin's counts (None: not written)."""

    returncode: int
    stdout: bytes
    stderr: bytes
    counts: dict | None


def plugin_version() -> str:
    """A hash of the event-count plugin's sources (every file of the plugin folder)."""
    h = hashlib.sha256()
    for path in sorted(PLUGIN_SOURCES.iterdir()):
        if path.is_file():
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:20]


def qemu_version(path: str) -> str:
    """The first line of `qemu-system-* --version` (asked once per executable: wasmcu.tools.version)."""
    return tools.version(path)


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def key_parts(cmd: list[str], elf: Path, counts_file: Path, plugin: Path) -> dict:
    """Everything that determines an emulation's outcome, by name: the firmware image (its hash),
    QEMU (its executable's name and version), the plugin (the hash of its sources) and QEMU's
    arguments with the files' paths left out (the machine, the memory-system model, the windows,
    the instruction budget and any other option)."""
    names = {str(elf): "<firmware>", str(counts_file): "<counts>", str(plugin): "<plugin>"}
    args = []
    for arg in cmd[1:]:
        for path, name in names.items():
            arg = arg.replace(path, name)
        args.append(arg)
    return {"format": FORMAT, "firmware": file_hash(elf), "qemu": f"{Path(cmd[0]).name} {qemu_version(cmd[0])}",
            "plugin": plugin_version(), "arguments": args}


def key_of(parts: dict) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


def folder(db_path: Path | None) -> Path | None:
    """Where the emulations of the store at `db_path` are kept (None: no store, nothing kept)."""
    if db_path is None:
        return None
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem}.emulations")


def load(path: Path) -> tuple[Emulation, dict] | None:
    """A stored emulation and where it came from; None when the file is missing or unreadable."""
    try:
        data = json.loads(path.read_text())
        emulation = Emulation(int(data["returncode"]), base64.b64decode(data["stdout"]),
                              base64.b64decode(data["stderr"]), data["counts"])
        return emulation, dict(data["emulated"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("the stored emulation %s cannot be read (%s): emulating again", path, exc)
        return None


def save(path: Path, parts: dict, emulation: Emulation, origin: dict) -> None:
    """Write a stored emulation atomically (concurrent cells and processes never see half a file)."""
    data = {"key": parts, "returncode": emulation.returncode, "stdout": base64.b64encode(emulation.stdout).decode(),
            "stderr": base64.b64encode(emulation.stderr).decode(), "counts": emulation.counts, "emulated": origin}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
        os.replace(tmp, path)
    except OSError as exc:  # reuse is an optimisation: a read-only folder costs time, not results
        log.warning("could not keep the emulation in %s (%s): it will be emulated again next time", path.parent, exc)


def emulate(res, cmd: list[str], *, elf: Path, counts_file: Path, plugin: Path, ctx) -> Emulation:
    """Run QEMU's command `cmd` for the cell being measured in `res` (a Draft), or read back an
    identical earlier emulation kept beside the store (then `res.extra["reused_from"]` says which).
    Raises subprocess.TimeoutExpired when QEMU runs longer than ctx.timeout_s."""
    parts = key_parts(cmd, elf, counts_file, plugin)
    key = key_of(parts)
    res.provenance["emulation_key"] = key
    where = folder(getattr(ctx, "db_path", None))
    path = where / f"{key}.json" if where is not None else None
    if path is not None and not getattr(ctx, "fresh", False):
        found = load(path)
        if found is not None:
            res.extra["reused_from"] = found[1]
            return found[0]
    proc = subprocess.run(cmd, capture_output=True, timeout=ctx.timeout_s)
    counts = json.loads(counts_file.read_text()) if counts_file.is_file() else None
    emulation = Emulation(proc.returncode, proc.stdout, proc.stderr, counts)
    if path is not None and counts is not None and proc.returncode >= 0:
        origin = {"cell": res.cell.key, "run": getattr(ctx, "run_id", None), "key": key,
                  "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        save(path, parts, emulation, origin)
    return emulation
