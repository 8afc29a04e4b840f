"""Applying one typed edit to a ruamel round-trip tree: the whole file's, or one region's.

:func:`apply_edit` is the only place an edit changes a tree. It walks from a :class:`Where` (a
root and how the key path maps into it), keeps blank lines and comments that close a block in
place, puts a new key where the model lists it, and copies flow style from the node a new value
replaces or joins. An edit that goes through an alias (``rate_limit: *shared``) changes only that
place: the aliased node is copied there first, so the anchored original and its other aliases
keep their value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from pydantic import BaseModel
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

from ..errors import EditError
from ..keypath import KeyPath, format_key_path
from ..problems import model_fields_at
from .edits import Append, Edit, Set, to_plain


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


class Where(NamedTuple):
    """Where an edit lands: ``key_path[drop:]`` is the path inside ``root``, and the part at
    ``drop`` (a list index, for a region of list items) is shifted down by ``shift``."""

    root: Any
    drop: int = 0
    shift: int = 0


class Outcome(NamedTuple):
    changed: bool          # the tree differs from before (a created parent counts)
    index: int | None = None     # for an append: the new item's index in its list


def part(where: Where, key_path: KeyPath, n: int) -> Any:
    """``key_path[n]`` as seen from ``where.root`` (a region's first index starts at 0)."""
    key = key_path[n]
    return key - where.shift if n == where.drop and where.shift else key


def get_at(where: Where, key_path: KeyPath, default: Any = None) -> Any:
    """The plain value at ``key_path``, or ``default`` when some part of it is absent."""
    node: Any = where.root
    for n in range(where.drop, len(key_path)):
        try:
            node = node[part(where, key_path, n)]
        except (KeyError, IndexError, TypeError):
            return default
    return to_plain(node)


def apply_edit(where: Where, edit: Edit) -> Outcome:
    """Apply ``edit`` (its key path already normalised for ``where``) to the tree at ``where``."""
    if isinstance(edit, Set):
        return _set(where, edit.key_path, edit.value)
    if isinstance(edit, Append):
        return _append(where, edit.key_path, edit.value)
    return _remove(where, edit.key_path, edit.missing_ok)


def _set(where: Where, key_path: KeyPath, value: Any) -> Outcome:
    walk = _Walk(where, key_path)
    parent = walk.container(len(key_path) - 1, create=True)
    key = part(where, key_path, len(key_path) - 1)
    old = _child(parent, key, key_path)
    new = make_node(value, like=old)
    if old is not MISSING and to_plain(old) == to_plain(new) and type(to_plain(old)) is type(to_plain(new)):
        return Outcome(walk.changed)   # same value: keep the original node (and its quoting)
    if isinstance(parent, CommentedSeq):
        idx = _index(parent, key, key_path)
        gap = _take_trailing(parent) if idx == len(parent) - 1 else None
        parent[idx] = new
        _put_trailing(parent, gap)
    elif old is not MISSING:
        gap = _take_trailing(parent) if key == list(parent)[-1] else None
        parent[key] = new
        _put_trailing(parent, gap)
    else:
        _insert_key(parent, key_path, new)
    return Outcome(True)


def _insert_key(parent: CommentedMap, key_path: KeyPath, node: Any) -> None:
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


def _append(where: Where, key_path: KeyPath, value: Any) -> Outcome:
    walk = _Walk(where, key_path)
    seq = walk.container(len(key_path), create=True, want_list=True)
    if not isinstance(seq, CommentedSeq):
        raise EditError(f"{format_key_path(key_path)} is not a list, cannot append to it")
    like = seq[-1] if len(seq) else MISSING
    gap = _take_trailing(seq)       # the blank line or comment closing the list stays last
    seq.append(make_node(value, like=like))
    _put_trailing(seq, gap)
    # the list's own index: a region holding the list's tail starts at item `shift`
    return Outcome(True, len(seq) - 1 + (where.shift if where.drop == len(key_path) else 0))


def _remove(where: Where, key_path: KeyPath, missing_ok: bool) -> Outcome:
    walk = _Walk(where, key_path)
    try:
        parent = walk.container(len(key_path) - 1, create=False)
        key = part(where, key_path, len(key_path) - 1)
        if _child(parent, key, key_path) is MISSING:
            raise EditError(f"{format_key_path(key_path)}: not in the design")
    except EditError:
        if missing_ok:
            return Outcome(False)
        raise
    keys = list(parent) if isinstance(parent, CommentedMap) else None
    if keys is None:
        key = _index(parent, key, key_path)
    pos = keys.index(key) if keys is not None else key
    last = pos == len(parent) - 1
    # the comments after the removed value belong to what follows it: they stay
    gap = _take_trailing(parent) if last else _take_after(parent, key)
    before = _take_before(parent, key) if keys is None else None
    del parent[key]            # (ruamel shifts a list's item comments down by one itself)
    if before and not last:
        _put_before(parent, key, before)
    elif before:
        gap = (gap or "") + "".join(t.value for t in before)
    if not len(parent):
        # an emptied block would be written as a key with a dangling `[]`: write `key: []`,
        # drop the comments that were about its items, and keep what followed it after it
        parent.ca.items.clear()
        parent.ca.comment, parent.ca.end = None, []
        parent.fa.set_flow_style()
        if len(key_path) - 2 >= where.drop:
            grand = walk.container(len(key_path) - 2, create=False)
            name = part(where, key_path, len(key_path) - 2)
            entry = grand.ca.items.get(name) if isinstance(grand, CommentedMap) else None
            if entry and entry[3]:
                # comments that stood above its first item (ruamel keeps them on the key): written
                # between `key:` and `[]` they broke the next key's line (`validation: ci_hooks:`)
                entry[3] = None
            _put_after(grand, name, gap)
    elif last:
        _put_trailing(parent, gap)
    elif pos > 0:
        _put_after(parent, keys[pos - 1] if keys is not None else pos - 1, gap)
    else:
        _put_before_first(parent, gap)
    return Outcome(True)


def _child(parent: Any, key: Any, key_path: KeyPath) -> Any:
    if isinstance(parent, CommentedSeq):
        return parent[_index(parent, key, key_path)]
    if not isinstance(parent, CommentedMap):
        raise EditError(f"{format_key_path(key_path[:-1])} is not a mapping or a list")
    return parent.get(key, MISSING)


def _index(seq: CommentedSeq, key: Any, key_path: KeyPath) -> int:
    if not isinstance(key, int) or isinstance(key, bool):
        raise EditError(f"{format_key_path(key_path)}: a list is indexed by a number")
    idx = key + len(seq) if key < 0 else key
    if not 0 <= idx < len(seq):
        raise EditError(f"{format_key_path(key_path)}: no item {key} (the list has {len(seq)})")
    return idx


class _Walk:
    """Walks ``key_path`` from ``where``, creating parents and un-sharing aliases as it goes."""

    def __init__(self, where: Where, key_path: KeyPath):
        self.where, self.key_path, self.changed = where, key_path, False

    def container(self, depth: int, *, create: bool, want_list: bool = False) -> Any:
        """The node at ``key_path[:depth]``."""
        where, key_path = self.where, self.key_path
        node: Any = where.root
        trail: list[tuple[Any, Any]] = []       # (container, key) steps taken from the root
        for n in range(where.drop, depth):
            key = part(where, key_path, n)
            if isinstance(node, CommentedSeq):
                if create and key == len(node) and n < depth - 1:
                    node.append(CommentedMap())   # e.g. responses[0].status on an empty list
                    self.changed = True
                key = _index(node, key, key_path[: n + 1])
                child = node[key]
            elif isinstance(node, CommentedMap):
                child = node.get(key)
                if child is None:
                    if not create:
                        raise EditError(f"{format_key_path(key_path[: n + 1])}: not in the design")
                    last = n == depth - 1
                    child = CommentedSeq() if (last and want_list) else CommentedMap()
                    node[key] = child
                    self.changed = True
            else:
                raise EditError(f"{format_key_path(key_path[:n])} is not a mapping or a list")
            trail.append((node, key))
            if _anchored(child) and not _is_first_place(where.root, child, trail):
                child = make_node(to_plain(child), like=child)   # edit this place only
                node[key] = child
            node = child
        return node


def _anchored(node: Any) -> bool:
    return isinstance(node, (CommentedMap, CommentedSeq)) and node.yaml_anchor() is not None


def _is_first_place(root: Any, target: Any, trail: list[tuple[Any, Any]]) -> bool:
    """Whether ``trail`` (the steps from ``root``) is where ``target`` first occurs in document
    order: YAML puts an anchor before its aliases, so any later place is an alias."""
    steps = iter(trail)

    def first(node: Any) -> list | None:
        if node is target:
            return []
        items = node.items() if isinstance(node, CommentedMap) else \
            enumerate(node) if isinstance(node, CommentedSeq) else ()
        for key, child in items:
            found = first(child) if isinstance(child, (CommentedMap, CommentedSeq)) else None
            if found is not None:
                return [(id(node), key), *found]
        return None

    found = first(root)
    return found is not None and found == [(id(c), k) for c, k in steps]


def make_node(value: Any, like: Any = MISSING) -> Any:
    """Turn plain data into ruamel nodes, taking flow style from the node it replaces/joins."""
    if isinstance(value, BaseModel):
        value = to_plain(value)
    if isinstance(value, Mapping):
        out = CommentedMap()
        for k, v in value.items():
            if v is None:
                continue
            sub = like.get(k) if isinstance(like, CommentedMap) else None
            out[k] = make_node(v, like=sub)
        _copy_flow(out, like)
        return out
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        out_seq = CommentedSeq()
        first = like[0] if isinstance(like, CommentedSeq) and len(like) else None
        for v in value:
            out_seq.append(make_node(v, like=first))
        _copy_flow(out_seq, like)
        return out_seq
    if value is not None and not isinstance(value, (str, int, float, dt.date)):
        raise EditError(f"a {type(value).__name__} cannot be written to a design file; "
                        "give text, a number, true/false, a date, a list or a mapping")
    return value


def _copy_flow(node: Any, like: Any) -> None:
    if isinstance(like, (CommentedMap, CommentedSeq)) and like.fa.flow_style():
        node.fa.set_flow_style()


def _block(node: Any) -> bool:
    return isinstance(node, (CommentedMap, CommentedSeq)) and len(node) > 0 and not node.fa.flow_style()


def _last(node: Any) -> Any:
    return list(node)[-1] if isinstance(node, CommentedMap) else len(node) - 1


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
    return _take_after(node, _last(node))


def _take_after(node: Any, key: Any) -> str | None:
    """Detach the blank lines / full-line comments between ``node[key]`` and what follows it."""
    child = node[key]
    if _block(child):
        return _take_trailing(child)
    slot = 2 if isinstance(node, CommentedMap) else 0
    entry = node.ca.items.get(key)
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
    _put_after(node, _last(node), text)


def _put_after(node: Any, key: Any, text: str | None) -> None:
    """Put lines taken by :func:`_take_after` after the value ``node[key]``."""
    if not text:
        return
    child = node[key]
    if _block(child):
        _put_trailing(child, text)
        return
    slot = 2 if isinstance(node, CommentedMap) else 0
    entry = node.ca.items.setdefault(key, [None, None, None, None])
    if entry[slot] is not None:          # an end-of-line comment, maybe lines after it: keep all
        kept = entry[slot].value if entry[slot].value.endswith("\n") else entry[slot].value + "\n"
        entry[slot] = CommentToken(kept + text, entry[slot].start_mark, None)
    else:
        entry[slot] = CommentToken("\n" + text, CommentMark(0), None)


def _take_before(seq: CommentedSeq, idx: int) -> list | None:
    """Detach the full-line comments ruamel keeps before list item ``idx``."""
    entry = seq.ca.items.get(idx)
    if not entry or not entry[1]:
        return None
    tokens, entry[1] = entry[1], None
    return tokens


def _put_before(seq: CommentedSeq, idx: int, tokens: list) -> None:
    """Put comments taken by :func:`_take_before` before list item ``idx``, ahead of its own."""
    entry = seq.ca.items.setdefault(idx, [None, None, None, None])
    entry[1] = tokens + (entry[1] or [])


def _put_before_first(node: Any, text: str | None) -> None:
    """Put lines taken by :func:`_take_after` before the first value of ``node``."""
    if not text:
        return
    if node.ca.comment is None:
        node.ca.comment = [None, []]
    if node.ca.comment[1] is None:
        node.ca.comment[1] = []
    node.ca.comment[1].append(CommentToken(text, CommentMark(0), None))


__all__ = ["MISSING", "Outcome", "Where", "apply_edit", "get_at", "make_node", "part"]
