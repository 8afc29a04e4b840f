"""``python -m designkit.diff --markdown [-o docs/diff.md]``: print or write the diff check reference."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .docs import render_diff_markdown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m designkit.diff", description=__doc__)
    parser.add_argument("--markdown", action="store_true", help="the diff check reference as Markdown")
    parser.add_argument("-o", "--output", type=Path, help="write to this file instead of standard output")
    args = parser.parse_args(argv)
    if not args.markdown:
        parser.print_help()
        return 2
    text = render_diff_markdown()
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
