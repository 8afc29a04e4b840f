"""Key paths: where a value sits in a design, as a tuple and as the text messages show.

``('api', 'endpoints', 3, 'auth')`` is ``api.endpoints[3].auth``.
"""

from __future__ import annotations

KeyPath = tuple[str | int, ...]


def format_key_path(key_path: KeyPath) -> str:
    """``('api', 'endpoints', 3, 'auth')`` -> ``api.endpoints[3].auth``."""
    text = ""
    for part in key_path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def parse_key_path(text: str) -> KeyPath:
    """The inverse of :func:`format_key_path`."""
    parts: list[str | int] = []
    for chunk in text.replace("]", "").split("."):
        name, *indexes = chunk.split("[")
        if name:
            parts.append(name)
        parts.extend(int(i) for i in indexes)
    return tuple(parts)
