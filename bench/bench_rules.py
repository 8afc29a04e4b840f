"""Measure the rules phase of ``check`` (``run_checks``) in process, on 1,000 and 10,000 endpoints.

    .venv/bin/python bench/bench_rules.py                       # this checkout, best and median of 5
    .venv/bin/python bench/bench_rules.py --against /tmp/main   # and another checkout, side by side

Each size's design is generated, loaded once, and checked ``--runs`` times with the garbage
collector frozen and off, as ``designkit check`` runs the rules; CPU time is user + system of the
process. "memory" is how far the first run raises the process's peak resident memory above what
it held before (the peak is reset after the load through ``/proc/self/clear_refs``, so the
loader's own peak does not hide the rules'). Each checkout is measured in its own fresh process (``--against DIR`` puts DIR
first on the import path), the checkouts alternating per size.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from gen_design import write_design  # noqa: E402
from measure import sizes_parser  # noqa: E402


def _status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")   # VmHWM := VmRSS (Linux 4.0+)


def measure(path: Path, runs: int) -> dict:
    """CPU seconds (best, median) of ``run_checks`` on the design at ``path``, and its memory."""
    from designkit.core.loader import load_design
    from designkit.rules import run_checks

    document = load_design(path)
    gc.collect()
    gc.freeze()
    gc.disable()
    _reset_peak()
    before = _status_mib("VmRSS")
    times, findings, rise = [], 0, 0.0
    for i in range(runs):
        start = time.process_time()
        findings = len(run_checks(document).findings)
        times.append(time.process_time() - start)
        if i == 0:
            rise = _status_mib("VmHWM") - before
    return {"best": min(times), "median": statistics.median(times), "memory": rise, "findings": findings}


def _child(path: Path, runs: int, checkout: Path | None) -> dict:
    env = dict(os.environ)
    if checkout is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(checkout), env.get("PYTHONPATH")]))
    out = subprocess.run([sys.executable, __file__, "--child", str(path), "--runs", str(runs)],
                         capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        print(json.dumps(measure(Path(argv[1]), int(argv[3]))))
        return 0
    parser = sizes_parser(__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="another checkout of designkit to measure beside this one")
    args = parser.parse_args(argv)
    print("| checkout | endpoints | run_checks CPU best | median | memory | findings |\n|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = write_design(n, Path(tmp) / f"design-{n}.yaml")
            checkouts = [("this", HERE.parent)] + ([(str(args.against), args.against)] if args.against else [])
            for name, checkout in checkouts:
                r = _child(path, args.runs, checkout)
                print(f"| {name} | {n:,} | {r['best']:.3f} s | {r['median']:.3f} s | +{r['memory']:.1f} MiB "
                      f"| {r['findings']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
