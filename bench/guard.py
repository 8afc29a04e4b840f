"""The regression guard: each benchmark keeps its last table, and says which figure got worse.

    .venv/bin/python bench/guard.py                  # every guarded benchmark, --compare; exit 1 if one is worse
    .venv/bin/python bench/guard.py --figures cpu_s,peak_mib   # on a busy machine: CPU time and memory only

A guarded benchmark (``bench_check.py``, ``bench_import.py --cli``, ``bench_run.py --quick``)
takes ``--record``, which writes its figures to ``bench/results/NAME.json`` (date, load, command,
and per row its median wall and CPU time and peak memory), and ``--compare``, which measures the
same rows again and exits 1 when any of those figures is more than ``--tolerance`` (20%) above
the record, printing each figure old, new and the ratio. Run on demand, never in CI: this
machine is shared, and wall time moves with the load (CPU time and memory much less).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from measure import ROOT, load_average

RESULTS = Path(__file__).resolve().parent / "results"
FIGURES = ("wall_s", "cpu_s", "peak_mib")
GUARDED = {   # benchmark -> the arguments its --compare runs with
    "check": ["bench_check.py"],
    "import": ["bench_import.py", "--cli"],
    "run": ["bench_run.py", "--quick"],
}


def add_options(parser: argparse.ArgumentParser, name: str) -> None:
    """``--record``, ``--compare``, ``--tolerance`` and ``--figures`` for the benchmark ``name``."""
    parser.add_argument("--record", action="store_true", help=f"write the figures to results/{name}.json")
    parser.add_argument("--compare", action="store_true",
                        help=f"compare with results/{name}.json; exit 1 when a figure is worse than --tolerance")
    parser.add_argument("--tolerance", type=float, default=0.2)
    parser.add_argument("--figures", default=",".join(FIGURES),
                        help="which figures --compare judges (default: all; on a busy machine: cpu_s,peak_mib)")


def recorded(name: str) -> dict | None:
    """The last record of ``name``, or None (and a message) when there is none."""
    path = RESULTS / f"{name}.json"
    if not path.exists():
        print(f"no recorded figures in {path}; run with --record first", file=sys.stderr)
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def finish(args: argparse.Namespace, name: str, rows: dict[str, dict], *, runs: int,
           label: Callable[[str], str] = str, old: dict | None = None, **about) -> int:
    """Record ``rows`` (with ``--record``) and judge them against ``old`` (with ``--compare``):
    the benchmark's exit code, 1 when a judged figure is more than the tolerance worse."""
    if args.record:
        record = {"recorded": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                  "command": f"python bench/{Path(sys.argv[0]).name} " + " ".join(sys.argv[1:]),
                  "python": platform.python_version(), "load": load_average(), "runs": runs,
                  **about, "rows": rows}
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"{name}.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        print(f"recorded in {(RESULTS / f'{name}.json').relative_to(ROOT)}")
    if old is None:
        return 0
    figures = [f for f in args.figures.split(",") if f in FIGURES]
    worse = compare(name, old, rows, args.tolerance, figures, label)
    if worse:
        print(f"\n{len(worse)} figure(s) more than {args.tolerance:.0%} worse than recorded:\n  "
              + "\n  ".join(worse), file=sys.stderr)
        return 1
    print(f"\nno figure more than {args.tolerance:.0%} worse than recorded")
    return 0


def compare(name: str, old: dict, new: dict[str, dict], tolerance: float, figures=FIGURES,
            label: Callable[[str], str] = str) -> list[str]:
    """Print each figure recorded and now; return a line per figure worse than ``tolerance`` allows."""
    worse = []
    print(f"\ncompared with results/{name}.json ({old['recorded']}, load then {old['load']})")
    print("| row | figure | recorded | now | now / recorded |")
    print("|---|---|---:|---:|---:|")
    for key, row in new.items():
        before = old["rows"].get(key)
        if before is None:
            continue
        for figure in figures:
            if figure not in before or figure not in row:
                continue
            ratio = row[figure] / before[figure] if before[figure] else 1.0
            flag = " **worse**" if ratio > 1 + tolerance else ""
            print(f"| {label(key)} | {figure} | {before[figure]} | {row[figure]} | {ratio:.2f}{flag} |")
            if flag:
                worse.append(f"{name} {label(key)} {figure}: {before[figure]} -> {row[figure]} ({ratio:.2f}x)")
    return worse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=[],
                        help=f"which benchmarks (default: every one with a record: {', '.join(GUARDED)})")
    parser.add_argument("--tolerance", type=float, default=0.2)
    parser.add_argument("--figures", default=",".join(FIGURES))
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in GUARDED]
    if unknown:
        parser.error(f"not a guarded benchmark: {', '.join(unknown)} (guarded: {', '.join(GUARDED)})")
    names = args.names or [n for n in GUARDED if (RESULTS / f"{n}.json").exists()]
    failed = []
    for name in names:
        print(f"\n== {name}", flush=True)
        cmd = [sys.executable, str(Path(__file__).resolve().parent / GUARDED[name][0]), *GUARDED[name][1:],
               "--compare", "--tolerance", str(args.tolerance), "--figures", args.figures]
        if subprocess.run(cmd, cwd=ROOT).returncode:
            failed.append(name)
    print(f"\nguard: {len(names) - len(failed)} of {len(names)} benchmarks within {args.tolerance:.0%} "
          f"of their record" + (f"; worse: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
