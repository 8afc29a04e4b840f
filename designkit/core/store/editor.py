"""The design-file editor: typed edits in, one replay loop, a safe save out.

An editor applies each edit (:mod:`.edits`) where it can be applied cheaply and provably: in a
region of the file (:mod:`.regions`) while one stands alone, else in the whole file's
round-trip tree (:mod:`.wholefile`). Both paths answer the same two questions, ``where`` (the
tree and key path an edit lands in, or None) and ``render`` (the new text, or None), and the
edit itself is applied by one function (:func:`.tree.apply_edit`). Moving to the whole file
replays the edits made so far through the same loop as :meth:`DesignEditor.apply`.

Saving guarantees, in order:

1. nothing changed -> no write at all, so the file stays byte-identical;
2. the edited text is read back by the loader itself -> an invalid value raises the loader's
   own :class:`DesignFileError` (file, line, key path, fix) and nothing is written;
3. under an exclusive lock (:mod:`.saving`): the file changed on disk since it was opened ->
   :class:`StaleDesignError`, nothing written; else the new bytes go to a temporary file in the
   same folder, are fsynced, and ``os.replace`` swaps it in: a crash at any moment leaves the
   old file or the new one, never half of one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import DesignFileError
from ..loader import DesignDocument, KeyPath, load_design_text, parse_yaml, read_text, validate_data
from ..model import Design
from .edits import Append, Edit, Remove, Set, as_edit
from .regions import RegionPath
from .saving import digest as sha256
from .saving import refuse_if_stale, restore_line_ends, write_design
from .tree import apply_edit, get_at
from .wholefile import WholeFilePath, new_yaml

_BOM = b"\xef\xbb\xbf"


class DesignEditor:
    """A design file opened for editing; ``save()`` writes it back atomically and only if valid.

    ``regions=False`` always edits the whole file's tree (slower; the same result).
    """

    def __init__(self, path: Path, raw: bytes, text: str, *, digest: str | None = None,
                 regions: bool = True):
        self.path = Path(path)
        self.digest = digest or sha256(raw)
        self._bom = raw.startswith(_BOM)
        self._raw_text = text                    # as on disk, line ends included
        lf = text.replace("\r\n", "\n")
        self._yaml = new_yaml(lf)
        self._use_regions = regions
        self._whole: WholeFilePath | None = None
        self._parsed: tuple[str, Any, dict] | None = None
        self._reset(lf)
        if self._regions is None and self._whole is None:
            self._whole_path()    # the fast loader cannot read it: ruamel and the loader say why

    def _reset(self, text: str) -> None:
        """Start over from ``text`` (the file as on disk, LF only): no regions, no edits."""
        self._text = text
        self._edits: list[Edit] = []          # replayed if the whole tree is needed
        self._changed = False
        if self._whole is not None:           # a whole tree, if built, stays: it holds the edits
            self._whole.rebase(text)
            self._regions: RegionPath | None = None
            return
        if self._parsed is not None and self._parsed[0] is text:
            _, plain, key_lines = self._parsed
        else:
            try:
                plain, key_lines = parse_yaml(text, str(self.path))
            except DesignFileError:
                plain, key_lines = None, {}
        self._regions = (RegionPath(text, plain, key_lines, self._yaml, str(self.path))
                         if self._use_regions and isinstance(plain, dict) else None)
        self._plain = plain if isinstance(plain, dict) else None

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: str | Path, *, digest: str | None = None, regions: bool = True) -> DesignEditor:
        """Open ``path`` for editing.

        Pass ``digest`` (a ``DesignDocument.digest``) when the edits are based on a design loaded
        earlier: a save then refuses if the file changed since *that* load, not just since now.
        """
        text, raw = read_text(path)
        return cls(Path(path), raw, text, digest=digest, regions=regions)

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
    def mode(self) -> str:
        """``"regions"`` while every edit so far stayed in regions, else ``"whole file"``."""
        return "whole file" if self._whole is not None else "regions"

    @property
    def edits(self) -> tuple[Edit, ...]:
        """The edits applied since opening (or since the last save), in order."""
        return tuple(self._edits)

    @property
    def data(self) -> Any:
        """The whole file's round-trip tree, edits included (slow to build on a large design)."""
        return self._whole_path().tree

    def get(self, key_path: KeyPath, default: Any = None) -> Any:
        """The plain value at ``key_path``, or ``default`` when some part of it is absent."""
        key_path = tuple(key_path)
        if key_path and self._whole is None and self._plain is not None and key_path[0] not in self._plain:
            return default
        where, key_path = self._where(key_path, "get")
        return get_at(where, key_path, default)

    def set(self, key_path: KeyPath, value: Any) -> None:
        """Set the value at ``key_path``, creating missing mappings on the way.

        ``None`` removes a mapping key (an empty form field means "not decided").
        """
        self.edit(Set(key_path, value))

    def append(self, key_path: KeyPath, value: Any) -> int:
        """Append ``value`` to the list at ``key_path`` (created if absent); returns its index."""
        return self.edit(Append(key_path, value))  # type: ignore[return-value]

    def remove(self, key_path: KeyPath, *, missing_ok: bool = False) -> None:
        """Remove a mapping key or a list item; a missing key is an error unless ``missing_ok``."""
        self.edit(Remove(key_path, missing_ok))

    def apply(self, edits: Iterable[Any]) -> DesignEditor:
        """Apply edits in order (``Set``/``Append``/``Remove``, or ``(op, key_path, value)``
        tuples); returns self."""
        self._replay(as_edit(e) for e in edits)
        return self

    def _replay(self, edits: Iterable[Edit]) -> None:
        for edit in edits:
            self.edit(edit)

    def edit(self, edit: Edit) -> int | None:
        """Apply one typed edit; for an :class:`Append`, returns the new item's index."""
        if isinstance(edit, Set) and edit.value is None:
            edit = Remove(edit.key_path, missing_ok=True)
        where, key_path = self._where(edit.key_path, type(edit).__name__.lower())
        if key_path != edit.key_path:
            edit = dataclasses.replace(edit, key_path=key_path)
        outcome = apply_edit(where, edit)
        self._changed = self._changed or outcome.changed
        self._edits.append(edit)
        return outcome.index

    def _where(self, key_path: KeyPath, op: str):
        """Where an edit lands: in a region if one stands alone, else in the whole tree."""
        if self._whole is None and self._regions is not None:
            found = self._regions.where(key_path, op)
            if found is not None:
                return found
        return self._whole_path().where(key_path, op)

    def _whole_path(self) -> WholeFilePath:
        """The whole file in round-trip form, with the edits made in regions so far replayed."""
        if self._whole is None:
            self._whole = WholeFilePath(self._yaml, self._text, str(self.path))
            edits, self._edits, self._regions, self._changed = self._edits, [], None, False
            self._replay(edits)
        return self._whole

    # ------------------------------------------------------------------ checking and saving

    def render(self) -> str:
        """The file's text as it would be saved (LF line endings)."""
        if not self._changed:
            return self._text
        if self._whole is None and self._regions is not None:
            text = self._regions.render()
            if text is not None:
                self._parsed = self._regions.parsed
                return text
        return self._whole_path().render()

    def preview(self) -> Design:
        """Validate the edited design exactly as the loader would read the saved file."""
        return self._check(self.render()).design

    def save(self) -> DesignDocument | None:
        """Write the edits atomically; returns the document as saved, or None when unchanged.

        Raises StaleDesignError when the file changed on disk since it was opened, the loader's
        DesignFileError when the edited design is invalid, and a DesignFileError naming the file
        when it cannot be written (read-only, ...); in each case nothing is written.
        """
        refuse_if_stale(self.path, self.digest)
        if not self._changed:
            return None
        text = self.render()
        document = self._check(text)
        raw_text = restore_line_ends(self._raw_text, self._text, text)
        payload = (_BOM if self._bom else b"") + raw_text.encode("utf-8")
        self.digest = document.digest = write_design(self.path, payload, self.digest)
        self._raw_text = raw_text
        self._reset(text)
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


def edit_design(path: str | Path, edits: Iterable[Any], *,
                digest: str | None = None) -> DesignDocument | None:
    """Apply ``edits`` (``Set``/``Append``/``Remove`` or ``(op, key_path, value)`` tuples) and
    save, all or nothing."""
    return DesignEditor.open(path, digest=digest).apply(edits).save()


__all__ = ["DesignEditor", "edit_design"]
