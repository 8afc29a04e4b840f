"""Reading an OpenAPI file: size, text, YAML or JSON, the version, and where each key stands.

YAML is read with the loader's safe reader (no object tags, alias bombs and deep nesting
refused). JSON, which has none of those, is read by ``json`` (ten times faster on a description
of a few MB; duplicate keys refused as the YAML reader does). Where each key stands is found
only when a message needs a line (a fifth of the YAML read). Every problem is an
:class:`ImportSourceError` naming file, line and key path, with a fix.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ...core.errors import DesignFileError, ImportSourceError
from ...core.loader import KeyPath, format_key_path, parse_yaml, read_text

IMPORT_MAX_BYTES = 32 * 1024 * 1024   # the largest public API descriptions are ~10 MB
_VERSION = re.compile(r"^3\.[01](\.\d+)?")


class Source:
    """The parsed OpenAPI document and the line of each key, for messages."""

    def __init__(self, file: str, data: Any, lines: dict[KeyPath, int] | None, text: str = ""):
        self.file, self.data, self._lines, self.text = file, data, lines, text
        self._by_text: dict[tuple[str, ...], int] | None = None

    @property
    def lines(self) -> dict[KeyPath, int]:
        """Key path -> line, found by the YAML reader on first use (a message needs one)."""
        if self._lines is None:
            try:
                self._lines = parse_yaml(self.text, self.file)[1]
            except DesignFileError:      # JSON the YAML reader refuses (e.g. tabs): no lines
                self._lines = {}
        return self._lines

    def line(self, path: KeyPath) -> int | None:
        """The line of ``path`` or of its nearest ancestor in the file.

        Paths that come from a ``$ref`` pointer hold text where the file has a number (a list
        index, a status code written without quotes), so keys are also compared as text.
        """
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            if self._by_text is None:
                self._by_text = {tuple(str(k) for k in p): n for p, n in self.lines.items()}
            found = self._by_text.get(tuple(str(k) for k in path))
            if found is not None:
                return found
            path = path[:-1]
        return None

    def fail(self, path: KeyPath, message: str, fix: str = "") -> ImportSourceError:
        """An error at ``path`` (raise it)."""
        return ImportSourceError.single(
            self.file, message, line=self.line(path), key_path=format_key_path(path),
            fix=fix or "make this part follow the OpenAPI 3 specification (an editor with "
                       "OpenAPI validation shows the expected shape)")


def read_source(path: str | Path) -> Source:
    """Read an OpenAPI file and check what every later step relies on: a 3.0/3.1 mapping."""
    p = Path(path)
    shown = str(path)
    try:
        size = p.stat().st_size if p.is_file() else None
    except OSError:
        size = None
    if size is not None and size > IMPORT_MAX_BYTES:
        raise ImportSourceError.single(
            shown, f"is {size / 1e6:.0f} MB; an OpenAPI file to import is at most "
                   f"{IMPORT_MAX_BYTES // 2**20} MiB",
            fix="check that this is the file you meant, or split the API by tag")
    try:
        text, _ = read_text(p, what="OpenAPI file")
        data, lines = _parse(text, shown)
    except ImportSourceError:
        raise
    except DesignFileError as exc:
        raise ImportSourceError(exc.problems) from None
    source = Source(shown, data, lines, text)
    _check_top_level(source)
    return source


class _DuplicateKey(Exception):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _DuplicateKey
    return out


def _parse(text: str, file: str) -> tuple[Any, dict[KeyPath, int] | None]:
    """JSON through ``json``; anything else, and JSON ``json`` refuses, through the safe YAML
    reader, whose message names the line. Neither records where each key is: ``Source.lines``
    finds that the first time a message needs a line (most imports never do)."""
    if text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text, object_pairs_hook=_unique_keys), None
        except (ValueError, RecursionError, _DuplicateKey) as exc:
            json_error = exc       # the YAML reader may still read it, or say where it breaks
        try:
            return parse_yaml(text, file, lines=False)
        except DesignFileError:
            if not isinstance(json_error, json.JSONDecodeError):
                raise
            raise ImportSourceError.single(file, f"is neither valid YAML nor JSON ({json_error})",
                                           line=json_error.lineno,
                                           fix="check the file's syntax") from None
    return parse_yaml(text, file, lines=False)


def _check_top_level(source: Source) -> None:
    data, shown = source.data, source.file
    if not isinstance(data, dict):
        raise ImportSourceError.single(
            shown, "is not an OpenAPI description (the top level is not a mapping)", line=1,
            fix="give an OpenAPI 3.0 or 3.1 file (YAML or JSON) with `openapi: 3.x.y` at the top")
    if "swagger" in data:
        raise source.fail(("swagger",), f"is Swagger {data.get('swagger')} (OpenAPI 2.0), "
                          "which designkit does not import",
                          fix="convert it to OpenAPI 3 first (e.g. `npx swagger2openapi FILE`, or "
                              "the Swagger Editor's Convert to OpenAPI 3), then import that")
    version = data.get("openapi")
    if version is None:
        raise ImportSourceError.single(
            shown, "is not an OpenAPI description (no `openapi:` version key at the top level)",
            line=1, fix="give an OpenAPI 3.0 or 3.1 file; it starts with `openapi: 3.1.0`")
    if not isinstance(version, str) or not _VERSION.match(version):
        raise source.fail(("openapi",), f"OpenAPI version {version!r} is not supported "
                          "(3.0 and 3.1 are)",
                          fix="write the version as text, e.g. openapi: \"3.1.0\"")
    for key in ("paths", "components", "webhooks"):
        if key in data and data[key] is not None and not isinstance(data[key], dict):
            raise source.fail((key,), f"`{key}` must be a mapping", fix=f"write {key} as key: value lines")
