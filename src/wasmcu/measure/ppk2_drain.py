"""The PPK2 reader process: drains the PPK2's serial port into a file, nothing else.

Run by wasmcu.measure.ppk2 as its own Python process (standard library only, so it starts
in a few tens of milliseconds), so that no thread of the measuring program — however busy,
whatever holds the GIL — can make it fall behind the PPK2's 400 kB/s.

    python ppk2_drain.py FD OUT STALL_S

FD is the port's file descriptor (inherited), OUT the file the bytes go to. It prints
`ready` once reading; a line on stdin asks it to stop, after which it reads until the port
is quiet for 50 ms (at most 1 s) and prints `bytes cpu_s`. Exit status 2: the port failed
(the PPK2 vanished); 3: no bytes for STALL_S seconds while streaming.
"""

import os
import select
import sys
import time


def main() -> int:
    fd, out, stall_s = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    stdin = sys.stdin.fileno()
    total = 0
    stop_at = None
    last = time.monotonic()
    print("ready", flush=True)
    status = 0
    with open(out, "wb", buffering=1 << 20) as f:
        while True:
            try:
                ready, _, _ = select.select([fd, stdin] if stop_at is None else [fd], [], [], 0.05)
            except OSError as exc:
                print(f"port failed: {exc}", file=sys.stderr, flush=True)
                status = 2
                break
            now = time.monotonic()
            if stdin in ready:
                os.read(stdin, 4096)
                stop_at = now
            if fd in ready:
                try:
                    data = os.read(fd, 1 << 20)
                except OSError as exc:            # EIO: the device is gone
                    print(f"port failed: {exc}", file=sys.stderr, flush=True)
                    status = 2
                    break
                if not data:
                    print("port failed: end of file (the device is gone)", file=sys.stderr, flush=True)
                    status = 2
                    break
                f.write(data)
                total += len(data)
                last = now
                if stop_at is not None and now - stop_at > 1.0:
                    break                           # still streaming a second after the stop
                if len(data) < 16384:
                    time.sleep(0.002)               # let a few kB gather: fewer, larger reads
                continue
            if stop_at is not None and now - last > 0.05 and now - stop_at > 0.05:
                break                               # stopped, and the last bytes are in
            if stop_at is None and now - last > stall_s:
                print(f"no samples for {stall_s:g} s", file=sys.stderr, flush=True)
                status = 3
                break
    print(f"{total} {time.process_time():.4f}", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
