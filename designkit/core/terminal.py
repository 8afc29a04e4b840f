"""Text from a design made safe to print on a terminal.

A design file can hold any character, and ``check`` prints names, keys and messages from it. An
ESC sequence (``\\x1b]0;...``, ``\\x1b[2J``) would retitle the window, clear the screen or hide the
lines around it; a bidirectional override (U+202E) would show text in another order than it has.
:func:`terminal_safe` shows each such character visibly as its escape (``\\x1b``, ``\\u202e``)
and keeps line breaks and tabs.
"""

from __future__ import annotations

import re

# C0 controls but tab and line feed, DEL, C1 controls, and the bidirectional formatting characters.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    """``text`` with every control, escape and bidi character written out visibly."""
    return _UNSAFE.sub(_visible, text)


__all__ = ["terminal_safe"]
