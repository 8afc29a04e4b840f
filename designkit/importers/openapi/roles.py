"""Which component schemas are stored resources (entities) and which only travel on the wire.

OpenAPI calls everything a schema; a design tells apart the data the service keeps (entities,
with a primary key, tables later) from the shapes of requests, responses and errors
(``api.schemas``). A component is taken for a stored resource only when the API treats it as
one: it has an id-like field, a GET returns it (alone or in a list), and a POST, PUT or PATCH
writes its collection or one of its items. Everything else that is an object (request DTOs like
``NewPet``, confirmations, error payloads) becomes a named API schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .refs import References
from .schemas import SchemaMapper, is_alias, is_object
from .walk import is_success, media, operations, responses

_WRITES = ("post", "put", "patch")
_PARAM = re.compile(r"^\{[^}]+\}$")


@dataclass
class Roles:
    """The outcome: entities with their primary key, API schemas, and error payload schemas."""

    entities: dict[str, list[str]] = field(default_factory=dict)
    schemas: list[str] = field(default_factory=list)
    error_payloads: set[str] = field(default_factory=set)


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def _collection(path: str) -> tuple[str, ...]:
    """``/pets/{id}`` -> ``pets``; a path that does not end in a parameter is its own collection."""
    parts = tuple(_segments(path))
    return parts[:-1] if parts and _PARAM.match(parts[-1]) else parts


def _written_collections(path: str) -> list[tuple[str, ...]]:
    """The collections a write on ``path`` lands on: itself (``/pets``), the collection of an
    item (``/pets/{id}``) and of an action on an item (``/pulls/{id}/merge``)."""
    parts = tuple(_segments(path))
    out = [parts]
    if parts and _PARAM.match(parts[-1]):
        out.append(parts[:-1])
    if len(parts) >= 2 and _PARAM.match(parts[-2]) and not _PARAM.match(parts[-1]):
        out.append(parts[:-2])
    return out


def _item_parameters(get_paths: set[str]) -> list[str]:
    """The last path parameter of each item path (``/events/{eventId}`` -> ``eventId``)."""
    out = []
    for path in sorted(get_paths):
        last = (_segments(path) or [""])[-1]
        if _PARAM.match(last):
            out.append(last[1:-1])
    return out


def primary_key(name: str, fields: list[str], get_paths: set[str]) -> str | None:
    """The id-like field that identifies one ``name``, or None when it has none."""
    for param in _item_parameters(get_paths):
        if param in fields:
            return param
    if "id" in fields:
        return "id"
    lowered = {f.lower().replace("_", ""): f for f in fields}
    own = lowered.get(name.lower().replace("_", "") + "id")
    if own:
        return own
    if "uuid" in fields:
        return "uuid"
    return None


def decide_roles(doc: dict[str, Any], refs: References, mapper: SchemaMapper,
                 components: dict[str, Any]) -> Roles:
    """Sort the object components of ``doc`` into entities and API schemas (module docstring)."""
    objects = [k for k, s in components.items() if not is_alias(s)
               and is_object(mapper.flatten(s, ("components", "schemas", k))[0])]
    returned_by_get: dict[str, set[str]] = {}
    written: set[tuple[str, ...]] = set()     # collections a POST, PUT or PATCH lands on
    roles = Roles()
    for o in operations(doc, refs):
        if o.method in _WRITES:
            written.update(_written_collections(o.path))
        for code, _, resp, rpath in responses(o.op, o.at, refs):
            found = media(resp.get("content"))
            if found is None:
                continue
            kind, spec = found
            name, _ = mapper.target(spec.get("schema"), rpath + ("content", kind, "schema"))
            if name is None:
                continue
            if not is_success(code):
                roles.error_payloads.add(name)
            elif o.method == "get" and code.startswith("2"):
                returned_by_get.setdefault(name, set()).add(o.path)
    for name in objects:
        gets = returned_by_get.get(name, set())
        fields = [str(f) for f in mapper.flatten(components[name], ())[0].get("properties") or {}]
        key = primary_key(name, fields, gets) if gets else None
        if key and name not in roles.error_payloads and \
                any(_collection(p) in written for p in gets):
            roles.entities[name] = [key]
        else:
            roles.schemas.append(name)
    return roles
