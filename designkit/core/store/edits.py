"""Typed edits: what a change to a design file is, apart from how it is applied.

An edit is a small frozen value, :class:`Set`, :class:`Append` or :class:`Remove`, addressed by
a key path tuple as the loader and the findings use (``('api', 'endpoints', 0, 'auth')``). The
editor records the edits it applied and replays them, in one loop, when it has to move from a
region of the file to the whole file.

The older form, ``("set"|"append"|"remove", key_path, value)`` tuples, is still accepted by
:func:`as_edit` (and so by ``DesignEditor.apply`` and ``edit_design``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from ruamel.yaml.comments import CommentedSeq

from ..errors import EditError
from ..loader import KeyPath


@dataclass(frozen=True)
class Set:
    """Make ``key_path`` hold ``value`` (missing mappings on the way are created).

    ``value=None`` removes the key: an empty form field means "not decided"."""

    key_path: KeyPath
    value: Any

    def __post_init__(self) -> None:
        object.__setattr__(self, "key_path", _key_path(self.key_path))
        if not self.key_path:
            raise EditError("set needs a key path below the top level")


@dataclass(frozen=True)
class Append:
    """Add ``value`` at the end of the list at ``key_path`` (the list is created if absent)."""

    key_path: KeyPath
    value: Any

    def __post_init__(self) -> None:
        object.__setattr__(self, "key_path", _key_path(self.key_path))


@dataclass(frozen=True)
class Remove:
    """Remove the mapping key or list item at ``key_path``; absent is an error unless ``missing_ok``."""

    key_path: KeyPath
    missing_ok: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "key_path", _key_path(self.key_path))
        if not self.key_path:
            raise EditError("remove needs a key path below the top level")


Edit = Set | Append | Remove
EDIT_TYPES = (Set, Append, Remove)


def _key_path(key_path: Any) -> KeyPath:
    if isinstance(key_path, (str, bytes)) or not isinstance(key_path, Iterable):
        raise EditError(f"a key path is a tuple of keys and list indexes, got {key_path!r}")
    return tuple(key_path)


def as_edit(edit: Any) -> Edit:
    """``edit`` as a typed edit; also takes the tuple form ``(op, key_path, value)``."""
    if isinstance(edit, EDIT_TYPES):
        return edit
    if isinstance(edit, tuple) and len(edit) == 3 and isinstance(edit[0], str):
        op, key_path, value = edit
        if op == "set":
            return Set(key_path, value)
        if op == "append":
            return Append(key_path, value)
        if op == "remove":
            return Remove(key_path)
        raise EditError(f"unknown edit {op!r}; use set, append or remove")
    raise EditError(f"not an edit: {edit!r}; use Set, Append or Remove "
                    "(or a (\"set\"|\"append\"|\"remove\", key_path, value) tuple)")


def to_plain(value: Any) -> Any:
    """Plain Python data (dict, list, str, int, float, bool, date, None) from ruamel or models."""
    if isinstance(value, BaseModel):
        return value.model_dump(by_alias=True, exclude_none=True, exclude_unset=True)
    if isinstance(value, Mapping):
        return {to_plain(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, CommentedSeq)):
        return [to_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    # ruamel's scalar subclasses (ScalarFloat, ScalarInt, *ScalarString, TimeStamp) -> builtins
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, value.hour, value.minute,
                           value.second, value.microsecond, value.tzinfo)
    return value


__all__ = ["Append", "EDIT_TYPES", "Edit", "Remove", "Set", "as_edit", "to_plain"]
