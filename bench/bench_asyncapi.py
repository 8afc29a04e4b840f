"""Measure the AsyncAPI 3.0 export on generated designs with channels (1,000 and 10,000 endpoints).

    .venv/bin/python bench/bench_asyncapi.py            # best and median of 5 runs per size

``gen_design.py --channels`` adds a Kafka topic per resource (200 at 1,000 endpoints), a WebSocket
feed and an outbound webhook. The design is loaded once per size; each run builds the document
and writes it as YAML, as ``designkit export asyncapi`` does.
"""

from __future__ import annotations

import sys
import tempfile
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_design import write_design  # noqa: E402
from measure import sizes_parser, timed  # noqa: E402

from designkit.core.loader import load_design  # noqa: E402
from designkit.outputs.exporters import export  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    args = sizes_parser(__doc__.splitlines()[0]).parse_args(argv)
    print("| endpoints | channels | asyncapi.yaml | export best | export median |\n|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            document = load_design(write_design(n, Path(tmp) / f"design-{n}.yaml", channels=True))
            out = Path(tmp) / f"asyncapi-{n}.yaml"
            best, median = timed(partial(export, "asyncapi", document, out), args.runs)
            print(f"| {n:,} | {len(document.design.api.channels):,} | {out.stat().st_size / 1e6:.2f} MB "
                  f"| {best:.3f} s | {median:.3f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
