"""The one placeholder policy: whether a value a user wrote states anything.

Rules ask it ("is the retention stated?") and so does the design diff ("was the new dependency
given a reason?"); it lives in the core so both use the same words for "not yet written".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# The one placeholder policy every "is this stated?" check uses, for strings and list items alike.
# A placeholder is a marker that the answer is still to be written (TBD, TODO, ?, ..., n/a, xxx)
# or a word that answers nothing (yes, ok, because). Length is no test: a one-word value that
# says something (`Alembic`, `expand/contract`, `Append-only.`, `none` for durability) is stated.
_PLACEHOLDER_WORDS = frozenset({
    "tbd", "tbc", "tba", "todo", "to do", "fixme", "xxx", "wip", "n/a", "na", "n.a", "placeholder",
    "to be decided", "to be defined", "to be determined", "to be confirmed", "to be written",
    "later", "decide later", "unknown", "unsure", "not sure", "changeme", "change me", "lorem ipsum",
    "yes", "no", "ok", "okay", "needed", "required", "because", "obvious", "see above", "same as above",
    "as above", "see below", "etc", "something", "stuff", "whatever",
})
# Marker words that make a whole value a placeholder when it opens with them ("TODO: decide").
_PLACEHOLDER_START = re.compile(r"^(tbd|tbc|todo|fixme|xxx+|wip)\b", re.IGNORECASE)
# Values made only of punctuation (?, ..., -, …) or of x's.
_PLACEHOLDER_MARKS = re.compile(r"^([?.…\-_*~#/]+|x{3,})$", re.IGNORECASE)
# What surrounds a placeholder without changing it: brackets, quotes, angle brackets, spaces.
_WRAPPERS = "[](){}<>\"'`“”‘’ \t"


def is_placeholder(value: Any) -> bool:
    """True when ``value`` does not state anything: missing, empty, or a placeholder.

    One policy for every rule that asks "is this stated?": ``None``, ``""``, ``TBD``, ``[TBD]``,
    ``TODO: pick one``, ``?``, ``...``, ``n/a``, ``xxx`` and non-answers such as ``yes`` or
    ``because`` are placeholders; so is a list with no stated item (``[]``, ``["?"]``). A short
    value that says something (``Alembic``, ``expand/contract``, ``Append-only.``) is not.
    """
    if value is None:
        return True
    if isinstance(value, (list, tuple, set, frozenset)):
        return not stated_items(value)
    if not isinstance(value, str):
        return False      # a number, a boolean or a mapping is an answer
    text = value.strip().strip(_WRAPPERS).strip()
    if not text:
        return True
    if _PLACEHOLDER_MARKS.match(text):
        return True
    lowered = " ".join(text.lower().rstrip(".!:;,").split())
    return lowered in _PLACEHOLDER_WORDS or bool(_PLACEHOLDER_START.match(lowered))


def is_stated(value: Any) -> bool:
    """The opposite of :func:`is_placeholder`: the value states something."""
    return not is_placeholder(value)


def stated_items(items: Iterable[Any] | None) -> list[Any]:
    """The items of a list that are stated (placeholders such as ``"?"`` or ``TBD`` dropped)."""
    return [x for x in (items or ()) if not is_placeholder(x)]
