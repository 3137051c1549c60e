"""The worker process of host measurements: one cell measured in a process of its own.

`python -m wasmcu.worker` reads a HostJob as JSON on stdin and writes a HostMeasurement (or an error) as JSON on stdout.

Whatever the kernel or a runtime prints on stdout (a native kernel's printf) goes to stderr:
the worker keeps the original stdout for its one JSON object, so printing never corrupts it.

Running each cell in its own process lets the parent enforce a time limit on
kernels that never return, survive crashes, and read the cell's peak memory. The worker
dies with its parent and stops within a CPU-time limit on its own (wasmcu.bounded).
"""

from __future__ import annotations

import json
import os
import resource
import sys
from dataclasses import asdict


def main(argv: list[str] | None = None) -> int:
    import faulthandler

    from . import bounded
    from .errors import NotRepeatable, WasmcuError
    from .runtimes import get
    from .runtimes.base import HostJob, measure_once

    # die with wasmcu, and within a CPU-time limit even if wasmcu's watchdog is gone (wasmcu.bounded)
    bounded.confine(**bounded.parse_child_args(sys.argv[1:] if argv is None else argv))
    faulthandler.enable()  # a crash in native code says where (the Python frame it was called from) on stderr
    job = HostJob(**json.loads(sys.stdin.read()))
    # the result's channel, kept apart: from here on, file descriptor 1 is stderr
    sys.stdout.flush()
    result = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    own = None
    try:
        if job.containment:
            from .backends.containment_call import contain

            out = contain(job)
        else:
            rt = get(job.runtime)
            try:
                m = measure_once(rt, job) if job.once else rt.measure(job)
            except NotRepeatable as exc:  # timed by fresh instances, as a board runs it
                m = measure_once(rt, job, reason=str(exc))
            out = asdict(m)
            own = m.peak_rss_bytes
    except WasmcuError as exc:
        out = {"error": str(exc), "kind": exc.kind}
    except Exception as exc:  # a runtime binding failing in an unexpected way
        out = {"error": f"{type(exc).__name__}: {exc}", "kind": "internal"}
    # the runtime's own process: this one for in-process runtimes, the runtime's program
    # for out-of-process ones (never other tools this process ran, such as nm or a compiler)
    out["peak_rss_bytes"] = own or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    sys.stdout.flush()
    result.write(json.dumps(out))
    result.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
