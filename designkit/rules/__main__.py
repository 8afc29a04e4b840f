"""``python -m designkit.rules --markdown [-o docs/rules.md]``: print or write the rule reference."""

from __future__ import annotations

import sys

from ..core.reference import reference_main
from .docs import render_rules_markdown


def main(argv: list[str] | None = None) -> int:
    return reference_main("python -m designkit.rules", __doc__, render_rules_markdown, argv)


if __name__ == "__main__":
    sys.exit(main())
