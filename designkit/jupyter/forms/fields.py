"""Plain (widget-free) description of form fields and the edits they make.

A :class:`FieldSpec` says where a value lives (a key path below the item or section), how it is
typed into a box (``kind``), and how the typed text becomes a YAML value. Converting is kept
apart from the widgets so that tests and other front ends can use it; the store and the loader
do the checking, so a bad value reads exactly like the loader's message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, TypeAdapter

from ...core.loader import KeyPath
from ...core.model import AccessRuleField

_ACCESS = TypeAdapter(AccessRuleField)

KINDS = ("text", "textarea", "choice", "combo", "int", "number", "bool", "date", "csv", "lines",
         "tags", "access")
LIST_KINDS = ("csv", "lines", "tags")      # a list of values; empty means "none"
ACCESS_KEYS = ("roles", "scopes", "condition")


@dataclass(frozen=True)
class FieldSpec:
    """One editable value: its key path, label and how it is typed."""

    path: KeyPath
    label: str
    kind: str = "text"
    choices: Sequence[str] | Callable[[Any], Sequence[str]] = ()
    clears: KeyPath | None = None   # removed when this field is emptied (e.g. the whole rate_limit)
    help: str = ""

    def options(self, design: Any) -> list[str]:
        return list(self.choices(design) if callable(self.choices) else self.choices)


@dataclass(frozen=True)
class ListSpec:
    """A list of items edited one at a time: search, page, select, edit, add, remove."""

    path: KeyPath
    title: str
    fields: tuple[FieldSpec, ...]
    label: Callable[[dict], str]
    new_item: dict = field(default_factory=dict)
    unique: tuple[KeyPath, ...] = ()   # fields whose values together may appear once in the list


def get_at(obj: Any, path: KeyPath) -> Any:
    """The value at ``path`` inside a model or plain data (YAML key names, e.g. ``in``)."""
    for part in path:
        if obj is None:
            return None
        if isinstance(part, int):
            try:
                obj = obj[part]
            except (IndexError, KeyError, TypeError):
                return None
        elif isinstance(obj, BaseModel):
            obj = getattr(obj, _attr(type(obj), part), None)
        elif isinstance(obj, dict):
            obj = obj.get(part)
        else:
            return None
    return obj


def _attr(cls: type[BaseModel], key: str) -> str:
    for name, info in cls.model_fields.items():
        if (info.alias or name) == key:
            return name
    return key


def to_text(value: Any, kind: str) -> str:
    """How a design value is shown in its box."""
    if kind == "tags":
        return [str(v) for v in value or []]
    if kind == "access":
        return access_rule(value)
    if value is None:
        return ""
    if kind == "bool":
        return "true" if value else "false"
    if kind == "csv":
        return ", ".join(str(v) for v in value)
    if kind == "lines":
        return "\n".join(str(v) for v in value)
    if kind in ("int", "number") and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def from_text(text: Any, kind: str) -> Any:
    """The YAML value for what was typed; ``None`` means "not decided" (the key is removed).

    A number that does not parse is passed on as text, so the loader refuses it with its own
    message ("expected a whole number, got text '12x'") instead of the form inventing another.
    """
    if isinstance(text, bool):
        return text
    if kind == "tags":
        return [str(v).strip() for v in text or [] if str(v).strip()]
    if kind == "access":
        return access_rule(text) or None
    text = "" if text is None else str(text)
    stripped = text.strip()
    if kind in ("textarea",):
        return stripped or None
    if not stripped:
        return [] if kind in ("csv", "lines") else None
    if kind == "bool":
        return {"true": True, "false": False}.get(stripped.lower(), stripped)
    if kind == "date":
        try:
            return dt.date.fromisoformat(stripped)
        except ValueError:
            return stripped
    if kind == "int":
        try:
            return int(stripped.replace(",", "").replace("_", ""))
        except ValueError:
            return stripped
    if kind == "number":
        try:
            number = float(stripped.replace(",", "").replace("_", ""))
        except ValueError:
            return stripped
        return int(number) if number.is_integer() else number
    if kind == "csv":
        return [part.strip() for part in stripped.split(",") if part.strip()]
    if kind == "lines":
        return [line.strip() for line in stripped.splitlines() if line.strip()]
    return stripped


def field_edits(base: KeyPath, spec: FieldSpec, current: Any, typed: Any) -> list[tuple]:
    """The store edits that make ``base + spec.path`` hold what was typed (none if unchanged)."""
    value = from_text(typed, spec.kind)
    if isinstance(current, BaseModel) and value == from_text(to_text(current, spec.kind), spec.kind):
        return []   # a structured value shown as text or a tick: rewritten only when the box changes
    if spec.kind == "access" and value == access_rule(current):
        return []
    if value == ([] if spec.kind in LIST_KINDS else None):
        if current in (None, [], ""):
            return []
        return [("set", base + (spec.clears or spec.path), None)]
    if value == current and type(value) is type(current):
        return []
    if isinstance(current, float) and value == current:
        return []
    return [("set", base + spec.path, value)]


def access_rule(value: Any) -> dict:
    """Who may call: ``{roles, scopes, condition}`` from a model's AccessRule, a mapping or text
    (``role:admin; owns it``), without empty parts."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        value = _ACCESS.validate_python(value) or {}
    if isinstance(value, BaseModel):
        value = value.model_dump(exclude_none=True)
    out: dict = {}
    for key in ACCESS_KEYS:
        got = value.get(key)
        if isinstance(got, (list, tuple)):
            got = [str(v).strip() for v in got if str(v).strip()]
        elif got is not None:
            got = str(got).strip()
        if got:
            out[key] = got
    return out


def duplicate_of(spec: ListSpec, items: list, index: int | None, typed: dict[KeyPath, Any]) -> int | None:
    """The index of another item in ``items`` whose ``spec.unique`` fields hold what was typed."""
    if not spec.unique:
        return None
    want = tuple(_same_key(typed.get(path)) for path in spec.unique)
    if any(v in (None, "") for v in want):
        return None
    for i, item in enumerate(items):
        if i != index and tuple(_same_key(get_at(item, path)) for path in spec.unique) == want:
            return i
    return None


def _same_key(value: Any) -> Any:
    """What makes two values the same operation: ``get`` is ``GET``, ``/a/{id}`` is ``/a/{x}``."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    return re.sub(r"\{[^}]*\}", "{}", text.rstrip("/") or "/") if text.startswith("/") else text.upper()


def nested(values: dict[KeyPath, Any]) -> dict:
    """``{('rate_limit', 'limit'): '5/s'}`` -> ``{'rate_limit': {'limit': '5/s'}}`` (no empties)."""
    out: dict = {}
    for path, value in values.items():
        if value is not None and value != []:
            _assign(out, path, value)
    return out


def _assign(node: dict, path: KeyPath, value: Any) -> None:
    head, rest = path[0], path[1:]
    if not rest:
        node[head] = value
    elif isinstance(rest[0], int):
        items = node.setdefault(head, [])
        while len(items) <= rest[0]:
            items.append({})
        _assign(items[rest[0]], rest[1:], value)
    else:
        _assign(node.setdefault(head, {}), rest, value)
