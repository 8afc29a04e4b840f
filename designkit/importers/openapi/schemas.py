"""Mapping JSON Schemas to design fields: types, bounds, arrays, ``allOf`` merged, named bodies."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from ...core.loader import KeyPath
from ...core.yamlout import FlowMap
from .refs import References
from .result import clean_name, one_line

SCHEMAS_PREFIX = "#/components/schemas/"
_MAX_DEPTH = 8           # nested arrays and bodies followed this deep; deeper stays json
_ALL_OF_DEPTH = 16
_STRING_FORMATS = {"uuid": "uuid", "date-time": "datetime", "date": "date", "email": "email",
                   "uri": "url", "url": "url", "binary": "binary", "byte": "binary",
                   "decimal": "decimal"}
_BOUNDS = (("maxLength", "max_length", 1), ("minLength", "min_length", 0),
           ("minimum", "minimum", None), ("maximum", "maximum", None))
_ITEM_KEYS = ("enum", "max_length", "min_length", "minimum", "maximum", "pattern")


def component_name(ref: Any) -> str | None:
    """``#/components/schemas/Pet`` -> ``Pet``; None for any other reference."""
    if not isinstance(ref, str) or not ref.startswith(SCHEMAS_PREFIX):
        return None
    rest = ref[len(SCHEMAS_PREFIX):]
    return None if "/" in rest else unquote(rest).replace("~1", "/").replace("~0", "~")


def component_at(path: KeyPath) -> str | None:
    """``('components', 'schemas', 'Pet')`` -> ``Pet``: the component a resolved path is."""
    return str(path[2]) if len(path) == 3 and path[:2] == ("components", "schemas") else None


def is_alias(schema: Any) -> bool:
    """A component that only points at another (``PetAlias: {$ref: Pet}``): not a schema of
    its own; what refers to it names what it points at."""
    return isinstance(schema, dict) and isinstance(schema.get("$ref"), str)


def is_object(flat: dict) -> bool:
    """Whether a flattened schema is an object with fields (what an entity or api schema is)."""
    return flat.get("type") in ("object", None) and bool(flat.get("properties")
                                                         or flat.get("type") == "object")


def unknown_fields_of(flat: dict) -> str | None:
    """The design's unknown_fields policy where the schema states one (additionalProperties)."""
    extra = flat.get("additionalProperties")
    if extra is False:
        return "reject"
    if extra is True or isinstance(extra, dict):
        return "allow"
    return None


class SchemaMapper:
    """Turns schemas of one document into design fields and body references."""

    def __init__(self, refs: References):
        self.refs = refs
        self.named: set[str] = set()      # component names the design defines (entities, api.schemas)
        self._flat: dict[int, tuple[dict, KeyPath]] = {}

    # ------------------------------------------------------------------ shapes

    def flatten(self, schema: Any, path: KeyPath, depth: int = 0) -> tuple[dict, KeyPath]:
        """Resolve refs and merge allOf parts into one schema mapping (computed once per node)."""
        schema, path = self.refs.deref(schema, path)
        if not isinstance(schema, dict):
            return {}, path
        done = self._flat.get(id(schema))
        if done is not None:
            return done
        parts = schema.get("allOf")
        if not isinstance(parts, list) or depth >= _ALL_OF_DEPTH:
            return schema, path
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        props = dict(merged.get("properties") or {})
        required = list(merged.get("required") or [])
        for i, part in enumerate(parts):
            sub, _ = self.flatten(part, path + ("allOf", i), depth + 1)
            props.update(sub.get("properties") or {})
            required += [r for r in sub.get("required") or [] if r not in required]
            for k, v in sub.items():
                if k not in ("properties", "required"):
                    merged.setdefault(k, v)
        merged["properties"], merged["required"] = props, required
        self._flat[id(schema)] = (merged, path)
        return merged, path

    def target(self, schema: Any, path: KeyPath, depth: int = 0) -> tuple[str | None, bool]:
        """The object component a body schema carries, and whether it is a list of them.

        ``{$ref: Pet}``, ``{type: array, items: {$ref: Pet}}``, a ``$ref`` to a component that
        is such an array, and a ``$ref`` to an alias of Pet (``PetAlias: {$ref: Pet}``) all
        name Pet.
        """
        if not isinstance(schema, dict) or depth > _MAX_DEPTH:
            return None, False
        name = None
        if "$ref" in schema:
            schema, path = self.refs.deref(schema, path)
            name = component_at(path)
        flat, fpath = self.flatten(schema, path)
        if name is not None and is_object(flat):
            return name, False
        if flat.get("type") == "array":
            inner, many = self.target(flat.get("items"), fpath + ("items",), depth + 1)
            return (inner, True) if inner and not many else (None, False)
        return None, False

    def component_of(self, schema: Any, path: KeyPath) -> str | None:
        """The component a ``$ref`` schema ends at, through aliases; None if not a ``$ref``."""
        if not isinstance(schema, dict) or "$ref" not in schema:
            return None
        return component_at(self.refs.deref(schema, path)[1])

    # ------------------------------------------------------------------ fields

    def field_of(self, name: str, schema: Any, path: KeyPath, required: bool,
                 depth: int = 0) -> dict[str, Any]:
        """A design field (type, bounds) from a property or parameter schema."""
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        flat, fpath = self.flatten(schema, path)
        out: dict[str, Any] = FlowMap(name=clean_name(name))
        types = flat.get("type")
        nullable = bool(flat.get("nullable"))
        if isinstance(types, list):
            nullable = nullable or "null" in types
            types = next((t for t in types if t != "null"), None)
        enum = [v for v in flat.get("enum") or [] if isinstance(v, (str, int)) and not isinstance(v, bool)]
        if enum:
            kind = "enum"
        elif types == "string":
            kind = _STRING_FORMATS.get(flat.get("format"), "string")
        elif types in ("integer", "number", "boolean"):
            kind = types
        elif types == "array" and depth < _MAX_DEPTH:
            kind = "array"
        else:
            kind = "json"
        out["type"] = kind
        out["required"] = bool(required) and not nullable
        if kind == "array":
            self._array(out, flat, fpath, depth)
            bounds: dict = {}    # an array's bounds are its items'; _array copied those
        else:
            bounds = flat
        if enum:
            out["enum"] = enum
        for key, attr, least in _BOUNDS:
            value = bounds.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if least is not None and value < least:
                    continue
                out[attr] = int(value) if least is not None or float(value).is_integer() else value
        if isinstance(bounds.get("pattern"), str):
            out["pattern"] = bounds["pattern"]
        description = one_line(flat.get("description"))
        if description:
            out["description"] = description
        elif component_name(ref):
            out["description"] = f"a {component_name(ref)}"
        default = flat.get("default")
        if isinstance(default, (str, int, float, bool)) and kind != "json":
            out["default"] = default
        return out

    def _array(self, out: dict[str, Any], flat: dict, path: KeyPath, depth: int) -> None:
        """Fill an array field's items, item count bounds and per-item bounds from ``flat``."""
        items = flat.get("items")
        if isinstance(items, dict) and items:
            name = self.component_of(items, path + ("items",))
            if name in self.named:
                out["items"] = clean_name(name)
            else:
                inner = self.field_of("item", items, path + ("items",), True, depth + 1)
                # an array of arrays keeps the outer one; its items stay json
                out["items"] = "json" if inner["type"] == "array" else inner["type"]
                if inner["type"] != "array":
                    out.update((k, inner[k]) for k in _ITEM_KEYS if k in inner)
        for key, attr, least in (("maxItems", "max_items", 1), ("minItems", "min_items", 0)):
            value = flat.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value >= least:
                out[attr] = value

    def fields_of(self, schema: Any, path: KeyPath, *, keep_defaults: bool = False,
                  ) -> list[dict[str, Any]]:
        """Design fields from an object schema's properties (defaults only for entity fields)."""
        flat, fpath = self.flatten(schema, path)
        props = flat.get("properties") or {}
        if not isinstance(props, dict):
            return []
        required = {r for r in flat.get("required") or [] if isinstance(r, str)}
        fields = [self.field_of(k, v, fpath + ("properties", k), k in required)
                  for k, v in props.items() if str(k).strip()]
        for f in fields:
            if f["required"]:
                del f["required"]     # the design's default
            if not keep_defaults:
                f.pop("default", None)
        return fields

    def body(self, schema: Any, path: KeyPath) -> dict[str, Any]:
        """What a body or response says about its schema: ``schema`` (a name), or inline
        ``fields`` and the ``unknown_fields`` policy the schema states."""
        name, many = self.target(schema, path)
        if name in self.named:
            return {"schema": clean_name(name) + ("[]" if many else "")}
        flat, fpath = self.flatten(schema, path)
        if not is_object(flat):
            return {}
        out: dict[str, Any] = {}
        fields = self.fields_of(flat, fpath)
        if fields:
            out["fields"] = fields
        policy = unknown_fields_of(flat)
        if policy and fields:
            out["unknown_fields"] = policy
        return out
