"""Measure the secret scan (rule SEC006) alone, in process, on 1,000 and 10,000 endpoints.

    .venv/bin/python bench/bench_secrets.py            # best and median of 5 runs per size

The design is loaded once per size; each run applies SEC006 to it, as ``designkit check`` does.
The rest of ``check`` is measured by bench_check.py.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_design import write_design  # noqa: E402
from measure import sizes_parser, timed  # noqa: E402

from designkit.core.loader import load_design  # noqa: E402
from designkit.rules import registry  # noqa: E402
from designkit.rules.base import Context  # noqa: E402


def _scan(rule, ctx) -> list:
    return list(rule.check(ctx))


def main(argv: list[str] | None = None) -> int:
    args = sizes_parser(__doc__.splitlines()[0]).parse_args(argv)
    rule = registry.get("SEC006")
    print("| endpoints | SEC006 best | SEC006 median |\n|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            ctx = Context(load_design(write_design(n, Path(tmp) / f"design-{n}.yaml")), "B", dt.date.today())
            assert not list(rule.check(ctx)), "the generated design holds no secret"
            best, median = timed(partial(_scan, rule, ctx), args.runs)
            print(f"| {n:,} | {best:.3f} s | {median:.3f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
