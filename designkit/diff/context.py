"""The two designs side by side: what matches what, computed once per diff.

Endpoints match by method and path with path parameters normalised (``/orders/{id}`` is
``/orders/{order_id}``); an endpoint that lost its match but kept its operation id moved (path
changed), one whose path stayed under another method had its method changed. Everything else
matches by name. Fields are compared where clients see them: each field is on the request side
(``input``: parameters, request bodies, messages the service receives), the response side
(``output``: responses, messages it publishes, webhooks it sends) or both, and a named schema or
entity takes the side of every place that references it, in either design.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from ..core.loader import format_key_path

if TYPE_CHECKING:
    from ..core.loader import DesignDocument
    from .base import Change, KeyPath

Role = Literal["input", "output", "both"]
_PARAM = re.compile(r"\{([^}]*)\}")


def normalise_path(path: str) -> str:
    """``/orders/{order_id}/`` -> ``/orders/{}``: the path a client calls, whatever its params are named."""
    return _PARAM.sub("{}", path).rstrip("/") or "/"


def strip_list(ref: str | None) -> str | None:
    """``'Order[]'`` -> ``'Order'``."""
    if ref is None:
        return None
    return ref[:-2].strip() if ref.endswith("[]") else ref.strip()


@dataclass
class Pairing:
    """Two lists matched by a key: pairs found in both, items only in the old, items only in the new."""

    both: list[tuple[int, Any, int, Any]]
    removed: list[tuple[int, Any]]
    added: list[tuple[int, Any]]


def pair(old: Iterable[Any], new: Iterable[Any], key: Callable[[Any], Any]) -> Pairing:
    """Match two lists by ``key`` (the first of duplicates wins; a None key never matches)."""
    new_by = {}
    for j, item in enumerate(new):
        k = key(item)
        if k is not None:
            new_by.setdefault(k, (j, item))
    out = Pairing([], [], [])
    seen = set()
    for i, item in enumerate(old):
        k = key(item)
        if k is not None and k in new_by and k not in seen:
            seen.add(k)
            j, other = new_by[k]
            out.both.append((i, item, j, other))
        else:
            out.removed.append((i, item))
    matched = {j for _, _, j, _ in out.both}
    out.added = [(j, item) for j, item in enumerate(new) if j not in matched]
    return out


@dataclass
class EndpointPair:
    """One operation in both designs; ``moved`` says what changed in its address, if anything."""

    old_index: int
    old: Any
    new_index: int
    new: Any
    moved: str | None = None   # "path" or "method"

    @property
    def old_path(self) -> KeyPath:
        return ("api", "endpoints", self.old_index)

    @property
    def new_path(self) -> KeyPath:
        return ("api", "endpoints", self.new_index)

    @property
    def label(self) -> str:
        return self.new.route if self.moved else self.old.route

    @cached_property
    def responses(self) -> Pairing:
        """The two response lists matched by status."""
        return pair(self.old.responses, self.new.responses, lambda r: r.status)


@dataclass
class FieldPair:
    """One field (or parameter) of one place clients see, as it was and as it is."""

    site: str                  # "the request body of POST /items", "schema NewItem"
    kind: Literal["parameter", "field"]
    role: Role
    old: Any | None
    new: Any | None
    old_path: KeyPath | None
    new_path: KeyPath | None

    @property
    def name(self) -> str:
        return (self.new or self.old).name

    @property
    def inputs(self) -> bool:
        return self.role in ("input", "both")

    @property
    def outputs(self) -> bool:
        return self.role in ("output", "both")

    @property
    def label(self) -> str:
        return f"{self.kind} `{self.name}` of {self.site}"


@dataclass
class ColumnPair:
    """One column of a table in both designs (or only in one)."""

    table: str
    old: Any | None
    new: Any | None
    old_path: KeyPath | None
    new_path: KeyPath | None


class DiffContext:
    """The old and the new design, with the matches many checks share."""

    def __init__(self, old: DesignDocument, new: DesignDocument):
        self.old_doc, self.new_doc = old, new
        self.old, self.new = old.design, new.design
        self.changes: list[Change] = []    # filled before the after_changes checks run

    def lines(self, which: str, key_path: KeyPath | None) -> tuple[int | None, str]:
        doc = self.old_doc if which == "old" else self.new_doc
        if key_path is None:
            return None, ""
        return doc.line_of(key_path), format_key_path(key_path)

    # ---------------------------------------------------------------- endpoints
    @cached_property
    def endpoints(self) -> tuple[list[EndpointPair], list[tuple[int, Any]], list[tuple[int, Any]]]:
        """(pairs, removed, added): moved operations are pairs with ``moved`` set."""
        base = pair(self.old.api.endpoints, self.new.api.endpoints,
                    lambda e: (e.method, normalise_path(e.path)))
        pairs = [EndpointPair(i, o, j, n) for i, o, j, n in base.both]
        removed, added = list(base.removed), list(base.added)
        for moved, key in (("path", lambda e: (e.id, e.method) if e.id else None),
                           ("method", lambda e: normalise_path(e.path))):
            again = pair([o for _, o in removed], [n for _, n in added], key)
            for i, _, j, _ in again.both:
                (oi, o), (nj, n) = removed[i], added[j]
                pairs.append(EndpointPair(oi, o, nj, n, moved=moved))
            gone = {i for i, _, _, _ in again.both}
            came = {j for _, _, j, _ in again.both}
            removed = [x for k, x in enumerate(removed) if k not in gone]
            added = [x for k, x in enumerate(added) if k not in came]
        return pairs, removed, added

    @property
    def endpoint_pairs(self) -> list[EndpointPair]:
        return self.endpoints[0]

    # ---------------------------------------------------------------- schemas and their sides
    def _schemas(self, design) -> dict[str, tuple[KeyPath, Any]]:
        out: dict[str, tuple[KeyPath, Any]] = {}
        for i, e in enumerate(design.data_model.entities):
            out[e.name] = (("data_model", "entities", i), e)
        for i, s in enumerate(design.api.schemas):     # an api.schemas entry wins over an entity
            out[s.name] = (("api", "schemas", i), s)
        return out

    @cached_property
    def old_schemas(self) -> dict[str, tuple[KeyPath, Any]]:
        return self._schemas(self.old)

    @cached_property
    def new_schemas(self) -> dict[str, tuple[KeyPath, Any]]:
        return self._schemas(self.new)

    @cached_property
    def roles(self) -> dict[str, Role]:
        """Named schema or entity -> the side clients see it on, from both designs' references."""
        sides: dict[str, set[str]] = {}

        def use(ref: str | None, side: str) -> None:
            name = strip_list(ref)
            if name:
                sides.setdefault(name, set()).add(side)

        for design in (self.old, self.new):
            for ep in design.api.endpoints:
                use(ep.request.schema_ if ep.request else None, "input")
                for r in ep.responses:
                    use(r.schema_, "output")
            for ch in design.api.channels:
                for side in _channel_sides(ch.direction):
                    use(ch.message, side)
            for wh in design.api.webhooks:
                use(wh.payload, "output")
        # A schema's array items of another schema are seen on the same side.
        for _ in range(8):
            grew = False
            for schemas in (self.old_schemas, self.new_schemas):
                for name, (_, s) in schemas.items():
                    for f in s.fields:
                        if f.type == "array" and f.items and f.items in schemas and name in sides:
                            before = len(sides.setdefault(f.items, set()))
                            sides[f.items] |= sides[name]
                            grew |= len(sides[f.items]) != before
            if not grew:
                break
        return {name: _role(s) for name, s in sides.items() if s}

    # ---------------------------------------------------------------- fields where clients see them
    @cached_property
    def field_pairs(self) -> list[FieldPair]:
        out: list[FieldPair] = []
        for name, (old_kp, old_s) in self.old_schemas.items():
            found = self.new_schemas.get(name)
            role = self.roles.get(name)
            if found is None or role is None:
                continue
            new_kp, new_s = found
            kind = "schema" if old_kp[0] == "api" else "entity"
            out += _pair_fields(f"{kind} {name}", "field", role, old_s.fields, new_s.fields,
                                (*old_kp, "fields"), (*new_kp, "fields"))
        for p in self.endpoint_pairs:
            out += _pair_params(p)
            out += self._body(f"the request body of {p.label}", "input", p.old.request, p.new.request,
                              (*p.old_path, "request"), (*p.new_path, "request"))
            for i, r, j, s in p.responses.both:
                out += self._body(f"the {r.status} response of {p.label}", "output", r, s,
                                  (*p.old_path, "responses", i), (*p.new_path, "responses", j))
        for i, o, j, n in pair(self.old.api.channels, self.new.api.channels, lambda c: c.name).both:
            role = _role(set(_channel_sides(o.direction)) | set(_channel_sides(n.direction)))
            out += self._body(f"channel {n.name}", role, _Ref(o.message, o.fields), _Ref(n.message, n.fields),
                              ("api", "channels", i), ("api", "channels", j))
        for i, o, j, n in pair(self.old.api.webhooks, self.new.api.webhooks, lambda w: w.name).both:
            out += self._body(f"webhook {n.name}", "output", _Ref(o.payload, o.fields), _Ref(n.payload, n.fields),
                              ("api", "webhooks", i), ("api", "webhooks", j))
        return out

    def _body(self, site: str, role: Role, old: Any, new: Any, old_kp: KeyPath, new_kp: KeyPath) -> list[FieldPair]:
        """Fields of a body as written inline or through a schema; a shared schema is compared once, by name."""
        old_ref, new_ref = (strip_list(getattr(x, "schema_", None)) for x in (old, new))
        if old_ref and old_ref == new_ref:
            return []      # the same named schema: compared once, under its own name
        old_fields, old_at = self._resolve(self.old_schemas, old, old_ref, old_kp)
        new_fields, new_at = self._resolve(self.new_schemas, new, new_ref, new_kp)
        return _pair_fields(site, "field", role, old_fields, new_fields, old_at, new_at)

    @staticmethod
    def _resolve(schemas, body, ref, kp) -> tuple[list, KeyPath]:
        if body is None:
            return [], (*kp, "fields")
        if ref and ref in schemas:
            at, s = schemas[ref]
            return list(s.fields), (*at, "fields")
        return list(body.fields), (*kp, "fields")

    # ---------------------------------------------------------------- persistence
    def _columns(self, which: str, ti: int, table) -> tuple[list, KeyPath]:
        if table.entity:
            entities = self.old_schemas if which == "old" else self.new_schemas
            at, e = entities.get(table.entity, (None, None))
            if at is not None and at[0] == "data_model":
                return list(e.fields), (*at, "fields")
            design = self.old if which == "old" else self.new
            for i, e in enumerate(design.data_model.entities):   # an api.schemas entry shares its name
                if e.name == table.entity:
                    return list(e.fields), ("data_model", "entities", i, "fields")
            return [], ("persistence", "tables", ti, "entity")
        return list(table.columns), ("persistence", "tables", ti, "columns")

    @cached_property
    def tables(self) -> Pairing:
        return pair(self.old.persistence.tables, self.new.persistence.tables, lambda t: t.name)

    @cached_property
    def column_pairs(self) -> list[ColumnPair]:
        out = []
        for ti, o, tj, n in self.tables.both:
            old_cols, old_at = self._columns("old", ti, o)
            new_cols, new_at = self._columns("new", tj, n)
            matched = pair(old_cols, new_cols, lambda c: c.name)
            out += [ColumnPair(n.name, a, b, (*old_at, i), (*new_at, j)) for i, a, j, b in matched.both]
            out += [ColumnPair(n.name, a, None, (*old_at, i), None) for i, a in matched.removed]
            out += [ColumnPair(n.name, None, b, None, (*new_at, j)) for j, b in matched.added]
        return out

    # ---------------------------------------------------------------- anything else, by name
    def named(self, get: Callable[[Any], list], key: Callable[[Any], Any] = lambda x: x.name) -> Pairing:
        """Pair a list found in both designs, e.g. ``ctx.named(lambda d: d.api.channels)``."""
        return pair(get(self.old), get(self.new), key)

    def iter_named(self, get: Callable[[Any], list], at: KeyPath,
                   key: Callable[[Any], Any] = lambda x: x.name) -> Iterator[tuple[Any, Any, KeyPath, KeyPath]]:
        """Items in both designs with their key paths (``at`` is the list's key path)."""
        for i, o, j, n in self.named(get, key).both:
            yield o, n, (*at, i), (*at, j)


@dataclass
class _Ref:
    """A channel message or webhook payload seen as a body: a schema reference or inline fields."""

    schema_: str | None
    fields: list


def _channel_sides(direction: str) -> tuple[str, ...]:
    # The service publishes: subscribers read what it sends (output). It subscribes: it receives (input).
    return {"publish": ("output",), "subscribe": ("input",), "both": ("input", "output")}[direction]


def _role(sides: set[str]) -> Role:
    return "both" if len(sides) > 1 else next(iter(sides))  # type: ignore[return-value]


def _pair_fields(site: str, kind: str, role: Role, old: list, new: list,
                 old_at: KeyPath, new_at: KeyPath) -> list[FieldPair]:
    matched = pair(old, new, lambda f: f.name)
    out = [FieldPair(site, kind, role, a, b, (*old_at, i), (*new_at, j)) for i, a, j, b in matched.both]
    out += [FieldPair(site, kind, role, a, None, (*old_at, i), None) for i, a in matched.removed]
    out += [FieldPair(site, kind, role, None, b, None, (*new_at, j)) for j, b in matched.added]
    return out


def _pair_params(p: EndpointPair) -> list[FieldPair]:
    """Path parameters match by their place in the path (a rename is no change); others by name."""
    def key_for(ep):
        names = _PARAM.findall(ep.path)
        return lambda x: ("path", names.index(x.name)) if x.location == "path" and x.name in names else x.name
    old_key, new_key = key_for(p.old), key_for(p.new)
    new_by: dict[Any, tuple[int, Any]] = {}
    for j, x in enumerate(p.new.parameters):
        new_by.setdefault(new_key(x), (j, x))
    site = f"{p.label}"
    out, used = [], set()
    for i, x in enumerate(p.old.parameters):
        k = old_key(x)
        if k in new_by and k not in used:
            used.add(k)
            j, y = new_by[k]
            out.append(FieldPair(site, "parameter", "input", x, y, (*p.old_path, "parameters", i),
                                 (*p.new_path, "parameters", j)))
        else:
            out.append(FieldPair(site, "parameter", "input", x, None, (*p.old_path, "parameters", i), None))
    taken = {new_by[k][0] for k in used}
    out += [FieldPair(site, "parameter", "input", None, y, None, (*p.new_path, "parameters", j))
            for j, y in enumerate(p.new.parameters) if j not in taken]
    return out
