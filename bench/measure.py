"""What the process benchmarks share: time one command as a fresh process, and its peak memory.

``run_once`` starts the command through ``_spawn.py``, which waits for it with ``os.wait4``, and
returns the wall time, the child's peak resident memory (``ru_maxrss``) and its CPU time. ``child_env`` is the environment the designkit
children run in: as installed, Python writes bytecode (and designkit its compiled model cache,
``designkit/core/compiled.py``) on the first run, which each benchmark makes untimed; pass
``bytecode=False`` to measure a machine that sets ``PYTHONDONTWRITEBYTECODE`` instead.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPAWN = Path(__file__).resolve().parent / "_spawn.py"


def child_env(bytecode: bool = True) -> dict[str, str]:
    env = dict(os.environ)
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_once(cmd: Sequence[str], *, env: dict[str, str] | None = None,
             cwd: Path | None = None, ok: Sequence[int] = (0, 1)) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MiB) and CPU seconds (user + system) of one run of ``cmd``.

    The command is started by ``bench/_spawn.py``, a minimal Python that times it and reads its
    ``os.wait4`` usage, so the benchmark's own memory is not counted in the command's peak.
    Raises SystemExit if it exits with a code outside ``ok``. CPU time is the figure a busy
    machine disturbs least: wall time grows with the load, CPU time much less.
    """
    read, write = os.pipe()
    proc = subprocess.Popen([sys.executable, "-S", str(SPAWN), str(write), *map(str, cmd)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd,
                            pass_fds=(write,))
    os.close(write)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.wait()
    with os.fdopen(read, "rb") as fh:
        report = fh.read()
    if proc.returncode or not report:
        raise SystemExit(f"could not time {' '.join(map(str, cmd))}:\n{err[-2000:]}")
    wall, peak, cpu, code = json.loads(report)
    if code not in ok:
        raise SystemExit(f"{' '.join(map(str, cmd))} exited {code}:\n{err[-2000:]}")
    return wall, peak, cpu


def summary(walls: list[float], peaks: list[float], cpus: list[float]) -> dict[str, float]:
    return {"wall_s": round(statistics.median(walls), 3), "best_s": round(min(walls), 3),
            "cpu_s": round(statistics.median(cpus), 3), "peak_mib": round(max(peaks), 1)}


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


def timed(fn, runs: int) -> tuple[float, float]:
    """Best and median wall seconds of ``runs`` calls of ``fn`` in this process."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def sizes_parser(description: str, sizes: Sequence[int] = (1000, 10000), runs: int = 5):
    """The command line of an in-process benchmark: design sizes in endpoints, and ``--runs``."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("sizes", nargs="*", type=int, default=list(sizes))
    parser.add_argument("--runs", type=int, default=runs)
    return parser
