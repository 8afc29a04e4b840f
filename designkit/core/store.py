"""Edit a design file in place and save it safely: comments kept, nothing lost, nothing invalid.

Edits go through ruamel.yaml's round-trip form, so comments, key order, quoting and flow-style
mappings (``{name: id, type: uuid}``) survive them. Edits are addressed by key path tuples, the
same ones the loader and the findings use: ``('api', 'endpoints', 0, 'auth')``.

Saving guarantees, in order:

1. nothing changed -> no write at all, so the file stays byte-identical;
2. the file changed on disk since it was opened -> :class:`StaleDesignError`, nothing written;
3. the edited text is read back by the loader itself -> an invalid value raises the loader's
   own :class:`DesignFileError` (file, line, key path, fix) and nothing is written;
4. the new bytes go to a temporary file in the same folder, are fsynced, then ``os.replace``
   swaps it in: a crash at any moment leaves the old file or the new one, never half of one.

Where ruamel would reformat something the user wrote (an unusual indent, a folded plain
scalar), only the edited lines take ruamel's form: the rest is spliced back from the original
text, and the splice is checked to mean exactly what ruamel wrote.

Only the part of the file an edit touches is round-tripped. ruamel is pure Python: loading and
dumping a whole 1,000-endpoint design takes seconds, one endpoint a millisecond. So an edit is
applied to a *region* cut out of the text by line range, found with the fast loader's line map:
the list item the key path goes through (``api.endpoints[412]``; the last item, for an append),
else the top-level section (``scope``). The region is round-tripped on its own and its new
text replaced in the file; every other line stays byte for byte. A region is used only when it
provably stands alone: its text alone must read as exactly its part of the file, and after the
edit the whole new text must read as the old data with that part replaced. Anything else
(an item that shares its line, an alias into or out of the region, an edit that would move the
indexes another region relies on, ...) falls back to round-tripping the whole file, which
replays the edits made so far: slower, same result.

This module is part of the core: it imports no Jupyter, widget or CLI library.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

from .errors import DesignFileError, StaleDesignError
from .files import atomic_write
from .loader import (
    DesignDocument,
    KeyPath,
    format_key_path,
    load_design_text,
    model_fields_at,
    parse_yaml,
    read_text,
    validate_data,
)
from .model import Design

_BOM = b"\xef\xbb\xbf"
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def to_plain(value: Any) -> Any:
    """Plain Python data (dict, list, str, int, float, bool, date, None) from ruamel or models."""
    if isinstance(value, BaseModel):
        return value.model_dump(by_alias=True, exclude_none=True, exclude_unset=True)
    if isinstance(value, Mapping):
        return {to_plain(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, CommentedSeq)):
        return [to_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    # ruamel's scalar subclasses (ScalarFloat, ScalarInt, *ScalarString, TimeStamp) -> builtins
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, value.hour, value.minute,
                           value.second, value.microsecond, value.tzinfo)
    return value


def _guess_indent(text: str) -> tuple[int, int, int]:
    """(mapping, sequence, offset) indentation the file uses, defaulting to 2, 4, 2."""
    mapping = sequence = offset = None
    parent: int | None = None  # indent of the previous line that is a bare `key:`
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        lead = len(line) - len(line.lstrip(" "))
        if parent is not None and lead >= parent:
            if stripped.startswith("- ") and offset is None:
                offset = lead - parent
                after = len(stripped) - len(stripped[1:].lstrip(" "))
                sequence = offset + after
            elif not stripped.startswith("- ") and mapping is None and lead > parent:
                mapping = lead - parent
        if mapping is not None and offset is not None:
            break
        parent = lead if re.match(r"^[^#\s][^#]*:\s*(#.*)?$", stripped) and not stripped.startswith("- ") else None
    mapping = mapping or 2
    if offset is None:
        offset, sequence = 2, 4
    return mapping, max(sequence or 2, offset + 2), offset


def _new_yaml(indent: tuple[int, int, int]) -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 1_000_000          # never re-wrap a long line the user wrote on one line
    y.default_flow_style = False
    y.allow_unicode = True
    mapping, sequence, offset = indent
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    return y


class _Where(NamedTuple):
    """Where an edit lands: ``key_path[drop:]`` is the path inside ``root``, and the part at
    ``drop`` (a list index, for a region of list items) is shifted down by ``shift``."""

    root: Any
    drop: int = 0
    shift: int = 0


class _Region:
    """Lines ``start:end`` (0-based) of the file, round-tripped on their own.

    Either a top-level section (``path == (key,)``, ``first`` None, loaded as ``{key: ...}``) or
    one item of the list at ``path`` (``first`` its index, loaded as a one-item list). ``shift``
    columns were taken off every line so that ruamel reads the item at its root indentation.
    An alias to an anchor outside the block (``rate_limit: *id007``) is read as a placeholder
    scalar (:func:`_hide_aliases`) and written back as the alias.
    """

    def __init__(self, path: KeyPath, first: int | None, start: int, end: int, shift: int,
                 text: str, root: Any, baseline: str, aliased: dict[str, Any]):
        self.path, self.first, self.start, self.end, self.shift = path, first, start, end, shift
        self.text, self.root, self.baseline = text, root, baseline
        self.aliased = aliased    # alias name -> its value, for aliases to anchors outside
        self.items = len(root) if first is not None else 0   # items taken from the file
        self.structural = ""      # "append" / "remove" once the list's length changed


class DesignEditor:
    """A design file opened for editing; ``save()`` writes it back atomically and only if valid."""

    def __init__(self, path: Path, raw: bytes, text: str, *, digest: str | None = None):
        self.path = Path(path)
        self.digest = digest or _digest(raw)
        self._bom = raw.startswith(_BOM)
        self._newline = "\r\n" if "\r\n" in text else "\n"
        self._yaml = _new_yaml(_guess_indent(text.replace("\r\n", "\n")))
        self._tree: CommentedMap | None = None    # the whole file's round-trip tree, once needed
        self._baseline: str | None = None         # ruamel's rendering of the unedited tree, lazily
        self._seq_column: int | None = None       # where ruamel puts a root list's dash
        self._parsed: tuple[str, Any, dict] | None = None
        self._reset(text.replace("\r\n", "\n"))   # what is on disk (as loaded), LF only
        if self._plain is None:
            self._whole_tree()    # the fast loader cannot read it: ruamel and the loader say why

    def _reset(self, text: str) -> None:
        """Start over from ``text`` (the file as on disk): no regions, no edits."""
        self._text = text
        self._lines = text.splitlines(keepends=True)
        self._regions: list[_Region] = []
        self._edits: list[tuple[str, KeyPath, Any]] = []      # replayed if the whole tree is needed
        self._changed = False
        # the fast loader's data and line map, to find and check regions (None: not a mapping)
        if self._parsed is not None and self._parsed[0] is text:
            _, self._plain, self._key_lines = self._parsed
        else:
            try:
                self._plain, self._key_lines = parse_yaml(text, str(self.path))
            except DesignFileError:
                self._plain, self._key_lines = None, {}
        if not isinstance(self._plain, dict):
            self._plain = None

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: str | Path, *, digest: str | None = None) -> DesignEditor:
        """Open ``path`` for editing.

        Pass ``digest`` (a ``DesignDocument.digest``) when the edits are based on a design loaded
        earlier: a save then refuses if the file changed since *that* load, not just since now.
        """
        text, raw = read_text(path)
        return cls(Path(path), raw, text, digest=digest)

    @classmethod
    def for_document(cls, document: DesignDocument) -> DesignEditor:
        """Open the file a loaded document came from, guarding against changes since that load."""
        return cls.open(document.path, digest=document.digest or None)

    # ------------------------------------------------------------------ editing

    @property
    def changed(self) -> bool:
        """Whether any edit was made since opening (or since the last save)."""
        return self._changed

    @property
    def data(self) -> CommentedMap:
        """The whole file's round-trip tree, edits included (slow to build on a large design)."""
        return self._whole_tree()

    def get(self, key_path: KeyPath, default: Any = None) -> Any:
        """The plain value at ``key_path``, or ``default`` when some part of it is absent."""
        key_path = tuple(key_path)
        if key_path and self._tree is None and self._plain is not None and key_path[0] not in self._plain:
            return default
        where, key_path = self._where(key_path, "get")
        node: Any = where.root
        for n in range(where.drop, len(key_path)):
            try:
                node = node[_part(where, key_path, n)]
            except (KeyError, IndexError, TypeError):
                return default
        return to_plain(node)

    def set(self, key_path: KeyPath, value: Any) -> None:
        """Set the value at ``key_path``, creating missing mappings on the way.

        ``None`` removes a mapping key (an empty form field means "not decided").
        """
        key_path = tuple(key_path)
        if not key_path:
            raise ValueError("set() needs a key path below the top level")
        if value is None:
            self.remove(key_path, missing_ok=True)
            return
        where, key_path = self._where(key_path, "set")
        self._before_edit()
        parent = self._container(where, key_path, len(key_path) - 1, create=True)
        key = _part(where, key_path, len(key_path) - 1)
        old = self._child(parent, key, key_path)
        new = self._node(value, like=old)
        if old is not _MISSING and to_plain(old) == to_plain(new) and type(to_plain(old)) is type(to_plain(new)):
            return     # same value: keep the original node (and its quoting) untouched
        if isinstance(parent, CommentedSeq):
            idx = self._index(parent, key, key_path)
            gap = _take_trailing(parent) if idx == len(parent) - 1 else None
            parent[idx] = new
            _put_trailing(parent, gap)
        elif old is not _MISSING:
            gap = _take_trailing(parent) if key == list(parent)[-1] else None
            parent[key] = new
            _put_trailing(parent, gap)
        else:
            self._insert_key(parent, key_path, new)
        self._changed = True
        self._edits.append(("set", key_path, value))

    def _insert_key(self, parent: CommentedMap, key_path: KeyPath, node: Any) -> None:
        """Add a new key where the model lists it (after its predecessors), not always last."""
        key = key_path[-1]
        order = list(model_fields_at(key_path[:-1]) or ())
        pos = len(parent)
        if key in order:
            rank = order.index(key)
            later = [i for i, k in enumerate(parent) if k in order and order.index(k) > rank]
            pos = later[0] if later else len(parent)
        if pos >= len(parent):
            gap = _take_trailing(parent)
            parent[key] = node
            _put_trailing(parent, gap)
        else:
            parent.insert(pos, key, node)

    def append(self, key_path: KeyPath, value: Any) -> int:
        """Append ``value`` to the list at ``key_path`` (created if absent); returns its index."""
        key_path = tuple(key_path)
        where, key_path = self._where(key_path, "append")
        self._before_edit()
        seq = self._container(where, key_path, len(key_path), create=True, want_list=True)
        if not isinstance(seq, CommentedSeq):
            raise DesignFileError.single(str(self.path), "is not a list, cannot append to it",
                                         key_path=format_key_path(key_path),
                                         fix="check the key path")
        like = seq[-1] if len(seq) else _MISSING
        gap = _take_trailing(seq)       # the blank line or comment closing the list stays last
        seq.append(self._node(value, like=like))
        _put_trailing(seq, gap)
        self._changed = True
        self._edits.append(("append", key_path, value))
        # the list's own index: a region holding the list's tail starts at item `shift`
        return len(seq) - 1 + (where.shift if where.drop == len(key_path) else 0)

    def remove(self, key_path: KeyPath, *, missing_ok: bool = False) -> None:
        """Remove a mapping key or a list item; a missing key is an error unless ``missing_ok``."""
        key_path = tuple(key_path)
        where, key_path = self._where(key_path, "remove")
        self._before_edit()
        try:
            parent = self._container(where, key_path, len(key_path) - 1, create=False)
        except KeyError:
            if missing_ok:
                return
            raise
        key = _part(where, key_path, len(key_path) - 1)
        if self._child(parent, key, key_path) is _MISSING:
            if missing_ok:
                return
            raise KeyError(format_key_path(key_path))
        if isinstance(parent, CommentedSeq):
            idx = self._index(parent, key, key_path)
            last = idx == len(parent) - 1
        else:
            last = key == list(parent)[-1]
        gap = _take_trailing(parent) if last else None
        if isinstance(parent, CommentedSeq):
            del parent[idx]
            parent.ca.items.pop(idx, None)
            # ruamel keys item comments by index: shift the later ones down by one
            for i in sorted(k for k in parent.ca.items if isinstance(k, int) and k > idx):
                parent.ca.items[i - 1] = parent.ca.items.pop(i)
        else:
            del parent[key]
        _put_trailing(parent, gap)
        self._changed = True
        self._edits.append(("remove", key_path, missing_ok))

    def _before_edit(self) -> None:
        # ruamel's rendering of the unedited tree, kept to tell its reformatting from the edit
        if self._tree is not None and self._baseline is None and not self._changed:
            self._baseline = self._dump(self._tree)

    def _child(self, parent: Any, key: Any, key_path: KeyPath) -> Any:
        if isinstance(parent, CommentedSeq):
            return parent[self._index(parent, key, key_path)]
        return parent.get(key, _MISSING)

    def _index(self, seq: CommentedSeq, key: Any, key_path: KeyPath) -> int:
        if not isinstance(key, int) or isinstance(key, bool):
            raise KeyError(f"{format_key_path(key_path)}: a list is indexed by a number")
        idx = key + len(seq) if key < 0 else key
        if not 0 <= idx < len(seq):
            raise KeyError(f"{format_key_path(key_path)}: no item {key} (the list has {len(seq)})")
        return idx

    def _container(self, where: _Where, key_path: KeyPath, depth: int, *, create: bool,
                   want_list: bool = False) -> Any:
        """The node at ``key_path[:depth]``, walked from ``where``."""
        node: Any = where.root
        for n in range(where.drop, depth):
            part = _part(where, key_path, n)
            if isinstance(node, CommentedSeq):
                if create and part == len(node) and n < depth - 1:
                    node.append(CommentedMap())   # e.g. responses[0].status on an empty list
                    self._changed = True
                node = node[self._index(node, part, key_path[: n + 1])]
                continue
            if not isinstance(node, CommentedMap):
                raise KeyError(f"{format_key_path(key_path[:n])} is not a mapping or a list")
            child = node.get(part)
            if child is None:
                if not create:
                    raise KeyError(format_key_path(key_path[: n + 1]))
                last = n == depth - 1
                child = CommentedSeq() if (last and want_list) else CommentedMap()
                node[part] = child
                self._changed = True
            node = child
        return node

    def _node(self, value: Any, like: Any = _MISSING) -> Any:
        """Turn plain data into ruamel nodes, taking flow style from the node it replaces/joins."""
        if isinstance(value, BaseModel):
            value = to_plain(value)
        if isinstance(value, Mapping):
            out = CommentedMap()
            for k, v in value.items():
                if v is None:
                    continue
                sub = like.get(k) if isinstance(like, CommentedMap) else None
                out[k] = self._node(v, like=sub)
            _copy_flow(out, like)
            return out
        if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
            out_seq = CommentedSeq()
            first = like[0] if isinstance(like, CommentedSeq) and len(like) else None
            for v in value:
                out_seq.append(self._node(v, like=first))
            _copy_flow(out_seq, like)
            return out_seq
        return value

    # ------------------------------------------------------------------ regions

    def _where(self, key_path: KeyPath, op: str) -> tuple[_Where, KeyPath]:
        """Where the edit ``op`` at ``key_path`` lands: a region if one stands alone, else the
        whole tree. Returns the key path with a negative list index made positive."""
        if self._tree is None:
            found = self._region_for(key_path, op)
            if found is not None:
                return found
        return _Where(self._whole_tree()), key_path

    def _region_for(self, key_path: KeyPath, op: str) -> tuple[_Where, KeyPath] | None:
        data = self._plain
        if data is None or not key_path or not isinstance(key_path[0], str) or key_path[0] not in data:
            return None                   # e.g. a new section: the model decides where it goes
        section = key_path[0]
        for region in self._regions:
            if region.first is None and region.path[0] == section:
                return (None if _reaches_alias(_Where(region.root), key_path)
                        else (_Where(region.root), key_path))
        item = _list_item_on(data, key_path, op)
        if item is not None:
            list_path, index, structural = item
            if op != "append":
                key_path = list_path + (index,) + key_path[len(list_path) + 1:]
            same_list = [r for r in self._regions if r.first is not None and r.path == list_path]
            region = next((r for r in same_list if r.first == index), None)
            # Once a list's length changed, indexes past the change no longer match the file's:
            # only more appends to the same tail stay in a region; the rest takes the whole tree.
            if region is not None and region.structural == "append" and op == "append":
                pass
            elif any(r.structural for r in same_list) or (structural and same_list):
                return None
            if region is None:
                region = self._cut_region(list_path, index)
                if region is not None:
                    self._regions.append(region)
            where = _Where(region.root, len(list_path), index) if region is not None else None
            if where is not None and _reaches_alias(where, key_path):
                return None     # the whole tree edits the anchored value, as ruamel would
            if where is not None:
                region.structural = region.structural or (op if structural else "")
                return where, key_path
        # the whole section, unless some of its items are regions already (they would overlap)
        if any(r.path[0] == section for r in self._regions):
            return None
        region = self._cut_region((section,), None)
        if region is None:
            return None
        self._regions.append(region)
        return None if _reaches_alias(_Where(region.root), key_path) else (_Where(region.root), key_path)

    def _cut_region(self, path: KeyPath, first: int | None) -> _Region | None:
        """Cut the section ``path`` (``first`` None) or list item ``path[first]`` out of the
        text and round-trip it alone; None when it does not stand alone."""
        line = self._key_lines.get(path if first is None else path + (first,))
        if not line:
            return None
        lines = self._lines
        start = line - 1
        head = lines[start]
        column = len(head) - len(head.lstrip(" "))
        if first is None:
            shift = 0
            if column:
                return None
        else:
            shift = column - self._root_seq_column()
            if not head.startswith("- ", column) or shift < 0:
                return None               # e.g. `[a, b]`: the item shares its line with others
        # The block runs to the next line that is not indented deeper (the next item or key),
        # without the blank lines and comments before it: they stay outside, with what follows.
        end = start + 1
        while end < len(lines):
            body = lines[end].lstrip(" ")
            if body.strip() and not body.startswith("#") and len(lines[end]) - len(body) <= column:
                break
            end += 1
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1
        block = []
        for text in lines[start:end]:
            if shift and text != "\n":
                if not text.strip() or text[:shift] != " " * shift:
                    return None           # a shallower comment or whitespace-only line
                text = text[shift:]
            block.append(text)
        text = _hide_aliases("".join(block))
        if first is None:
            expected: Any = {path[0]: self._plain[path[0]]}
        else:
            expected = [_at(self._plain, path)[first]]
        try:
            root = self._yaml.load(text)
            alone = parse_yaml(text, str(self.path))[0]
        except Exception:  # noqa: BLE001 - e.g. a merge key (<<) on an alias: not for a region
            return None
        aliased: dict[str, Any] = {}
        if not _match_aliases(alone, expected, aliased) or _show_aliases(alone, aliased) != expected:
            return None
        if not isinstance(root, CommentedMap if first is None else CommentedSeq) or len(root) != 1:
            return None
        return _Region(path, first, start, end, shift, text, root, self._dump(root), aliased)

    def _root_seq_column(self) -> int:
        """The column ruamel writes a top-level list's dashes at (its sequence offset)."""
        if self._seq_column is None:
            probe = self._dump(CommentedSeq([CommentedMap(a=1)]))
            self._seq_column = len(probe) - len(probe.lstrip(" "))
        return self._seq_column

    def _render_regions(self) -> str | None:
        """The text with each edited region's new text in place of its lines, or None when the
        result does not read as the old data with exactly those parts replaced."""
        lines = list(self._lines)
        expected: Any = self._plain
        file = str(self.path)
        for region in sorted(self._regions, key=lambda r: r.start, reverse=True):
            edited = self._dump(region.root) if len(region.root) else ""
            if edited == region.baseline:
                continue                  # looked at, or edited back to what it was
            block = edited
            if region.baseline != region.text:      # keep the user's formatting where untouched
                merged = _splice(region.text, region.baseline, edited)
                if _same_meaning(merged, edited):
                    block = merged
            try:
                meaning = _show_aliases(parse_yaml(block, file)[0], region.aliased) if block else None
            except (DesignFileError, KeyError):
                return None
            expected = _replace_region(expected, region, meaning)
            if expected is None:
                return None
            pad = " " * region.shift
            lines[region.start:region.end] = [pad + t if pad and t != "\n" else t
                                              for t in _ALIAS_MARK.sub(r"*\1", block).splitlines(keepends=True)]
        text = "".join(lines)
        try:
            data, key_lines = parse_yaml(text, file)
        except DesignFileError:
            return None
        if data != expected:
            return None
        self._parsed = (text, data, key_lines)      # reused as the outline after the save
        return text

    def _whole_tree(self) -> CommentedMap:
        """The whole file in round-trip form, with the edits made in regions so far replayed."""
        if self._tree is not None:
            return self._tree
        try:
            tree = self._yaml.load(self._text)
        except Exception:  # noqa: BLE001 - ruamel's errors are not user-readable: let the loader say it
            load_design_text(self._text, str(self.path))
            raise
        if not isinstance(tree, CommentedMap):
            load_design_text(self._text, str(self.path))      # raises the loader's message
            raise DesignFileError.single(str(self.path), "the top level is not a mapping", line=1)
        edits, self._edits, self._regions = self._edits, [], []
        self._tree, self._changed = tree, False
        if edits:
            self._baseline = self._dump(tree)
        for op, key_path, value in edits:
            if op == "set":
                self.set(key_path, value)
            elif op == "append":
                self.append(key_path, value)
            else:
                self.remove(key_path, missing_ok=value)
        return tree

    # ------------------------------------------------------------------ checking and saving

    def render(self) -> str:
        """The file's text as it would be saved (LF line endings)."""
        if not self._changed:
            return self._text
        if self._tree is None:
            text = self._render_regions()
            if text is not None:
                return text
            self._whole_tree()
        edited = self._dump(self._tree)
        baseline = self._baseline_text()
        if baseline == self._text:
            return edited                 # ruamel reproduces the file exactly: nothing to splice
        merged = _splice(self._text, baseline, edited)
        if _same_meaning(merged, edited):
            return merged
        return edited

    def preview(self) -> Design:
        """Validate the edited design exactly as the loader would read the saved file."""
        return self._check(self.render()).design

    def apply(self, edits: list[tuple[str, KeyPath, Any]]) -> DesignEditor:
        """Apply ``[("set"|"append"|"remove", key_path, value), ...]`` in order; returns self."""
        for op, key_path, value in edits:
            if op == "set":
                self.set(key_path, value)
            elif op == "append":
                self.append(key_path, value)
            elif op == "remove":
                self.remove(key_path)
            else:
                raise ValueError(f"unknown edit {op!r}; use set, append or remove")
        return self

    def save(self) -> DesignDocument | None:
        """Write the edits atomically; returns the document as saved, or None when unchanged.

        Raises StaleDesignError when the file changed on disk since it was opened, and the
        loader's DesignFileError when the edited design is invalid; in both cases nothing is
        written.
        """
        self._refuse_if_stale()
        if not self._changed:
            return None
        text = self.render()
        document = self._check(text)
        payload = (_BOM if self._bom else b"") + text.replace("\n", self._newline).encode("utf-8")
        self._refuse_if_stale()           # again, as close to the swap as we can get
        atomic_write(self.path, payload)
        self.digest = document.digest = _digest(payload)
        self._baseline = None
        self._reset(text)                 # a whole tree, if built, stays: it holds the edits
        return document

    def _check(self, text: str) -> DesignDocument:
        if self._parsed is not None and self._parsed[0] is text:
            # the splice check just read this very text with the loader's parser: validate that
            # reading (what load_design_text does next) rather than parse the whole file again
            _, data, key_lines = self._parsed
            document = DesignDocument(self.path, None, key_lines)  # type: ignore[arg-type]
            document.design = validate_data(data, document)
            return document
        return load_design_text(text, str(self.path))

    def _refuse_if_stale(self) -> None:
        try:
            current = self.path.read_bytes()
        except OSError:
            raise StaleDesignError(self.path) from None
        if _digest(current) != self.digest:
            raise StaleDesignError(self.path)

    def _baseline_text(self) -> str:
        if self._baseline is None:
            self._baseline = self._dump(self._yaml.load(self._text))
        return self._baseline

    def _dump(self, data: Any) -> str:
        buf = io.StringIO()
        self._yaml.dump(data, buf)
        return buf.getvalue()


def _part(where: _Where, key_path: KeyPath, n: int) -> Any:
    """``key_path[n]`` as seen from ``where.root`` (a region's first index starts at 0)."""
    part = key_path[n]
    return part - where.shift if n == where.drop and where.shift else part


# An alias whose anchor is outside a region cannot be read with the region alone: it is read as
# this placeholder scalar instead, and written back as the alias after the dump.
_ALIAS = re.compile(r"(?:(?<=: )|(?<=- )|(?<=[\[{,]))\*([^\s,\[\]{}]+)")
_ALIAS_MARK = re.compile(r"__designkit_alias__([^\s,\[\]{}]+)")


def _hide_aliases(text: str) -> str:
    anchors = set(re.findall(r"&([^\s,\[\]{}]+)", text))
    return _ALIAS.sub(lambda m: m.group(0) if m.group(1) in anchors else f"__designkit_alias__{m.group(1)}",
                      text)


def _match_aliases(alone: Any, expected: Any, found: dict[str, Any]) -> bool:
    """Record in ``found`` the value each placeholder in ``alone`` stands for in ``expected``."""
    if isinstance(alone, str) and (mark := _ALIAS_MARK.fullmatch(alone)):
        return found.setdefault(mark.group(1), expected) == expected
    if isinstance(alone, dict) and isinstance(expected, dict) and alone.keys() == expected.keys():
        return all(_match_aliases(v, expected[k], found) for k, v in alone.items())
    if isinstance(alone, list) and isinstance(expected, list) and len(alone) == len(expected):
        return all(_match_aliases(a, e, found) for a, e in zip(alone, expected, strict=True))
    return True       # any other difference shows in the comparison that follows


def _show_aliases(data: Any, aliased: dict[str, Any]) -> Any:
    """``data`` with each placeholder replaced by the value its alias stands for."""
    if not aliased:
        return data
    if isinstance(data, str) and (mark := _ALIAS_MARK.fullmatch(data)):
        return aliased[mark.group(1)]
    if isinstance(data, dict):
        return {k: _show_aliases(v, aliased) for k, v in data.items()}
    if isinstance(data, list):
        return [_show_aliases(v, aliased) for v in data]
    return data


def _reaches_alias(where: _Where, key_path: KeyPath) -> bool:
    """Whether the edit at ``key_path`` goes into (or replaces) a placeholder for an alias."""
    node = where.root
    for n in range(where.drop, len(key_path)):
        try:
            node = node[_part(where, key_path, n)]
        except (KeyError, IndexError, TypeError):
            return False
        if isinstance(node, str) and _ALIAS_MARK.fullmatch(node):
            return True
    return False


def _at(data: Any, key_path: KeyPath) -> Any:
    for part in key_path:
        data = data[part]
    return data


def _list_item_on(data: dict, key_path: KeyPath, op: str) -> tuple[KeyPath, int, bool] | None:
    """The outermost list item ``key_path`` goes through, as (list path, index, whether the edit
    changes the list's length); for an append to a list, its last item. None if there is none."""
    node: Any = data
    for n, part in enumerate(key_path):
        if isinstance(node, list):
            if not isinstance(part, int) or isinstance(part, bool):
                return None
            index = part + len(node) if part < 0 else part
            if not 0 <= index < len(node):
                return None
            return key_path[:n], index, op == "remove" and n == len(key_path) - 1
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    if op == "append" and isinstance(node, list) and node:
        return key_path, len(node) - 1, True
    return None


def _replace_region(data: Any, region: _Region, meaning: Any) -> Any:
    """``data`` (the fast loader's reading of the file) with the region's part replaced by what
    its new text means alone; None when that meaning is not the shape the region holds."""
    if region.first is None:
        if meaning is not None and not isinstance(meaning, dict):
            return None
        out = dict(data)
        out.pop(region.path[0], None)
        out.update(meaning or {})
        return out
    if meaning is not None and not isinstance(meaning, list):
        return None
    first, count = region.first, region.items

    def replaced(node: Any, path: KeyPath) -> Any:
        if not path:
            return node[:first] + (meaning or []) + node[first + count:]
        copy = dict(node) if isinstance(node, dict) else list(node)
        copy[path[0]] = replaced(node[path[0]], path[1:])
        return copy

    return replaced(data, region.path)


def _block(node: Any) -> bool:
    return isinstance(node, (CommentedMap, CommentedSeq)) and len(node) > 0 and not node.fa.flow_style()


def _take_trailing(node: Any) -> str | None:
    """Detach the blank lines / full-line comments that follow the last value inside ``node``.

    ruamel keeps what separates a block from the next key on the block's deepest last value (or
    on a list's end); an item appended after it would land below that gap. Returns the detached
    lines' text; an end-of-line comment stays where it is.
    """
    if not _block(node):
        return None
    if isinstance(node, CommentedSeq) and node.ca.end:
        text = "".join(t.value for t in node.ca.end if t is not None)
        node.ca.end = []
        return text or None
    last = list(node)[-1] if isinstance(node, CommentedMap) else len(node) - 1
    child = node[last]
    if _block(child):
        return _take_trailing(child)
    slot = 2 if isinstance(node, CommentedMap) else 0
    entry = node.ca.items.get(last)
    if not entry or entry[slot] is None:
        return None
    token = entry[slot]
    head, _, rest = token.value.partition("\n")   # head: an end-of-line comment, if any
    if not rest:
        return None
    if head.strip():
        entry[slot] = CommentToken(head + "\n", token.start_mark, None)
    else:
        entry[slot] = None
    return rest


def _put_trailing(node: Any, text: str | None) -> None:
    """Put lines taken by :func:`_take_trailing` after the last value inside ``node``."""
    if not text or not _block(node):
        return
    last = list(node)[-1] if isinstance(node, CommentedMap) else len(node) - 1
    child = node[last]
    if _block(child):
        _put_trailing(child, text)
        return
    slot = 2 if isinstance(node, CommentedMap) else 0
    entry = node.ca.items.setdefault(last, [None, None, None, None])
    if entry[slot] is not None:
        head = entry[slot].value.partition("\n")[0]
        entry[slot] = CommentToken(head + "\n" + text, entry[slot].start_mark, None)
    else:
        entry[slot] = CommentToken("\n" + text, CommentMark(0), None)


def _copy_flow(node: Any, like: Any) -> None:
    if isinstance(like, (CommentedMap, CommentedSeq)) and like.fa.flow_style():
        node.fa.set_flow_style()


def _splice(original: str, baseline: str, edited: str) -> str:
    """Apply the edit (baseline -> edited) to the original text, keeping its own formatting.

    ``baseline`` is ruamel's rendering of the unedited file; where it differs from ``original``
    only in formatting, those original lines are kept unless the edit touches them.
    """
    orig = original.splitlines(keepends=True)
    base = baseline.splitlines(keepends=True)
    new = edited.splitlines(keepends=True)
    to_orig = difflib.SequenceMatcher(None, base, orig, autojunk=False).get_opcodes()

    def original_for(i1: int, i2: int) -> list[str]:
        out: list[str] = []
        for tag, a1, a2, o1, o2 in to_orig:
            if tag == "insert":           # original lines ruamel did not reproduce
                if i1 <= a1 < i2 or a1 == i2 == len(base):
                    out.extend(orig[o1:o2])
                continue
            lo, hi = max(a1, i1), min(a2, i2)
            if lo >= hi:
                continue
            if tag == "equal":
                out.extend(orig[o1 + lo - a1: o1 + hi - a1])
            elif lo == a1 and hi == a2:   # a whole reformatted block, untouched by the edit
                out.extend(orig[o1:o2])
            else:
                out.extend(base[lo:hi])
        return out

    result: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, base, new, autojunk=False).get_opcodes():
        result.extend(original_for(i1, i2) if tag == "equal" else new[j1:j2])
    return "".join(result)


def _same_meaning(a: str, b: str) -> bool:
    try:
        return yaml.load(a, Loader=_SafeLoader) == yaml.load(b, Loader=_SafeLoader)
    except yaml.YAMLError:
        return False


def edit_design(path: str | Path, edits: list[tuple[str, KeyPath, Any]], *,
                digest: str | None = None) -> DesignDocument | None:
    """Apply ``[("set"|"append"|"remove", key_path, value), ...]`` and save, all or nothing."""
    return DesignEditor.open(path, digest=digest).apply(edits).save()


__all__ = ["DesignEditor", "edit_design", "to_plain"]
