"""Measure ``designkit check`` as a whole process: wall time and peak memory per design size.

    .venv/bin/python bench/bench_check.py                 # example, 100, 1,000, 10,000 endpoints, 5 runs
    .venv/bin/python bench/bench_check.py --record        # ... and keep the figures in bench/results/check.json
    .venv/bin/python bench/bench_check.py --compare       # re-measure; exit 1 if a figure is 20% worse
    .venv/bin/python bench/bench_check.py --compare --figures cpu_s,peak_mib   # on a busy machine
    .venv/bin/python bench/bench_check.py --against ../base   # side by side with another checkout

Each run is a fresh process (``python -m designkit check FILE``) after one untimed warm-up run
(bytecode, the compiled model cache, the page cache); wall time is the median of the runs, peak
memory the largest max RSS reported by ``os.wait4`` for that child. The runs of the sizes are
interleaved (example, 100, 1,000, 10,000, example, ...) so that a burst of load on this shared
machine lands on every size alike. CPU time (user + system) is printed too: load disturbs it far
less than wall time. ``--record`` and ``--compare`` are the regression guard (``bench/guard.py``):
``--compare`` measures the sizes of the last recorded table and fails when a median wall or CPU
time or a peak memory is more than ``--tolerance`` (20%) above it; run on demand, never in CI.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import guard  # noqa: E402
from gen_design import write_design  # noqa: E402
from measure import ROOT, child_env, load_average, run_once, summary  # noqa: E402

EXAMPLE = ROOT / "examples" / "webhook-ingestion" / "design.yaml"


def designs(sizes: list[int], folder: Path) -> dict[str, Path]:
    out = {"example": EXAMPLE}
    for n in sizes:
        out[str(n)] = write_design(n, folder / f"design-{n}.yaml")
    return out


def measure(paths: dict[str, Path], runs: int, bytecode: bool, trees: dict[str, Path] | None = None
            ) -> dict[str, dict[str, dict]]:
    """Figures per source tree (``now``: this checkout; others from ``--against``) and design."""
    trees = trees or {"now": ROOT}
    env = child_env(bytecode)
    cmd = [sys.executable, "-m", "designkit", "check"]   # run in a tree's folder: imports that tree
    for tree in trees.values():
        for path in paths.values():
            run_once([*cmd, str(path)], env=env, cwd=tree)          # warm-up, untimed
    series = {(t, k): ([], [], []) for t in trees for k in paths}
    for _ in range(runs):
        for key, path in paths.items():
            for name, tree in trees.items():
                for values, value in zip(series[name, key], run_once([*cmd, str(path)], env=env, cwd=tree),
                                         strict=True):
                    values.append(value)
    return {name: {key: {"design": key, "bytes": path.stat().st_size, **summary(*series[name, key])}
                   for key, path in paths.items()} for name in trees}


def label(key: str) -> str:
    return "example" if key == "example" else f"{int(key):,}"


def print_table(rows: dict[str, dict]) -> None:
    print("| endpoints | file size | wall (median) | best | CPU (median) | peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|")
    for key, row in rows.items():
        print(f"| {label(key)} | {row['bytes'] / 1e6:.2f} MB | {row['wall_s']:.2f} s | "
              f"{row['best_s']:.2f} s | {row['cpu_s']:.2f} s | {row['peak_mib']:.0f} MiB |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, help="endpoint counts (default 100 1000 10000)")
    parser.add_argument("--runs", type=int, default=5)
    guard.add_options(parser, "check")
    parser.add_argument("--against", type=Path,
                        help="also measure the designkit in this folder (a checkout of another commit), interleaved")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="run the children with PYTHONDONTWRITEBYTECODE=1 (no .pyc, no model cache)")
    args = parser.parse_args(argv)
    old = None
    if args.compare:
        old = guard.recorded("check")
        if old is None:
            return 2
        sizes = args.sizes or [int(k) for k in old["rows"] if k != "example"]
        runs = args.runs if "--runs" in (argv or sys.argv) else old["runs"]
    else:
        sizes, runs = args.sizes or [100, 1000, 10000], args.runs
    trees = {"now": ROOT, **({"against": args.against.resolve()} if args.against else {})}
    print(f"python {platform.python_version()}, load {load_average()}, {runs} runs, "
          f"bytecode {'off' if args.no_bytecode else 'on'}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        measured = measure(designs(sizes, Path(tmp)), runs, not args.no_bytecode, trees)
    rows = measured["now"]
    if args.against:
        print(f"\nagainst {args.against} (same runs, interleaved):")
        print_table(measured["against"])
        print("\nnow:")
    print_table(rows)
    if args.against:
        print("\n| endpoints | wall now / against | CPU now / against | memory now / against |")
        print("|---:|---:|---:|---:|")
        for key, row in rows.items():
            old_row = measured["against"][key]
            print(f"| {label(key)} | {row['wall_s'] / old_row['wall_s']:.2f} | {row['cpu_s'] / old_row['cpu_s']:.2f} "
                  f"| {row['peak_mib'] / old_row['peak_mib']:.2f} |")
    return guard.finish(args, "check", rows, runs=runs, label=label, old=old, bytecode=not args.no_bytecode)


if __name__ == "__main__":
    sys.exit(main())
