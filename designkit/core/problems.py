"""Validation problems: each pydantic error on a design becomes one Problem that names the file,
the line, the key path and a fix (did-you-mean for unknown keys and enum values, the comma trap
in one-line mappings); past ``MAX_PROBLEMS`` only how many more are counted.
"""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any

import pydantic

from .compiled import prepare_design_validator
from .errors import DesignFileError, Problem
from .keypath import KeyPath, format_key_path
from .model import Design

if TYPE_CHECKING:
    from .loader import DesignDocument

MAX_PROBLEMS = 50                 # report this many validation problems at most


def validate_data(data: dict, document: DesignDocument) -> Design:
    """Build the typed Design from plain data, or raise one error listing every problem."""
    prepare_design_validator()
    try:
        return Design.model_validate(data)
    except pydantic.ValidationError as exc:
        errors = exc.errors(include_url=False)
        if len(errors) > MAX_PROBLEMS:  # explain the first few only (a million unknown keys)
            located = sorted(((document.line_of(tuple(e["loc"])) or 0, i) for i, e in enumerate(errors)))
            errors = [errors[i] for _, i in located[:MAX_PROBLEMS]]
        problems = [_problem(err, document) for err in errors]
        problems.sort(key=lambda p: (p.line or 0, p.key_path))
        raise DesignFileError(problems, more=exc.error_count() - len(problems)) from None


def kind_of(value: Any) -> str:
    return {dict: "mapping", list: "list", str: "text", bool: "true/false", int: "number",
            float: "number", type(None): "null"}.get(type(value), type(value).__name__)


def _problem(err: dict, document: DesignDocument) -> Problem:
    import difflib  # only for a design with problems: not at the start of every check

    loc = tuple(err["loc"])
    kind, value = err["type"], err.get("input")
    key = str(loc[-1]) if loc else ""
    fields = model_fields_at(loc[:-1])
    fix = ""
    if kind == "extra_forbidden":
        message = f"unknown key {key!r}"
        if fields:
            close = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6)
            fix = (f"did you mean {close[0]!r}? " if close else "") + "allowed here: " + ", ".join(sorted(fields))
        if " " in key.strip() or not key[:1].isalpha():
            # `{name: a, b}` reads as two keys: the text after a comma became a key of its own
            fix = ("this looks like the end of the value before it: inside { } a comma starts a new key, "
                   "so quote that value (\"a, b\"); otherwise " + (fix or "remove the key"))
    elif kind == "missing":
        message = f"required key {key!r} is missing"
        described = (fields or {}).get(key)
        fix = f"add `{key}: ...`" + (f" ({described})" if described else "")
    elif kind in ("literal_error", "enum"):
        allowed = err.get("ctx", {}).get("expected", "")
        message = f"{value!r} is not allowed here"
        choices = [c.strip().strip("'") for c in allowed.replace(" or ", ", ").split(",") if c.strip()]
        close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.5)
        fix = (f"did you mean {close[0]!r}? " if close else "") + f"write one of: {allowed}"
    elif kind in ("model_type", "dict_type", "model_attributes_type"):
        message = f"expected a mapping of keys, got {kind_of(value)} {_short(value)}"
        fix = "write it as indented `key: value` lines"
        if fields:
            fix += "; keys here: " + ", ".join(sorted(fields))
    elif kind == "list_type":
        message = f"expected a list, got {kind_of(value)} {_short(value)}"
        fix = "write each item on its own line starting with `- `"
    elif kind in ("string_type",):
        message = f"expected text, got {kind_of(value)} {_short(value)}"
        fix = "write text here; quote it if it looks like a number, date or true/false"
    elif kind in ("int_type", "int_parsing", "int_from_float"):
        message = f"expected a whole number, got {kind_of(value)} {_short(value)}"
        fix = "write a whole number such as 30"
    elif kind in ("float_type", "float_parsing"):
        message = f"expected a number, got {kind_of(value)} {_short(value)}"
        fix = "write a number such as 0.5"
    elif kind == "finite_number":
        message = f"expected a finite number, got {_short(value)}"
        fix = "write a number such as 100; for no bound leave the key out (.nan and .inf are not numbers a database stores)"
    elif kind in ("bool_type", "bool_parsing"):
        message = f"expected true or false, got {_short(value)}"
        fix = "write true or false"
    elif kind in ("date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"):
        message = f"expected a date, got {_short(value)}"
        fix = "write a date as YYYY-MM-DD"
    elif kind == "string_pattern_mismatch" and key == "path":
        message = f"path {value!r} must start with /"
        fix = f"write /{str(value).lstrip('/')}"
    elif kind.startswith(("greater_than", "less_than", "too_short", "too_long", "string_too")):
        message = f"{_short(value)}: {err['msg'].lower()}"
        fix = "change the value to fit that bound"
    elif kind == "value_error":  # a model's own check (model.py): its sentence says what to do
        message = str(err.get("ctx", {}).get("error", err["msg"]))
    else:
        message = err["msg"]
        fix = "see the field's description in `designkit schema`"
    return Problem(str(document.path), document.line_of(loc), format_key_path(loc), message, fix)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --------------------------------------------------------------------------- model introspection


def _unwrap_model(annotation: Any) -> type[pydantic.BaseModel] | None:
    """The model class inside ``X | None``, ``list[X]``, ``Annotated[X, ...]``."""
    origin = typing.get_origin(annotation)
    if origin is None:
        return annotation if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel) else None
    for arg in typing.get_args(annotation):
        found = _unwrap_model(arg)
        if found is not None:
            return found
    return None


def model_fields_at(loc: KeyPath, root: type[pydantic.BaseModel] = Design) -> dict[str, str] | None:
    """The keys allowed at ``loc`` (mapping key -> description), or None when not a model."""
    cls: type[pydantic.BaseModel] | None = root
    for part in loc:
        if isinstance(part, int) or cls is None:
            continue
        info = next((f for n, f in cls.model_fields.items() if (f.alias or n) == part), None)
        cls = _unwrap_model(info.annotation) if info else None
    if cls is None:
        return None
    return {(f.alias or n): (f.description or "") for n, f in cls.model_fields.items()}
