"""The whole-file path: the design's full round-trip tree, and keeping the user's formatting.

Edits applied here go through ruamel.yaml's round-trip form of the whole file, so comments, key
order, quoting and flow-style mappings survive them. Where ruamel would reformat something the
user wrote (an unusual indent, a folded plain scalar), only the edited lines take ruamel's form:
the rest is spliced back from the original text (:func:`merge_formatting`), and the splice is
checked to mean exactly what ruamel wrote. The region path (:mod:`.regions`) uses the same
splice on its one region.
"""

from __future__ import annotations

import difflib
import io
import re
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import MarkedYAMLError

from ..errors import DesignFileError
from ..loader import KeyPath, load_design_text
from .tree import Where

_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def guess_indent(text: str) -> tuple[int, int, int]:
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


def new_yaml(text: str) -> YAML:
    """A round-trip YAML instance that writes with the indentation ``text`` uses."""
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 1_000_000          # never re-wrap a long line the user wrote on one line
    y.default_flow_style = False
    y.allow_unicode = True
    mapping, sequence, offset = guess_indent(text)
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    return y


def dump(y: YAML, data: Any) -> str:
    buf = io.StringIO()
    y.dump(data, buf)
    return buf.getvalue()


def load_tree(y: YAML, text: str, file: str) -> CommentedMap:
    """The round-trip tree of ``text``; what ruamel refuses is a DesignFileError with its line."""
    try:
        tree = y.load(text)
    except Exception as exc:  # noqa: BLE001 - ruamel's errors are not user-readable
        load_design_text(text, file)      # the loader's own message, when it refuses too
        raise _located(exc, file) from None
    if not isinstance(tree, CommentedMap):
        load_design_text(text, file)      # raises the loader's message
        raise DesignFileError.single(file, "the top level is not a mapping", line=1)
    return tree


def _located(exc: Exception, file: str) -> DesignFileError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    if isinstance(exc, MarkedYAMLError) and "single document" in str(exc.context or ""):
        return DesignFileError.single(
            file, "the file holds more than one YAML document (another '---' starts here)",
            line=line, fix="keep one design per file: remove the second document or move it "
                           "to its own file")
    problem = " ".join(str(x) for x in (getattr(exc, "context", None), getattr(exc, "problem", None)) if x)
    return DesignFileError.single(file, f"cannot be edited as YAML: {problem or exc}", line=line,
                                  fix="fix the YAML at that line, then edit again")


class WholeFilePath:
    """The whole file's round-trip tree; ``render`` gives its text with the user's formatting."""

    def __init__(self, y: YAML, text: str, file: str):
        self.yaml, self.file = y, file
        self.tree = load_tree(y, text, file)
        self.rebase(text)

    def rebase(self, text: str) -> None:
        """``text`` is now what is on disk, and the tree (edits included) means it."""
        self.text = text
        self._baseline: str | None = None     # ruamel's rendering of the unedited tree
        self._edited = False

    def where(self, key_path: KeyPath, op: str) -> tuple[Where, KeyPath]:
        if not self._edited:
            # ruamel's rendering of the unedited tree, kept to tell its reformatting from the edit
            self._baseline = dump(self.yaml, self.tree)
            self._edited = True
        return Where(self.tree), key_path

    def render(self) -> str:
        if self._baseline is None:
            self._baseline = dump(self.yaml, load_tree(self.yaml, self.text, self.file))
        return merge_formatting(self.text, self._baseline, dump(self.yaml, self.tree))


def merge_formatting(original: str, baseline: str, edited: str) -> str:
    """``edited`` with the lines the edit did not touch taken from ``original``, when that means
    the same; ``baseline`` is ruamel's rendering of ``original`` unedited."""
    if baseline == original:
        return edited                     # ruamel reproduces the text exactly: nothing to splice
    merged = _splice(original, baseline, edited)
    return merged if _same_meaning(merged, edited) else edited


def _splice(original: str, baseline: str, edited: str) -> str:
    """Apply the edit (baseline -> edited) to the original text, keeping its own formatting.

    Where ``baseline`` differs from ``original`` only in formatting, those original lines are
    kept unless the edit touches them.
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


__all__ = ["WholeFilePath", "dump", "load_tree", "merge_formatting", "new_yaml"]
