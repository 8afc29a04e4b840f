"""Edit a design file in place and save it safely: comments kept, nothing lost, nothing invalid.

Edits are typed values (:class:`Set`, :class:`Append`, :class:`Remove`) addressed by key path
tuples, the same ones the loader and the findings use: ``('api', 'endpoints', 0, 'auth')``.
They go through ruamel.yaml's round-trip form, so comments, key order, quoting and flow-style
mappings (``{name: id, type: uuid}``) survive them.

The package, by concern:

- :mod:`.edits`     the typed edits (and the older ``(op, key_path, value)`` tuples they accept);
- :mod:`.tree`      applying one edit to a round-trip tree (comments, key order, aliases);
- :mod:`.regions`   the fast path: one list item or section round-tripped alone and spliced back;
- :mod:`.wholefile` the whole file's tree, and keeping the user's formatting around an edit;
- :mod:`.saving`    the save: lock, stale check, atomic write, symlinks, read-only, line ends;
- :mod:`.editor`    :class:`DesignEditor`, which ties them together, and :func:`edit_design`.

This package is part of the core: it imports no Jupyter, widget or CLI library.
"""

from __future__ import annotations

from .editor import DesignEditor, edit_design
from .edits import Append, Edit, Remove, Set, as_edit, to_plain

__all__ = ["Append", "DesignEditor", "Edit", "Remove", "Set", "as_edit", "edit_design", "to_plain"]
