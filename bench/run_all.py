"""Run every benchmark in turn (`make bench`); each prints its figures and the command behind them.

Benchmarks are run on demand, never in CI: this machine is shared, so compare ratios measured
side by side in one run, and copy the figures into bench/README.md with the date.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = ["bench_check.py", "bench_rules.py", "bench_secrets.py", "bench_asyncapi.py", "bench_diff.py", "bench_threats.py",
           "bench_import.py", "bench_forms.py", "bench_run.py"]

if __name__ == "__main__":
    failed = 0
    for name in BENCHES:
        print(f"\n== {name}", flush=True)
        failed |= subprocess.call([sys.executable, str(HERE / name)]) != 0
    sys.exit(1 if failed else 0)
