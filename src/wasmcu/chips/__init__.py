"""The real chips wasmcu builds firmware for: one folder per chip, registered by name.

A chip's folder (``chips/<name>/``) holds everything about it: its start-up C (``startup.c``:
clocks, console UART, timer, the firmware frame's chip layer), its image format and the
flashers that can write it; its ``__init__.py`` declares one :class:`Chip` with
:func:`register`. Flashers are classes behind one small protocol
(:class:`wasmcu.chips.flashers.Flasher`), registered by name like runtimes, so one flasher
(pyOCD) serves several chips. A new chip is one new folder: see the docs' "Adding a chip".
"""

from __future__ import annotations

import importlib
import pkgutil

from .chip import CHIPS, Chip, get, register

__all__ = ["CHIPS", "Chip", "get", "register"]

# wasmcu's chips, in this order (of messages and tables), then any other folder here
ORDER = ("rp2040", "esp32c6", "nrf5340")


def _import_chips() -> None:
    names = [i.name for i in pkgutil.iter_modules(__path__) if i.ispkg]
    for name in [*[n for n in ORDER if n in names], *sorted(n for n in names if n not in ORDER)]:
        importlib.import_module(f"{__name__}.{name}")


_import_chips()
