"""Time the api step's form on a large design: build (render in the kernel) and one save.

    .venv/bin/python bench/bench_forms.py --endpoints 1000 --repeat 5

Writes a clean design with ``bench/gen_design.py``, opens the api step as a notebook does
(``designkit.jupyter.notebook.open_step``), then times ``session.form()`` (building every widget of
the form; the browser only draws one page of 20 endpoints) and a save through the form (one
endpoint's auth changed: round-trip edit, validation by the loader, atomic write, refresh).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_design import write_design  # noqa: E402

from designkit.jupyter.notebook import open_step  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "design.yaml"
        write_design(args.endpoints, path)
        session = open_step("api", path, Path(tmp) / "out")
        builds, saves = [], []
        for i in range(args.repeat):
            started = time.perf_counter()
            form = session.form()
            builds.append(time.perf_counter() - started)
            endpoints = form.dk_parts["Endpoints"]
            endpoints.choose(args.endpoints // 2)
            endpoints.inputs[("auth",)].value = "public" if i % 2 == 0 else "user-oidc"
            endpoints.inputs[("public_justification",)].value = "bench" if i % 2 == 0 else ""
            started = time.perf_counter()
            endpoints.save_button.click()
            saves.append(time.perf_counter() - started)
            if form.dk_saver.last_level != "ok":
                print(form.dk_saver.last_message, file=sys.stderr)
                return 1
        size = path.stat().st_size / 1e6
    print(f"{args.endpoints} endpoints, {size:.1f} MB design file, median of {args.repeat}:")
    print(f"  api form build: {statistics.median(builds):.3f} s")
    print(f"  save one edit : {statistics.median(saves):.3f} s (edit, validate, atomic write, refresh)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
