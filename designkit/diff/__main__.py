"""``python -m designkit.diff --markdown [-o docs/diff.md]``: print or write the diff check reference."""

from __future__ import annotations

import sys

from ..core.reference import reference_main
from .docs import render_diff_markdown


def main(argv: list[str] | None = None) -> int:
    return reference_main("python -m designkit.diff", __doc__, render_diff_markdown, argv)


if __name__ == "__main__":
    sys.exit(main())
