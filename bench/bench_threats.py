"""Measure ``designkit threats`` on a generated design: wall time, peak memory, and where time goes.

    .venv/bin/python bench/bench_threats.py                 # 1,000 endpoints, 5 runs
    .venv/bin/python bench/bench_threats.py 1000 10000 --runs 3

The design is a clean generated one (``bench/gen_design.py``). Each run is a fresh process
(``python -m designkit threats FILE --format text|json|otm``, after one untimed warm-up); wall and
CPU time are medians, peak memory the largest max RSS ``os.wait4`` reports (``bench/measure.py``).
The in-process split (load, build the threat model, render JSON) comes from one extra run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_design import write_design  # noqa: E402
from measure import child_env, load_average, run_once, summary  # noqa: E402


def measure(path: Path, fmt: str, runs: int) -> dict[str, float]:
    """Median wall and CPU time and peak memory of ``designkit threats PATH --format FMT`` (after a warm-up)."""
    cmd = [sys.executable, "-m", "designkit", "threats", str(path), "--format", fmt]
    env = child_env()
    run_once(cmd, env=env, ok=(0,))      # warm-up, untimed (bytecode, compiled model cache)
    walls, peaks, cpus = zip(*(run_once(cmd, env=env, ok=(0,)) for _ in range(runs)), strict=True)
    return summary(list(walls), list(peaks), list(cpus))


def split(path: Path) -> tuple[int, float, float, float]:
    """Threats, and seconds to load the design, build its threat model and render it as JSON, in this process."""
    from designkit.core.loader import load_design
    from designkit.threats import build_threat_model
    from designkit.threats.render import format_threats_json

    start = time.perf_counter()
    document = load_design(path)
    loaded = time.perf_counter()
    model = build_threat_model(document.design)
    threats = len(model.threats)   # derived on first use: the split counts them in the build
    built = time.perf_counter()
    format_threats_json(model)
    return threats, loaded - start, built - loaded, time.perf_counter() - built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="*", default=[1000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"load average before: {load_average()}")
    print("| endpoints | threats | format | wall (median) | CPU (median) | peak RSS |")
    print("|---:|---:|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = write_design(n, Path(tmp) / f"design-{n}.yaml")
            count, load, build, render = split(path)
            for fmt in ("text", "json", "otm"):
                row = measure(path, fmt, args.runs)
                print(f"| {n:,} | {count:,} | {fmt} | {row['wall_s']:.2f} s | {row['cpu_s']:.2f} s | "
                      f"{row['peak_mib']:.0f} MiB |", flush=True)
            print(f"  in process at {n:,}: load {load:.2f} s, threat model {build:.2f} s, JSON {render:.2f} s",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
