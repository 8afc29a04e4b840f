"""``python -m designkit.rules --markdown [-o docs/rules.md]``: print or write the rule reference."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .docs import render_rules_markdown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m designkit.rules", description=__doc__)
    parser.add_argument("--markdown", action="store_true", help="the rule reference as Markdown")
    parser.add_argument("-o", "--output", type=Path, help="write to this file instead of standard output")
    args = parser.parse_args(argv)
    if not args.markdown:
        parser.print_help()
        return 2
    text = render_rules_markdown()
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
