"""Measure ``designkit diff`` on two 1,000-endpoint designs: wall time, peak memory, and where time goes.

    .venv/bin/python bench/bench_diff.py                 # 1,000 endpoints, 5 runs
    .venv/bin/python bench/bench_diff.py 1000 10000 --runs 3

OLD is a clean generated design (``bench/gen_design.py``); NEW is OLD with every tenth endpoint
removed, every fourth resource's input title narrowed (max_length 200 -> 100) and every eighth
resource's quantity maximum lowered, so the diff has real work to report. Each run is a fresh
process (``python -m designkit diff OLD NEW --format json``, timed by ``bench/measure.py``): wall
and CPU time are medians, peak memory the largest max RSS. One untimed run first writes bytecode
and the compiled model cache. The in-process split (CPU to load both, CPU to compare) comes from one more run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_design import generate_design  # noqa: E402
from measure import child_env, load_average, run_once, summary  # noqa: E402


def mutate(design: dict) -> dict:
    """NEW: endpoints removed, request fields narrowed, bounds lowered (deterministic)."""
    api = design["api"]
    api["endpoints"] = [e for i, e in enumerate(api["endpoints"]) if i % 10 != 9]
    for i, schema in enumerate(api["schemas"]):
        for f in schema["fields"]:
            if i % 4 == 0 and f["name"] == "title":
                f["max_length"] = 100
            if i % 8 == 0 and f["name"] == "quantity":
                f["maximum"] = 1000
    return design


def write_pair(n: int, folder: Path) -> tuple[Path, Path]:
    old, new = folder / f"old-{n}.yaml", folder / f"new-{n}.yaml"
    dump = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    old.write_text(yaml.dump(generate_design(n), Dumper=dump, sort_keys=False), encoding="utf-8")
    new.write_text(yaml.dump(mutate(generate_design(n)), Dumper=dump, sort_keys=False), encoding="utf-8")
    return old, new


def measure(old: Path, new: Path, runs: int) -> tuple[dict[str, float], dict]:
    cmd = [sys.executable, "-m", "designkit", "diff", str(old), str(new), "--format", "json"]
    env = child_env()
    first = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)   # untimed: caches
    walls, peaks, cpus = [], [], []
    for _ in range(runs):
        wall, peak, cpu = run_once(cmd, env=env, ok=(0,))
        walls.append(wall)
        peaks.append(peak)
        cpus.append(cpu)
    return summary(walls, peaks, cpus), json.loads(first.stdout)["counts"]


def split(old: Path, new: Path) -> tuple[float, float]:
    """CPU seconds to load both designs, and to compare them, in this process."""
    from designkit.core.loader import load_design
    from designkit.diff import run_diff

    start = time.process_time()
    a, b = load_design(old), load_design(new)
    loaded = time.process_time()
    run_diff(a, b)
    return loaded - start, time.process_time() - loaded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"load average before: {load_average()}")
    print("| endpoints | files (old + new) | changes | wall (median) | CPU (median) | peak RSS | load both | compare |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            old, new = write_pair(n, Path(tmp))
            figures, counts = measure(old, new, args.runs)
            load, compare = split(old, new)
            size = (old.stat().st_size + new.stat().st_size) / 1e6
            found = ", ".join(f"{v} {k}" for k, v in counts.items())
            print(f"| {n:,} | {size:.2f} MB | {found} | {figures['wall_s']:.2f} s | {figures['cpu_s']:.2f} s | "
                  f"{figures['peak_mib']:.0f} MiB | {load:.2f} s | {compare:.3f} s |", flush=True)
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
