"""Design text made inert in Markdown: it reads the same, but cannot become HTML, a link or a section.

Markdown renderers (GitHub, GitLab, static-site generators) pass raw HTML through and follow
``[text](javascript:...)`` links, so text from a design file (a title, a context, a finding's
message) is escaped for the place it goes:

* :func:`md_inline` - one line (a heading, a list item, a link text): line breaks are spaces,
  so a title cannot add a section;
* :func:`md_cell` - a table cell: ``md_inline`` plus ``|`` escaped;
* :func:`md_block` - a paragraph a person wrote over several lines: its lines are kept, but a
  line cannot open a heading, a setext underline or a link reference definition.

All three turn ``<`` and ``>`` into entities (no raw HTML) and break the ``](`` of an inline link
or image. Anything else (``_``, ``*``, backquoted code) is left as written: it cannot run code.
"""

from __future__ import annotations

import re
from typing import Any

_LINE_START = re.compile(r"^(\s{0,3})(#|\[|=+\s*$|-{3,}\s*$|_{3,}\s*$|\*{3,}\s*$)", re.MULTILINE)


def _inert(text: str) -> str:
    return (text.replace("\\", "\\\\").replace("<", "&lt;").replace(">", "&gt;")
            .replace("](", "]\\(").replace("]:", "]\\:"))


def md_inline(value: Any) -> str:
    """``value`` as one line of inert Markdown text."""
    text = _inert(" ".join(str(value if value is not None else "").split()))
    return "\\" + text if text.startswith("#") else text


def md_cell(value: Any) -> str:
    """``value`` as an inert Markdown table cell (one line, no ``|``)."""
    return md_inline(value).replace("|", "\\|")


def md_block(value: Any) -> str:
    """``value`` as inert Markdown paragraphs: its line breaks kept, no heading or rule made."""
    text = _inert(str(value if value is not None else "").replace("\r\n", "\n").replace("\r", "\n"))
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


__all__ = ["md_block", "md_cell", "md_inline"]
