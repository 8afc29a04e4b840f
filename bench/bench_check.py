"""Measure ``designkit check`` as a whole process: wall time and peak memory per design size.

    .venv/bin/python bench/bench_check.py            # 100, 1,000 and 10,000 endpoints, 5 runs each

Each run is a fresh process (``python -m designkit check FILE``); wall time is the median of the
runs, peak memory the largest max RSS reported by ``os.wait4`` for that child.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_design import write_design  # noqa: E402
from measure import time_cli  # noqa: E402


def measure(path: Path, runs: int) -> tuple[float, float]:
    wall, peak, _ = time_cli(["check", path], runs, ok=(0, 1))
    return wall, peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    print("| endpoints | file size | wall (median) | peak RSS |")
    print("|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = write_design(n, Path(tmp) / f"design-{n}.yaml")
            wall, peak = measure(path, args.runs)
            print(f"| {n:,} | {path.stat().st_size / 1e6:.2f} MB | {wall:.2f} s | {peak:.0f} MiB |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
