"""Errors that carry a message a user can act on."""


class WasmcuError(Exception):
    """Base class: the message says what was wrong and what to do. `kind`: what a cell that
    fails with it records as its failure kind (wasmcu.model.ERROR_KINDS)."""

    kind = "error"


class ConfigError(WasmcuError):
    """Invalid user input: names, experiment files, profiles, workload directories."""

    kind = "unsupported"

    def __init__(self, message: str, *, file=None, field=None, expected=None):
        parts = []
        if file:
            parts.append(str(file))
        if field:
            parts.append(f"field '{field}'")
        prefix = ": ".join(parts)
        text = f"{prefix}: {message}" if prefix else message
        if expected:
            text += f" (expected {expected})"
        super().__init__(text)
        self.file, self.field, self.expected = file, field, expected


class ToolMissing(WasmcuError):
    """An external tool is not installed; the message names the package."""

    kind = "build-failed"

    def __init__(self, tool: str, package: str | None = None, hint: str | None = None):
        msg = f"required tool '{tool}' was not found"
        if package:
            msg += f"; install it with: apt-get install {package}"
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)
        self.tool, self.package = tool, package


class ToolTooOld(WasmcuError):
    """An external tool is present but older than wasmcu supports."""

    kind = "build-failed"


class BuildError(WasmcuError):
    """A source did not compile or link; carries the compiler's output."""

    kind = "build-failed"


class RuntimeUnavailable(WasmcuError):
    """A runtime cannot run here (not installed, not built); cells become 'unsupported'."""

    kind = "unsupported"


class CellError(WasmcuError):
    """A cell failed while running (trap, timeout, crash); the cell becomes 'error'. `kind`
    says which (wasmcu.model.ERROR_KINDS: trap, load-failed, timeout, crash, ...)."""

    def __init__(self, message: str, kind: str = "error"):
        super().__init__(message)
        self.kind = kind


class DoesNotFit(WasmcuError):
    """A firmware image exceeds the device's flash or RAM; the cell becomes 'does-not-fit'."""

    kind = "does-not-fit"


class BoardError(WasmcuError):
    """The board could not be found, flashed or read; the message says which and what to do."""

    kind = "board"


class PowerMeterError(WasmcuError):
    """The power meter (a PPK2) could not be found, opened, configured or read: no measured energy."""

    kind = "board"


class PowerMeterDisconnected(PowerMeterError):
    """The power meter stopped streaming or vanished during a measurement."""


class EnergyAnalysisError(WasmcuError):
    """A current trace holds no measurable window (no marker pulse, no active level above idle)."""


class NotRepeatable(CellError):
    """A kernel returned something else when called again in the same instance: it runs once
    per fresh instance (wasmcu.runtimes.base.measure_once), as a board runs it, and is never failed for it."""

    def __init__(self, message: str, kind: str = "not-deterministic"):
        super().__init__(message, kind)
