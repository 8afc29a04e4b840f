"""Walking a document's operations and responses: one place that knows their shape."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ...core.loader import KeyPath
from .refs import References

METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
JSON = "application/json"


@dataclass(frozen=True)
class Operation:
    """One operation of ``paths``, with where it and its path item's shared parameters are."""

    path: str
    method: str                # lowercase, as OpenAPI writes it
    op: dict[str, Any]
    at: KeyPath
    shared: Any                # the path item's parameters
    shared_at: KeyPath


def operations(doc: dict[str, Any], refs: References) -> Iterator[Operation]:
    """Every operation under ``paths`` in file order; extensions (``x-``) are skipped."""
    for raw_path, item in (doc.get("paths") or {}).items():
        if isinstance(raw_path, str) and raw_path.startswith("x-"):
            continue
        path_key: KeyPath = ("paths", raw_path)
        item, item_path = refs.deref(item, path_key)
        if not isinstance(item, dict):
            raise refs.src.fail(path_key, "a path item must be a mapping of operations")
        if not str(raw_path).startswith("/"):
            raise refs.src.fail(path_key, f"path {raw_path!r} must start with /",
                                fix=f"write /{str(raw_path).lstrip('/')}")
        shared = item.get("parameters") or []
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            at = item_path + (method,)
            if not isinstance(op, dict):
                raise refs.src.fail(at, f"operation {method.upper()} {raw_path} must be a mapping")
            yield Operation(str(raw_path), method, op, at, shared, item_path + ("parameters",))


def media(content: Any) -> tuple[str, dict[str, Any]] | None:
    """The media type a body is described by (JSON first) and its media type object."""
    if not isinstance(content, dict) or not content:
        return None
    kind = JSON if JSON in content else next(iter(content))
    spec = content[kind]
    return str(kind), spec if isinstance(spec, dict) else {}


def responses(op: dict[str, Any], at: KeyPath, refs: References,
              ) -> Iterator[tuple[str, Any, dict[str, Any], KeyPath]]:
    """(status as text, the response as written, followed through $refs, and its path)."""
    raw = op.get("responses") or {}
    if not isinstance(raw, dict):
        raise refs.src.fail(at + ("responses",), "responses must be a mapping of status codes")
    for status, resp in raw.items():
        code = str(status)
        if code.startswith("x-"):
            continue
        resolved, rpath = refs.deref(resp, at + ("responses", status))
        yield code, resp, resolved if isinstance(resolved, dict) else {}, rpath


def is_success(code: str) -> bool:
    """A 1xx-3xx status written as a number: what the design keeps in ``responses``."""
    return code.isdigit() and 100 <= int(code) < 400
