"""The fast path: edit one region of the file, round-tripped on its own, and splice it back.

ruamel is pure Python: loading and dumping a whole 1,000-endpoint design takes seconds, one
endpoint a millisecond. So an edit is applied to a *region* cut out of the text by line range,
found with the fast loader's line map: the list item the key path goes through
(``api.endpoints[412]``; the last item, for an append), else the top-level section
(``scope``). The region is round-tripped on its own and its new text replaced in the file; every
other line stays byte for byte. A region is used only when it provably stands alone: its text
alone must read as exactly its part of the file, and after the edit the whole new text must read
as the old data with that part replaced. When that cannot be shown, :meth:`RegionPath.where` or
:meth:`RegionPath.render` answer None and the editor takes the whole-file path
(:mod:`.wholefile`), which gives the same result more slowly.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..errors import DesignFileError
from ..loader import KeyPath, parse_yaml
from .tree import Where, part
from .wholefile import dump, merge_formatting

# An alias whose anchor is outside a region cannot be read with the region alone: it is read as
# this placeholder scalar instead, and written back as the alias after the dump.
_ALIAS = re.compile(r"(?:(?<=: )|(?<=- )|(?<=[\[{,]))\*([^\s,\[\]{}]+)")
_ALIAS_MARK = re.compile(r"__designkit_alias__([^\s,\[\]{}]+)")


class Region:
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


class RegionPath:
    """Regions of ``text`` (LF line ends), given the fast loader's ``plain`` data and line map."""

    def __init__(self, text: str, plain: dict, key_lines: dict, yaml: YAML, file: str):
        self.lines = text.splitlines(keepends=True)
        self.plain, self.key_lines, self.yaml, self.file = plain, key_lines, yaml, file
        self.regions: list[Region] = []
        self.parsed: tuple[str, Any, dict] | None = None    # the last render, as the loader read it
        self._seq_column: int | None = None

    def where(self, key_path: KeyPath, op: str) -> tuple[Where, KeyPath] | None:
        """Where the edit ``op`` at ``key_path`` lands (with a negative list index made
        positive), or None when no region can take it alone."""
        data = self.plain
        if not key_path or not isinstance(key_path[0], str) or key_path[0] not in data:
            return None                   # e.g. a new section: the model decides where it goes
        section = key_path[0]
        for region in self.regions:
            if region.first is None and region.path[0] == section:
                return _unless_alias(Where(region.root), key_path)
        item = _list_item_on(data, key_path, op)
        if item is not None:
            list_path, index, structural = item
            if op != "append":
                key_path = list_path + (index,) + key_path[len(list_path) + 1:]
            same_list = [r for r in self.regions if r.first is not None and r.path == list_path]
            region = next((r for r in same_list if r.first == index), None)
            # Once a list's length changed, indexes past the change no longer match the file's:
            # only more appends to the same tail stay in a region; the rest takes the whole tree.
            if region is not None and region.structural == "append" and op == "append":
                pass
            elif any(r.structural for r in same_list) or (structural and same_list):
                return None
            if region is None:
                region = self._cut(list_path, index)
                if region is not None:
                    self.regions.append(region)
            if region is not None:
                found = _unless_alias(Where(region.root, len(list_path), index), key_path)
                if found is None:
                    return None   # the whole tree edits the aliased value, as ruamel would
                region.structural = region.structural or (op if structural else "")
                return found
        # the whole section, unless some of its items are regions already (they would overlap)
        if any(r.path[0] == section for r in self.regions):
            return None
        region = self._cut((section,), None)
        if region is None:
            return None
        self.regions.append(region)
        return _unless_alias(Where(region.root), key_path)

    def _cut(self, path: KeyPath, first: int | None) -> Region | None:
        """Cut the section ``path`` (``first`` None) or list item ``path[first]`` out of the
        text and round-trip it alone; None when it does not stand alone."""
        line = self.key_lines.get(path if first is None else path + (first,))
        if not line:
            return None
        lines = self.lines
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
            expected: Any = {path[0]: self.plain[path[0]]}
        else:
            expected = [_at(self.plain, path)[first]]
        try:
            root = self.yaml.load(text)
            alone = parse_yaml(text, self.file)[0]
        except Exception:  # noqa: BLE001 - e.g. a merge key (<<) on an alias: not for a region
            return None
        aliased: dict[str, Any] = {}
        if not _match_aliases(alone, expected, aliased) or _show_aliases(alone, aliased) != expected:
            return None
        if not isinstance(root, CommentedMap if first is None else CommentedSeq) or len(root) != 1:
            return None
        return Region(path, first, start, end, shift, text, root, dump(self.yaml, root), aliased)

    def _root_seq_column(self) -> int:
        """The column ruamel writes a top-level list's dashes at (its sequence offset)."""
        if self._seq_column is None:
            probe = dump(self.yaml, CommentedSeq([CommentedMap(a=1)]))
            self._seq_column = len(probe) - len(probe.lstrip(" "))
        return self._seq_column

    def render(self) -> str | None:
        """The text with each edited region's new text in place of its lines, or None when the
        result does not read as the old data with exactly those parts replaced."""
        lines = list(self.lines)
        expected: Any = self.plain
        for region in sorted(self.regions, key=lambda r: r.start, reverse=True):
            edited = dump(self.yaml, region.root) if len(region.root) else ""
            if edited == region.baseline:
                continue                  # looked at, or edited back to what it was
            block = merge_formatting(region.text, region.baseline, edited)
            try:
                meaning = _show_aliases(parse_yaml(block, self.file)[0], region.aliased) if block else None
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
            data, key_lines = parse_yaml(text, self.file)
        except DesignFileError:
            return None
        if data != expected:
            return None
        self.parsed = (text, data, key_lines)      # reused as the outline after the save
        return text


def _unless_alias(where: Where, key_path: KeyPath) -> tuple[Where, KeyPath] | None:
    """``(where, key_path)``, or None when the edit goes into (or replaces) a placeholder for an
    alias whose anchor is outside the region."""
    node = where.root
    for n in range(where.drop, len(key_path)):
        try:
            node = node[part(where, key_path, n)]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, str) and _ALIAS_MARK.fullmatch(node):
            return None
    return where, key_path


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


def _at(data: Any, key_path: KeyPath) -> Any:
    for key in key_path:
        data = data[key]
    return data


def _list_item_on(data: dict, key_path: KeyPath, op: str) -> tuple[KeyPath, int, bool] | None:
    """The outermost list item ``key_path`` goes through, as (list path, index, whether the edit
    changes the list's length); for an append to a list, its last item. None if there is none."""
    node: Any = data
    for n, key in enumerate(key_path):
        if isinstance(node, list):
            if not isinstance(key, int) or isinstance(key, bool):
                return None
            index = key + len(node) if key < 0 else key
            if not 0 <= index < len(node):
                return None
            return key_path[:n], index, op == "remove" and n == len(key_path) - 1
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    if op == "append" and isinstance(node, list) and node:
        return key_path, len(node) - 1, True
    return None


def _replace_region(data: Any, region: Region, meaning: Any) -> Any:
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


__all__ = ["Region", "RegionPath"]
