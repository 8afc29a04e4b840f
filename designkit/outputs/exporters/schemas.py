"""JSON Schema of the design's fields and the shared parts of an API description.

OpenAPI 3.1 and AsyncAPI 3.0 describe payloads with the same JSON Schema and the same ``info``:
one place turns a design field (type, bounds, items, enum, classification) into a schema, so a
response body and a message payload of one entity always agree.
"""

from __future__ import annotations

import re
from typing import Any, get_args

from ...core.model import Design, EntityField, ItemType, Parameter, SchemaField


def type_schema(type_: str, values: list | None = None) -> dict[str, Any]:
    """The JSON Schema of a design field type."""
    if type_ == "enum":
        values = list(values or [])
        if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return {"type": "integer", "enum": values}
        return {"type": "string", "enum": [str(v) for v in values]} if values else {"type": "string"}
    return dict({
        "string": {"type": "string"}, "text": {"type": "string"},
        "integer": {"type": "integer"}, "number": {"type": "number"},
        "decimal": {"type": "string", "format": "decimal"}, "boolean": {"type": "boolean"},
        "uuid": {"type": "string", "format": "uuid"},
        "datetime": {"type": "string", "format": "date-time"},
        "date": {"type": "string", "format": "date"},
        "json": {}, "binary": {"type": "string", "contentMediaType": "application/octet-stream"},
        "email": {"type": "string", "format": "email"}, "url": {"type": "string", "format": "uri"},
    }.get(type_, {"type": "string"}))


_ITEM_TYPES = frozenset(get_args(ItemType))
_BOUND_KEYS = (("max_length", "maxLength"), ("min_length", "minLength"), ("minimum", "minimum"),
               ("maximum", "maximum"), ("pattern", "pattern"))


def _bounded(schema: dict[str, Any], field: EntityField | SchemaField | Parameter,
             type_: str) -> dict[str, Any]:
    """``schema`` (of type ``type_``) with the field's enum and bounds (maxLength, minimum...)."""
    if field.enum and type_ != "enum":
        schema["enum"] = list(field.enum)
    for attr, key in _BOUND_KEYS:
        value = getattr(field, attr, None)
        if value is not None:
            schema[key] = int(value) if isinstance(value, float) and value.is_integer() else value
    return schema


def items_schema(field: EntityField | SchemaField | Parameter,
                 known: set[str] | None = None) -> dict[str, Any]:
    """The ``items`` schema of an array field: its item type with the field's bounds on each item,
    or a $ref to the entity or api schema it names (``known``: the component keys that exist)."""
    items = field.items
    if items is None:
        return {}
    if items in _ITEM_TYPES:
        return _bounded(type_schema(items, field.enum), field, items)
    key = schema_key(items)
    if known is None or key in known:
        return {"$ref": f"#/components/schemas/{key}"}
    return {"type": "object", "description": f"schema {items!r} is not defined in the design"}


def field_schema(field: EntityField | SchemaField | Parameter,
                 known: set[str] | None = None) -> dict[str, Any]:
    """A field's schema with every bound the design states."""
    if field.type == "array":
        schema: dict[str, Any] = {"type": "array", "items": items_schema(field, known)}
        for attr, key in (("max_items", "maxItems"), ("min_items", "minItems")):
            if getattr(field, attr, None) is not None:
                schema[key] = getattr(field, attr)
    else:
        schema = _bounded(type_schema(field.type, field.enum), field, field.type)
    if getattr(field, "default", None) is not None:
        schema["default"] = field.default
    if field.description:
        schema["description"] = field.description
    classification = getattr(field, "classification", None)
    if classification:
        schema["x-classification"] = classification
        if classification in ("credential", "secret"):
            schema["writeOnly"] = True
    return schema


def object_schema(fields: list, *, description: str | None = None,
                  unknown_fields: str | None = None, known: set[str] | None = None) -> dict[str, Any]:
    """An object schema from a list of fields (entity or inline)."""
    schema: dict[str, Any] = {"type": "object"}
    if description:
        schema["description"] = description
    schema["properties"] = {f.name: field_schema(f, known) for f in fields}
    required = [f.name for f in fields if f.required]
    if required:
        schema["required"] = required
    if unknown_fields == "reject":
        schema["additionalProperties"] = False
    return schema


def info_object(design: Design) -> dict[str, Any]:
    """The ``info`` of an API description (OpenAPI, AsyncAPI): title, version, description."""
    info: dict[str, Any] = {"title": design.title or design.name,
                            "version": (design.api.versioning.current if design.api.versioning
                                        and design.api.versioning.current else "0.1.0")}
    if design.scope.summary:
        info["description"] = design.scope.summary
    return info


def schema_key(name: str) -> str:
    """A component key OpenAPI accepts (letters, digits, '.', '-', '_')."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) or "_"
