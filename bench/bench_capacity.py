"""Measure the capacity and failure model on large designs: the model, its tables (FMEA included)
and the latency-budget chart, in process, after the design is loaded.

    .venv/bin/python bench/bench_capacity.py            # 1,000 and 10,000 endpoints, 5 runs each

Wall time is the median of the runs; peak memory is the process's max RSS after all sizes ran.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_design import write_design  # noqa: E402

from designkit.capacity import capacity_model, capacity_tables  # noqa: E402
from designkit.core.loader import load_design  # noqa: E402
from designkit.outputs.capacity_plot import latency_budget_svg  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    print("| endpoints | surfaces | budgets | FMEA rows | model + tables (median) | chart (median) |")
    print("|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"design-{n}.yaml"
            write_design(n, path)
            design = load_design(path).design
            tables_s, chart_s = [], []
            for _ in range(args.runs):
                start = time.perf_counter()
                model = capacity_model(design)
                tables = capacity_tables(model)
                tables_s.append(time.perf_counter() - start)
                start = time.perf_counter()
                latency_budget_svg(model)
                chart_s.append(time.perf_counter() - start)
            rows = {t.title: len(t.rows) for t in tables}
            print(f"| {n:,} | {len(model.surfaces):,} | {rows['latency budget']:,} | {rows['FMEA']:,} | "
                  f"{statistics.median(tables_s):.3f} s | {statistics.median(chart_s):.3f} s |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of the whole run: {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
