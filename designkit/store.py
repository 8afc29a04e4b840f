"""Edit a design file in place and save it safely: comments kept, nothing lost, nothing invalid.

The editor holds the file in ruamel.yaml's round-trip form, so comments, key order, quoting and
flow-style mappings (``{name: id, type: uuid}``) survive an edit. Edits are addressed by key
path tuples, the same ones the loader and the findings use: ``('api', 'endpoints', 0, 'auth')``.

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

This module is part of the core: it imports no Jupyter, widget or CLI library.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import io
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

from .errors import DesignFileError, StaleDesignError
from .loader import (
    DesignDocument,
    KeyPath,
    format_key_path,
    load_design_text,
    model_fields_at,
    read_text,
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


class DesignEditor:
    """A design file opened for editing; ``save()`` writes it back atomically and only if valid."""

    def __init__(self, path: Path, raw: bytes, text: str, *, digest: str | None = None):
        self.path = Path(path)
        self.digest = digest or _digest(raw)
        self._bom = raw.startswith(_BOM)
        self._newline = "\r\n" if "\r\n" in text else "\n"
        self._text = text.replace("\r\n", "\n")      # what is on disk (as loaded), LF only
        self._yaml = _new_yaml(_guess_indent(self._text))
        try:
            self.data = self._yaml.load(self._text)
        except Exception:  # noqa: BLE001 - ruamel's errors are not user-readable: let the loader say it
            load_design_text(self._text, str(self.path))
            raise
        if not isinstance(self.data, CommentedMap):
            load_design_text(self._text, str(self.path))      # raises the loader's message
            raise DesignFileError.single(str(self.path), "the top level is not a mapping", line=1)
        self._baseline: str | None = None     # ruamel's rendering of the unedited file, lazily
        self._changed = False

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

    def get(self, key_path: KeyPath, default: Any = None) -> Any:
        """The plain value at ``key_path``, or ``default`` when some part of it is absent."""
        node: Any = self.data
        for part in key_path:
            try:
                node = node[part]
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
        self._before_edit()
        parent = self._container(key_path[:-1], create=True)
        key = key_path[-1]
        old = self._child(parent, key_path)
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
        self._before_edit()
        seq = self._container(key_path, create=True, want_list=True)
        if not isinstance(seq, CommentedSeq):
            raise DesignFileError.single(str(self.path), "is not a list, cannot append to it",
                                         key_path=format_key_path(key_path),
                                         fix="check the key path")
        like = seq[-1] if len(seq) else _MISSING
        gap = _take_trailing(seq)       # the blank line or comment closing the list stays last
        seq.append(self._node(value, like=like))
        _put_trailing(seq, gap)
        self._changed = True
        return len(seq) - 1

    def remove(self, key_path: KeyPath, *, missing_ok: bool = False) -> None:
        """Remove a mapping key or a list item; a missing key is an error unless ``missing_ok``."""
        key_path = tuple(key_path)
        self._before_edit()
        try:
            parent = self._container(key_path[:-1], create=False)
        except KeyError:
            if missing_ok:
                return
            raise
        key = key_path[-1]
        if self._child(parent, key_path) is _MISSING:
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

    def _before_edit(self) -> None:
        # ruamel's rendering of the unedited tree, kept to tell its reformatting from the edit
        if self._baseline is None and not self._changed:
            self._baseline = self._dump(self.data)

    def _child(self, parent: Any, key_path: KeyPath) -> Any:
        key = key_path[-1]
        if isinstance(parent, CommentedSeq):
            idx = self._index(parent, key, key_path)
            return parent[idx]
        return parent.get(key, _MISSING)

    def _index(self, seq: CommentedSeq, key: Any, key_path: KeyPath) -> int:
        if not isinstance(key, int) or isinstance(key, bool):
            raise KeyError(f"{format_key_path(key_path)}: a list is indexed by a number")
        idx = key + len(seq) if key < 0 else key
        if not 0 <= idx < len(seq):
            raise KeyError(f"{format_key_path(key_path)}: no item {key} (the list has {len(seq)})")
        return idx

    def _container(self, key_path: KeyPath, *, create: bool, want_list: bool = False) -> Any:
        node: Any = self.data
        for n, part in enumerate(key_path):
            if isinstance(node, CommentedSeq):
                if create and part == len(node) and n < len(key_path) - 1:
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
                last = n == len(key_path) - 1
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

    # ------------------------------------------------------------------ checking and saving

    def render(self) -> str:
        """The file's text as it would be saved (LF line endings)."""
        if not self._changed:
            return self._text
        edited = self._dump(self.data)
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
        self._text, self._baseline, self._changed = text, None, False
        return document

    def _check(self, text: str) -> DesignDocument:
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


def atomic_write(path: str | Path, payload: bytes) -> None:
    """Replace ``path`` with ``payload`` so that readers see the old file or the new, never half.

    The bytes go to a temporary file in the same folder (same file system, so the rename is
    atomic), are flushed to disk, take the old file's permissions, and ``os.replace`` swaps them in.
    """
    path = Path(path)
    folder = path.parent
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        except FileNotFoundError:
            pass
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:        # make the rename itself durable; not every platform lets a folder be opened
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


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
    editor = DesignEditor.open(path, digest=digest)
    for op, key_path, value in edits:
        if op == "set":
            editor.set(key_path, value)
        elif op == "append":
            editor.append(key_path, value)
        elif op == "remove":
            editor.remove(key_path)
        else:
            raise ValueError(f"unknown edit {op!r}; use set, append or remove")
    return editor.save()


__all__ = ["DesignEditor", "atomic_write", "edit_design", "to_plain"]
