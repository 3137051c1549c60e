"""Does the PPK2 reader keep up? 100,000 samples a second for 30 s, none lost.

A pseudo-terminal PPK2 (the tests' ppk2_fake) runs in a child process, so that its
work does not count as the reader's: it streams samples paced by the clock at the PPK2's
rate (10 ms idle at 5 mA and 10 ms "kernel" at 25 mA with the marker on D0, over and over)
and drops whatever the port cannot take at once (a pseudo-terminal holds about 17 kB, 42 ms
of samples: stricter than a USB serial port, which buffers more in the kernel). The meter
records it all through the real code path: ppk2-api over pyserial, the reader process, the
numpy decoding. Prints samples expected (made by the device in the recording), received and
lost (device-side drops, and gaps the 6-bit counter shows), the CPU use of the reader
process and of the measuring process, the decoding time, and the energy per window by the
marker method against the synthesised one.

With --busy the main thread spins in pure Python meanwhile (as a board backend parsing its
serial port might), which a reader thread would have to win the GIL from.

usage: python benchmarks/ppk2_reader.py [--seconds 30] [--rate 100000] [--busy]
Exit status 1 if any sample was lost.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the pseudo-terminal PPK2 test double

import numpy as np  # noqa: E402

from wasmcu.measure.powertrace import analyse  # noqa: E402
from wasmcu.measure.ppk2 import PowerMeter  # noqa: E402
from ppk2_fake import FakePPK2, steps  # noqa: E402

IDLE_UA, ACTIVE_UA, VOLTS = 5_000.0, 25_000.0, 3.3


def device(conn, rate: float, seconds: float) -> None:
    period = int(rate * 0.01)                    # 10 ms idle, 10 ms active
    cycles = int(seconds * 50) + 100
    segments = [seg for _ in range(cycles) for seg in ((period, IDLE_UA, 0), (period, ACTIVE_UA, 1))]
    with FakePPK2(steps(segments, noise_ua=20.0), rate_hz=rate, buffer_samples=0) as fake:
        conn.send(fake.port)
        conn.recv()                              # recording done
        fake.settle()
        conn.send({"generated": fake.generated, "written": fake.written, "dropped": fake.dropped})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--rate", type=float, default=100_000.0)
    ap.add_argument("--busy", action="store_true", help="keep the main thread busy in Python meanwhile")
    args = ap.parse_args()

    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=device, args=(child, args.rate, args.seconds), daemon=True)
    proc.start()
    port = parent.recv()
    with PowerMeter.open(port, round(VOLTS * 1000)) as meter:
        cpu0, wall0 = time.process_time(), time.monotonic()
        meter.start()
        spins = 0
        if args.busy:
            end = time.monotonic() + args.seconds
            while time.monotonic() < end:
                sum(i * i for i in range(1000))
                spins += 1
        else:
            time.sleep(args.seconds)
        wall = time.monotonic() - wall0
        trace = meter.stop()
        cpu, stop_s = time.process_time() - cpu0, time.monotonic() - wall0 - wall
    parent.send("done")
    dev = parent.recv()
    proc.join()

    received = trace.meta["received"]
    lost = dev["dropped"] + trace.lost
    print(f"recording: {wall:.1f} s at {args.rate:,.0f} samples/s{' (main thread busy in Python)' if args.busy else ''}; "
          f"stop() took {stop_s:.2f} s")
    print(f"samples expected (made by the device): {dev['generated']:,}")
    print(f"samples received:                      {received:,}")
    print(f"samples lost:                          {lost:,} (dropped at the device: {dev['dropped']:,}; "
          f"counter gaps: {trace.lost:,}; received - sent: {received - dev['written']:,})")
    print(f"reader process CPU: {meter.reader_cpu_s:.2f} s = {100 * meter.reader_cpu_s / wall:.1f} % of one core")
    print(f"measuring process CPU while recording (main thread{', spinning' if args.busy else ''}): "
          f"{cpu - meter.decode_cpu_s:.2f} s = {100 * (cpu - meter.decode_cpu_s) / wall:.1f} %")
    print(f"decoding {trace.n:,} samples at stop(): {meter.decode_cpu_s:.2f} s CPU")
    falls = np.flatnonzero(np.diff(trace.channel(0).astype(np.int8)) == -1)
    a = analyse(trace.slice(0, int(falls[-1]) + 2), "marker")     # the pulse cut by the stop left out
    s = a.summary()
    expected_uj = VOLTS * ACTIVE_UA * 0.01
    print(f"marker method: {s.n} windows, {s.energy_uj:.2f} ± {s.sd_uj:.2f} µJ per window "
          f"(synthesised: {expected_uj:.2f} µJ, {100 * (s.energy_uj / expected_uj - 1):+.2f} %)")
    return 1 if lost or received != dev["generated"] else 0


if __name__ == "__main__":
    sys.exit(main())
