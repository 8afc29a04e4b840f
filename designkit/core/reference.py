"""The command behind ``python -m designkit.rules --markdown`` and ``python -m designkit.diff --markdown``.

Both catalogues (rules, diff checks) write their Markdown reference the same way; the
catalogue passes its renderer.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path


def reference_main(prog: str, description: str | None, render: Callable[[], str],
                   argv: list[str] | None = None) -> int:
    """Print the reference, or write it with ``-o FILE``; without ``--markdown`` print the help (exit 2)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--markdown", action="store_true", help="the reference as Markdown")
    parser.add_argument("-o", "--output", type=Path, help="write to this file instead of standard output")
    args = parser.parse_args(argv)
    if not args.markdown:
        parser.print_help()
        return 2
    text = render()
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0
