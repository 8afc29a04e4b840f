"""Resolving ``$ref``s inside the document with the ``referencing`` library; nothing is fetched.

Only references inside the file (``#/...``) are followed. A reference to another file or a URL
is refused before anything is imported, with the line it is on: designkit never reads the network
or the disk beyond the one file. Vendor extensions (``x-...``) are skipped, ``$ref``s in them
too, and counted so the written design can say what was left out.

Every ``$ref`` is looked up once (``referencing`` walks the pointer), and the end of every chain
is remembered for each reference on it, so a chain of any length costs time in proportion to its
length; a chain that comes back on itself is an error naming where it starts.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import unquote

from referencing import Registry, Resource
from referencing.exceptions import Unresolvable

from ...core.loader import KeyPath
from .source import Source

_BASE = "urn:designkit:openapi"
# Mappings whose keys are names an author chose: an `x-` key in them is a name, not an extension.
NAME_MAPS = frozenset({
    "properties", "patternProperties", "dependentSchemas", "$defs", "definitions", "headers",
    "content", "encoding", "links", "variables", "scopes", "mapping", "schemas", "responses",
    "parameters", "requestBodies", "securitySchemes", "callbacks", "pathItems", "webhooks",
})
# Keys whose value is data (an example, a default), where a "$ref" key is not a reference.
_DATA_KEYS = frozenset({"example", "default", "const", "enum"})
_CYCLE_SHOWN = 6


def pointer_path(ref: str) -> KeyPath:
    """The key path a local JSON pointer (``#/a/b~1c``) names, for messages and line numbers."""
    if not ref.startswith("#/"):
        return ()
    return tuple(unquote(t).replace("~1", "/").replace("~0", "~") for t in ref[2:].split("/"))


class References:
    """Local ``$ref`` resolution for one document (see the module docstring)."""

    def __init__(self, source: Source):
        self.src = source
        registry = Registry().with_resource(_BASE, Resource.opaque(source.data))
        self._resolver = registry.resolver(base_uri=_BASE)
        self._target: dict[str, tuple[Any, KeyPath]] = {}   # one lookup per distinct $ref
        self._end: dict[str, tuple[Any, KeyPath]] = {}      # where each $ref's chain ends
        self.extensions: Counter[str] = Counter()          # vendor extensions skipped, by key

    # ------------------------------------------------------------------ checking

    def check(self) -> None:
        """Refuse remote and broken ``$ref``s anywhere outside data and extensions, up front."""
        stack: list[tuple[Any, KeyPath]] = [(self.src.data, ())]
        while stack:
            node, path = stack.pop()
            if isinstance(node, dict):
                parent = path[-1] if path else None
                ref = node.get("$ref")
                if isinstance(ref, str):
                    self.target(ref, path + ("$ref",))
                for key, value in node.items():
                    if not isinstance(value, (dict, list)):
                        continue
                    if isinstance(key, str) and key.startswith("x-") and not _names(path):
                        self.extensions[key] += 1
                    elif not _is_data(key, value, path, parent):
                        stack.append((value, path + (key,)))
            else:
                stack.extend((v, path + (i,)) for i, v in enumerate(node)
                             if isinstance(v, (dict, list)))

    def target(self, ref: str, at: KeyPath) -> tuple[Any, KeyPath]:
        """The node one ``$ref`` names and its key path; ``at`` is where the ``$ref`` is written."""
        found = self._target.get(ref)
        if found is not None:
            return found
        if not ref.startswith("#"):
            raise self.src.fail(at, f"remote $ref {ref!r} is not fetched (only references "
                                    "inside this file are resolved)",
                                fix="bundle the description into one file first, e.g. "
                                    "`redocly bundle` or `swagger-cli bundle`")
        if ref != "#" and not ref.startswith("#/"):
            raise self.src.fail(at, f"$ref {ref!r} is not a JSON pointer",
                                fix="write local references as #/components/...")
        try:
            node = self._resolver.lookup(ref).contents
        except (Unresolvable, LookupError, ValueError, TypeError):
            # a pointer through a text or a number fails inside the library's walk as a
            # ValueError or TypeError rather than its own error: the same mistake for a user
            raise self.src.fail(at, f"$ref {ref!r} points to nothing in this file",
                                fix="fix the pointer, or add the missing component") from None
        found = self._target[ref] = (node, pointer_path(ref))
        return found

    # ------------------------------------------------------------------ following

    def deref(self, node: Any, path: KeyPath) -> tuple[Any, KeyPath]:
        """Follow ``$ref`` chains to the node they name, and its path; a loop is an error."""
        if not isinstance(node, dict):
            return node, path
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return node, path
        end = self._end.get(ref)
        if end is not None:
            return end
        chain: list[str] = []
        seen: set[str] = set()
        at = path
        while isinstance(ref, str):
            end = self._end.get(ref)
            if end is not None:
                node, at = end
                break
            if ref in seen:
                raise self._cycle(path, chain, ref)
            seen.add(ref)
            chain.append(ref)
            node, at = self.target(ref, at + ("$ref",))
            ref = node.get("$ref") if isinstance(node, dict) else None
        for link in chain:
            self._end[link] = (node, at)
        return node, at

    def _cycle(self, start: KeyPath, chain: list[str], again: str):
        loop = chain[chain.index(again):] + [again]
        shown = loop if len(loop) <= _CYCLE_SHOWN else \
            loop[:_CYCLE_SHOWN - 1] + [f"... {len(loop) - _CYCLE_SHOWN} more", loop[-1]]
        return self.src.fail(start, "$ref cycle: " + " -> ".join(shown),
                             fix="make one of these point at a real definition")


def _names(path: KeyPath) -> bool:
    """Whether the mapping at ``path`` is keyed by names (so an ``x-`` key is a name)."""
    if not path or path[-1] not in NAME_MAPS:
        return False
    # an operation's responses are keyed by status and take extensions; components' by name
    return path[-1] != "responses" or path[:-1] == ("components",)


def _is_data(key: Any, value: Any, path: KeyPath, parent: Any) -> bool:
    """Whether ``value`` (under ``key`` of the mapping at ``path``) is example or default data."""
    if parent in NAME_MAPS:
        return False               # a property may be called "example"; a response "default"
    if key in _DATA_KEYS:
        return True
    if key == "examples" and isinstance(value, list):
        return True                # JSON Schema's examples: a list of values
    return key == "value" and len(path) >= 2 and path[-2] == "examples"
