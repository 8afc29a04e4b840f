"""The error model from error responses: each 4xx/5xx becomes a code endpoints list.

OpenAPI writes an operation's failures as responses (``404: {$ref: .../NotFound}``); a design
lists stable error codes once (``api.error_model``) and names them per endpoint (``errors``).
A response component gives its code its name (``NotFound`` -> ``not_found``); an inline
response is named after its status (``404`` -> ``not_found``). ``default`` (any other status)
and ranges (``4XX``) get a code too, and a gap says which statuses they stand for.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from http import HTTPStatus
from typing import Any

from ...core.loader import KeyPath
from ...core.yamlout import FlowMap
from .result import one_line
from .schemas import SchemaMapper, is_object
from .walk import media

RESPONSES_PREFIX = "#/components/responses/"
_CATCH_ALL = {"default": ("unexpected_error", 500), "4XX": ("client_error", 400),
              "5XX": ("server_error", 500)}


@cache      # a few names, asked for by every error response
def _snake(text: str) -> str:
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "error"


@cache
def _status_code_name(status: int) -> str:
    try:
        return _snake(HTTPStatus(status).phrase)
    except ValueError:
        return f"error_{status}"


class ErrorCodes:
    """Collects error codes while operations are mapped; :meth:`model` builds the error model."""

    def __init__(self, mapper: SchemaMapper):
        self.mapper = mapper
        self.codes: dict[str, dict[str, Any]] = {}
        self._by_origin: dict[tuple[str, int], str] = {}
        self._payloads: Counter[tuple[str, str | None]] = Counter()   # (media, schema name)
        self._fields: dict[str | None, list[str]] = {}

    def code_for(self, written: Any, code: str, resp: dict[str, Any], rpath: KeyPath,
                 ) -> tuple[str, str | None] | None:
        """The error code of one response (``written`` as in the operation), and a gap to note;
        None for what is not an error (a success, an extension)."""
        gap = None
        if code.isdigit() and 400 <= int(code) <= 599:
            status = int(code)
            base = _status_code_name(status)
        elif (code if code == "default" else code.upper()) in _CATCH_ALL:
            base, status = _CATCH_ALL[code if code == "default" else code.upper()]
            gap = (f"OpenAPI's `{code}` response stands for any status it does not list; it is "
                   f"kept as {base} ({status}): name the statuses it covers")
        else:
            return None
        ref = written.get("$ref") if isinstance(written, dict) else None
        if isinstance(ref, str) and ref.startswith(RESPONSES_PREFIX) and "/" not in ref[len(RESPONSES_PREFIX):]:
            base = _snake(ref[len(RESPONSES_PREFIX):])
        origin = (base, status)
        name = self._by_origin.get(origin)
        if name is None:
            name = base
            n = 2
            while name in self.codes:       # the same name for another status
                name, n = f"{base}_{n}", n + 1
            self._by_origin[origin] = name
            message = one_line(resp.get("description")) or \
                (HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else base)
            self.codes[name] = FlowMap(code=name, status=status, message=message)
        self._payload(resp, rpath)
        return name, gap

    def _payload(self, resp: dict[str, Any], rpath: KeyPath) -> None:
        found = media(resp.get("content"))
        if found is None:
            return
        kind, spec = found
        schema = spec.get("schema")
        name, many = self.mapper.target(schema, rpath + ("content", kind, "schema"))
        key = name if name and not many else None
        self._payloads[(kind, key)] += 1
        if key not in self._fields:
            flat, _ = self.mapper.flatten(schema, rpath)
            props = flat.get("properties") if is_object(flat) else None
            self._fields[key] = [str(p) for p in props] if isinstance(props, dict) else []

    def model(self) -> dict[str, Any] | None:
        """``api.error_model``: the usual payload's media type and fields, and every code."""
        if not self.codes:
            return None
        out: dict[str, Any] = {}
        if self._payloads:
            (kind, name), _ = self._payloads.most_common(1)[0]
            out["format"] = kind + (f" (schema {name})" if name else "")
            if self._fields.get(name):
                out["fields"] = self._fields[name]
        out["codes"] = sorted(self.codes.values(), key=lambda c: (c["status"], c["code"]))
        return out

    @property
    def mixed_payloads(self) -> list[str]:
        """The error payloads besides the usual one, when errors do not share one shape."""
        shapes = [f"{k}" + (f" {n}" if n else "") for (k, n), _ in self._payloads.most_common()]
        return shapes[1:]
