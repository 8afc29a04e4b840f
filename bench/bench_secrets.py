"""Measure the secret scan (rule SEC006) alone, in process, on 1,000 and 10,000 endpoints.

    .venv/bin/python bench/bench_secrets.py            # best and median of 5 runs per size

The design is loaded once per size; each run applies SEC006 to it, as ``designkit check`` does.
The rest of ``check`` is measured by bench_check.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_design import write_design  # noqa: E402

from designkit.core.loader import load_design  # noqa: E402
from designkit.rules import registry  # noqa: E402
from designkit.rules.base import Context  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    rule = registry.get("SEC006")
    print("| endpoints | SEC006 best | SEC006 median |\n|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"design-{n}.yaml"
            write_design(n, path)
            ctx = Context(load_design(path), "B", dt.date.today())
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                hits = list(rule.check(ctx))
                times.append(time.perf_counter() - start)
            assert not hits, "the generated design holds no secret"
            print(f"| {n:,} | {min(times):.3f} s | {statistics.median(times):.3f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
