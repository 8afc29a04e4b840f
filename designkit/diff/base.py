"""What a diff check is, what it yields, and the registry that holds the catalogue.

A check is a small self-documenting unit, defined with :func:`check` on a function of the
:class:`~designkit.diff.context.DiffContext`::

    @check("DIFF001", "endpoint-removed", "breaking", area="endpoints")
    def endpoint_removed(ctx):
        '''An endpoint was removed without being deprecated first.

        Why: every client that calls it now gets 404.
        Fix: keep it, mark it `deprecated: true` for a release, then remove it.
        '''
        yield Hit("GET /orders was removed", old=("api", "endpoints", 3))

The docstring *is* the documentation: its first line is the title, ``Why`` and ``Fix`` become
the rationale and the advice in ``docs/diff.md``, the Markdown comment and SARIF. A change found
is a :class:`Change` (a result, not an exception), located in the old file, the new file or both.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..core.errors import RegistryError

if TYPE_CHECKING:
    from .context import DiffContext

KeyPath = tuple[str | int, ...]
Level = Literal["breaking", "warning", "info"]
LEVELS: tuple[Level, ...] = ("breaking", "warning", "info")
LEVEL_ORDER = {level: i for i, level in enumerate(LEVELS)}
# The parts of a design a check belongs to, in the order reports list them.
AREAS = ("endpoints", "parameters", "fields", "responses", "errors", "events", "security",
         "data", "persistence", "reliability", "operations")
_CODE = re.compile(r"^DIFF\d{3}$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Hit:
    """What a check yields: the change in words, and where it stands in the old and new design."""

    message: str
    old: KeyPath | None = None
    new: KeyPath | None = None


@dataclass(frozen=True)
class Check:
    """One kind of change: a stable code, a readable name, its default level and its documentation."""

    code: str
    name: str
    level: Level
    area: str
    title: str
    rationale: str
    fix: str
    run: Callable[[DiffContext], Iterable[Hit]]
    after_changes: bool = False    # runs once every other check's changes are known

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "level": self.level, "area": self.area,
                "title": self.title, "rationale": self.rationale, "fix": self.fix}


@dataclass(frozen=True)
class Location:
    """Where a change stands in one of the two files."""

    file: str
    line: int | None
    key_path: str

    def format(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Change:
    """One change between two designs, classified by a check."""

    code: str
    name: str
    level: Level
    area: str
    message: str
    old: Location | None
    new: Location | None
    fix: str = ""
    default_level: Level | None = None   # set when the design overrides the check's level

    @property
    def where(self) -> Location:
        """The location a reader should open: in the new design, else in the old one."""
        return self.new or self.old   # type: ignore[return-value]

    @property
    def key_path(self) -> str:
        return self.where.key_path if self.where else ""

    def as_dict(self) -> dict[str, Any]:
        def loc(x: Location | None):
            return None if x is None else {"file": x.file, "line": x.line, "key_path": x.key_path}
        return {"code": self.code, "name": self.name, "level": self.level, "area": self.area,
                "message": self.message, "old": loc(self.old), "new": loc(self.new), "fix": self.fix,
                "default_level": self.default_level or self.level}


_SECTION = re.compile(r"^(Why|Fix):\s*(.*)$")


def parse_docstring(doc: str | None) -> dict[str, str]:
    """Split a check docstring into its title and its ``Why`` and ``Fix`` sections."""
    parts: dict[str, list[str]] = {"title": []}
    current = "title"
    for line in inspect.cleandoc(doc or "").splitlines():
        match = _SECTION.match(line)
        if match:
            current = match.group(1).lower()
            parts[current] = [match.group(2)]
        else:
            parts.setdefault(current, []).append(line)
    return {k: " ".join(x.strip() for x in v if x.strip()) for k, v in parts.items()}


def check(code: str, name: str, level: Level, *, area: str, after_changes: bool = False
          ) -> Callable[[Callable[[DiffContext], Iterable[Hit]]], Check]:
    """Turn a documented function into a :class:`Check` (the package registers it)."""

    def wrap(fn: Callable[[DiffContext], Iterable[Hit]]) -> Check:
        doc = parse_docstring(fn.__doc__)
        return Check(code=code, name=name, level=level, area=area, title=doc.get("title", ""),
                     rationale=doc.get("why", ""), fix=doc.get("fix", ""), run=fn,
                     after_changes=after_changes)

    return wrap


class UnknownCheckError(RegistryError):
    """A diff check code or name that no check in the registry has."""

    def __init__(self, key: str, known: list[str]):
        self.key = key
        super().__init__(f"unknown diff check {key!r}; known checks: {', '.join(known)}")


class CheckDefinitionError(RegistryError):
    """A diff check that cannot be registered: a duplicate code or name, or missing documentation."""


class CheckRegistry:
    """Diff checks by code, in registration order."""

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}
        self._by_name: dict[str, Check] = {}

    def register(self, c: Check) -> Check:
        """Add ``c``; refuse a duplicate code or name, a malformed one, or a check without its docs."""
        if not _CODE.match(c.code) or not _NAME.match(c.name):
            raise CheckDefinitionError(f"diff check {c.code} {c.name}: codes read DIFF000, names kebab-case")
        if c.code in self._checks or c.name in self._by_name:
            raise CheckDefinitionError(f"diff check {c.code} ({c.name}) is already registered; "
                                       "codes and names are unique and stable")
        missing = [k for k in ("title", "rationale", "fix") if not getattr(c, k).strip()]
        if missing:
            raise CheckDefinitionError(f"diff check {c.code} ({c.name}) has no {', '.join(missing)}; "
                                       "write them in its docstring (first line, 'Why:', 'Fix:')")
        if c.level not in LEVELS or c.area not in AREAS:
            raise CheckDefinitionError(f"diff check {c.code}: level is one of {', '.join(LEVELS)}, "
                                       f"area one of {', '.join(AREAS)}")
        self._checks[c.code] = c
        self._by_name[c.name] = c
        return c

    def get(self, key: str) -> Check:
        """The check with this code (``DIFF001``) or name (``endpoint-removed``)."""
        found = self._checks.get(key) or self._by_name.get(key)
        if found is None:
            raise UnknownCheckError(key, list(self._checks))
        return found

    def __contains__(self, key: object) -> bool:
        return key in self._checks or key in self._by_name

    def __iter__(self):
        return iter(self._checks.values())

    def __len__(self) -> int:
        return len(self._checks)

    def codes(self) -> list[str]:
        return list(self._checks)
