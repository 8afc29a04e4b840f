"""What changed between two designs, and what it breaks: ``designkit diff OLD NEW``.

Every change is classified by one check of the catalogue (a stable code such as ``DIFF001``, a
name such as ``endpoint-removed``, a level: breaking, warning or info), over the whole design:
endpoints, parameters and fields, responses and error codes, channels and webhooks, auth and
limits, data and storage, SLAs and dependencies. Each check lives in the module of its area
(``checks_api``, ``checks_fields`` ...) as a small documented unit (``designkit.diff.base``); the
registry below refuses a duplicate code and an undocumented check. The NEW design may override a
check's level (``diff: {levels: {DIFF022: breaking}}``). ``python -m designkit.diff --markdown``
writes ``docs/diff.md``. Core-level: imports only ``designkit.core``.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.errors import DesignFileError, UsageError
from ..core.loader import format_key_path
from .base import (
    AREAS,
    LEVEL_ORDER,
    LEVELS,
    Change,
    Check,
    CheckDefinitionError,
    CheckRegistry,
    Hit,
    Location,
    UnknownCheckError,
    check,
)
from .context import DiffContext

if TYPE_CHECKING:
    from ..core.loader import DesignDocument

FAIL_ON = ("breaking", "warning", "never")
_AREA_ORDER = {a: i for i, a in enumerate(AREAS)}


@dataclass
class DiffResult:
    """Every change from ``old`` to ``new``, most severe first."""

    old: DesignDocument
    new: DesignDocument
    changes: list[Change]
    old_label: str = ""
    new_label: str = ""
    overrides: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(LEVELS, 0)
        for c in self.changes:
            out[c.level] += 1
        return out

    def fails(self, fail_on: str) -> bool:
        """Whether the gate fails at ``fail_on`` (breaking | warning | never)."""
        if fail_on not in FAIL_ON:
            raise UsageError(f"unknown --fail-on {fail_on!r}; use one of: {', '.join(FAIL_ON)}")
        counts = self.counts()
        if fail_on == "never":
            return False
        return counts["breaking"] + (counts["warning"] if fail_on == "warning" else 0) > 0

    def codes(self) -> set[str]:
        return {c.code for c in self.changes}

    def as_dict(self) -> dict[str, Any]:
        return {"old": self.old_label, "new": self.new_label, "counts": self.counts(),
                "overrides": dict(self.overrides), "changes": [c.as_dict() for c in self.changes]}


def _overrides(new: DesignDocument, reg: CheckRegistry) -> dict[str, str]:
    """The NEW design's ``diff.levels``, by check code; an unknown check is the file's error."""
    settings = getattr(new.design, "diff", None)
    out: dict[str, str] = {}
    for key, level in (settings.levels if settings else {}).items():
        if key not in reg:
            kp = ("diff", "levels", key)
            raise DesignFileError.single(
                new.path, f"no diff check is called {key!r}", line=new.line_of(kp), key_path=format_key_path(kp),
                fix=f"use a code or name from docs/diff.md, e.g. {reg.codes()[0]} or {next(iter(reg)).name}")
        out[reg.get(key).code] = level
    return out


def _make_change(c: Check, hit: Hit, ctx: DiffContext, overrides: dict[str, str], labels) -> Change:
    def loc(which: str, kp):
        if kp is None:
            return None
        line, text = ctx.lines(which, kp)
        return Location(labels[which], line, text)
    level = overrides.get(c.code, c.level)
    return Change(code=c.code, name=c.name, level=level, area=c.area, message=hit.message,  # type: ignore[arg-type]
                  old=loc("old", hit.old), new=loc("new", hit.new), fix=c.fix,
                  default_level=c.level if level != c.level else None)


def _sort_key(c: Change):
    return (LEVEL_ORDER[c.level], _AREA_ORDER[c.area], c.code, c.where.line or 0 if c.where else 0, c.message)


def run_diff(old: DesignDocument, new: DesignDocument, *, old_label: str | None = None,
             new_label: str | None = None, registry_: CheckRegistry | None = None) -> DiffResult:
    """Apply every check to two loaded designs; levels follow the NEW design's ``diff.levels``."""
    reg = registry_ or registry
    overrides = _overrides(new, reg)
    labels = {"old": old_label or str(old.path), "new": new_label or str(new.path)}
    ctx = DiffContext(old, new)
    changes: list[Change] = []
    later = []
    for c in reg:
        if c.after_changes:
            later.append(c)
            continue
        changes.extend(_make_change(c, hit, ctx, overrides, labels) for hit in c.run(ctx))
    ctx.changes = list(changes)
    for c in later:
        changes.extend(_make_change(c, hit, ctx, overrides, labels) for hit in c.run(ctx))
    changes.sort(key=_sort_key)
    return DiffResult(old, new, changes, labels["old"], labels["new"], overrides)


def diff(old, new) -> DiffResult:
    """Compare two designs: paths, ``REV:PATH`` git revisions, or loaded ``DesignDocument`` objects."""
    from .source import load_side

    old_doc, old_label = load_side(old)
    new_doc, new_label = load_side(new)
    return run_diff(old_doc, new_doc, old_label=old_label, new_label=new_label)


def diff_report(old, new, *, fmt: str = "text", fail_on: str = "never") -> tuple[str, int]:
    """What ``designkit diff`` does without the CLI: compare, format, and decide the exit code (0 or 1)."""
    from ..core.errors import EXIT_FINDINGS, EXIT_OK
    from .render import FORMATS, RENDERERS

    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    if fail_on not in FAIL_ON:
        raise UsageError(f"unknown --fail-on {fail_on!r}; use one of: {', '.join(FAIL_ON)}")
    result = diff(old, new)
    return RENDERERS[fmt](result), EXIT_FINDINGS if result.fails(fail_on) else EXIT_OK


registry = CheckRegistry()

from . import checks_api, checks_data, checks_events, checks_fields, checks_ops, checks_security  # noqa: E402

# In code order, whatever module a check lives in (a later check may join an earlier area's module).
for _check in sorted({id(v): v for m in (checks_api, checks_fields, checks_events, checks_security, checks_data,
                                         checks_ops) for v in vars(m).values() if isinstance(v, Check)}.values(),
                     key=lambda c: c.code):
    registry.register(_check)
del _check

class _CallablePackage(types.ModuleType):
    """``designkit.diff`` is this package and the public function at once: calling it runs :func:`diff`.

    Python binds a subpackage to its parent's attribute of the same name whenever it is imported,
    so a function ``designkit.diff`` would be replaced by the package on first import; a package
    that can be called keeps ``designkit.diff(old, new)`` and ``designkit.diff.registry`` both working.
    """

    def __call__(self, old, new) -> DiffResult:
        return diff(old, new)


sys.modules[__name__].__class__ = _CallablePackage

__all__ = ["Change", "Check", "CheckDefinitionError", "CheckRegistry", "DiffContext", "DiffResult", "Hit",
           "Location", "UnknownCheckError", "check", "diff", "diff_report", "registry", "run_diff"]
