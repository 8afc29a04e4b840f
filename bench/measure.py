"""Time one ``python -m designkit ...`` command as a fresh process: median wall time and peak memory."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time


def time_cli(args: list[str], runs: int, ok: tuple[int, ...] = (0,)) -> tuple[float, float, bytes]:
    """Run ``designkit ARGS`` ``runs`` times; (median seconds, largest max RSS in MiB, last stdout).

    Peak memory is the child's max RSS as ``os.wait4`` reports it; an exit code outside ``ok``
    stops the benchmark.
    """
    walls, peaks, out = [], [], b""
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "designkit", *map(str, args)],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        peaks.append(usage.ru_maxrss / 1024)   # KiB -> MiB on Linux
        if os.waitstatus_to_exitcode(status) not in ok:
            raise SystemExit(f"designkit {' '.join(map(str, args))} failed")
    return statistics.median(walls), max(peaks), out
