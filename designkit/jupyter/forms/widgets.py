"""The widgets: a section form, a searchable paged list form, and the saver they share.

Widgets only collect values and show results. The work (turning typed text into edits, saving
the file safely, checking it) is done by plain functions: :mod:`designkit.jupyter.forms.fields` and
:mod:`designkit.core.store`.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from typing import Any

import ipywidgets as w
from ruamel.yaml.error import YAMLError

from ...core.errors import DesignFileError, DesignKitError, EditError, StaleDesignError
from ...core.loader import KeyPath, format_key_path
from ...core.store import DesignEditor
from .fields import FieldSpec, ListSpec, duplicate_of, field_edits, from_text, get_at, nested
from .inputs import WIDE as _WIDE
from .inputs import make_input, show_value

PAGE_SIZE = 20


def apply_edits(session: Any, edits: list) -> Any:
    """Apply store edits to the session's design file and save; the saved document or None.

    Raises StaleDesignError if the file changed since the session loaded it, and the loader's
    DesignFileError if the result would be invalid; nothing is written in either case.
    """
    return DesignEditor.for_document(session.document).apply(edits).save()


class Saver:
    """Saves edits for every part of a step's form and reports the outcome on one status line."""

    def __init__(self, session: Any):
        self.session = session
        self.status = w.HTML(layout=_WIDE)
        self.reload_button = w.Button(description="Reload from disk", button_style="warning",
                                      icon="refresh", layout=w.Layout(display="none"))
        self.reload_button.on_click(lambda _: self.reload())
        self.listeners: list[Callable[[], None]] = []
        self.box = w.HBox([self.status, self.reload_button])

    def save(self, edits: list, what: str) -> bool:
        """Save ``edits``; on success refresh the session's tables and findings in place.

        Whatever goes wrong (an invalid value, a stale or read-only file, a full disk, YAML the
        editor cannot take) is shown on the status line: nothing escapes the button's callback.
        """
        if not edits:
            self._say("Nothing to save: no value changed.", "info")
            return False
        try:
            document = apply_edits(self.session, edits)
            if document is not None:
                self.session.refresh()
        except StaleDesignError as exc:
            return self._failed(str(exc), reload=True)
        except DesignFileError as exc:
            return self._failed(exc.format() + "\n(nothing was saved: fix the value and save again)")
        except EditError as exc:         # e.g. the item was removed meanwhile
            return self._failed(f"{exc}\n(nothing was saved; reload and try again)", reload=True)
        except DesignKitError as exc:
            return self._failed(f"{exc.format()}\n(nothing was saved)")
        except (OSError, YAMLError) as exc:
            return self._failed(f"{self.session.design_path}: could not save ({exc}); "
                                "nothing was saved.")
        except Exception as exc:  # noqa: BLE001 - a button callback must not die with a traceback
            return self._failed(f"{self.session.design_path}: could not save "
                                f"({type(exc).__name__}: {exc}); nothing was saved. This is a "
                                "bug in designkit: please report it.")
        if document is None:
            self._say("Nothing to save: no value changed.", "info")
            return False
        self._notify()
        now = dt.datetime.now().strftime("%H:%M:%S")
        self._say(f"Saved {what} to {self.session.design_path} at {now}.", "ok")
        return True

    def _failed(self, text: str, *, reload: bool = False) -> bool:
        self._say(text, "error")
        if reload:
            self.reload_button.layout.display = None
        return False

    def reload(self) -> None:
        """Read the design file again (someone else changed it) and show its values."""
        try:
            self.session.refresh()
        except DesignKitError as exc:
            self._say(exc.format(), "error")
            return
        except OSError as exc:
            self._say(f"{self.session.design_path}: cannot be read ({exc})", "error")
            return
        self.reload_button.layout.display = "none"
        self._notify()
        self._say(f"Reloaded {self.session.design_path}; redo your edit if it is still needed.", "info")

    def _notify(self) -> None:
        for listener in self.listeners:
            listener()

    def _say(self, text: str, level: str) -> None:
        color = {"ok": "#1a7f37", "error": "#cf222e", "info": "#57606a"}[level]
        self.status.value = (f'<pre class="dk-status dk-{level}" style="white-space:pre-wrap;'
                             f'color:{color};margin:0">{html.escape(text)}</pre>')
        self.last_message, self.last_level = text, level


class SectionForm:
    """Fields of one mapping (e.g. ``scope.constraints``), saved together."""

    def __init__(self, saver: Saver, base: KeyPath, fields: tuple[FieldSpec, ...], title: str):
        self.saver, self.base, self.fields, self.title = saver, tuple(base), fields, title
        design = saver.session.design
        self.inputs = {f.path: make_input(f, design) for f in fields}
        self.save_button = w.Button(description=f"Save {title.lower()}", button_style="primary",
                                    icon="save")
        self.save_button.on_click(lambda _: self.save())
        self.widget = w.VBox([w.HTML(f"<b>{html.escape(title)}</b>"), *self.inputs.values(),
                              self.save_button])
        saver.listeners.append(self.load)
        self.load()

    def load(self) -> None:
        design = self.saver.session.design
        for spec in self.fields:
            show_value(self.inputs[spec.path], spec, get_at(design, self.base + spec.path), design)

    def edits(self) -> list[tuple]:
        design = self.saver.session.design
        out: list[tuple] = []
        for spec in self.fields:
            current = get_at(design, self.base + spec.path)
            out += field_edits(self.base, spec, current, self.inputs[spec.path].value)
        return out

    def save(self) -> bool:
        return self.saver.save(self.edits(), self.title.lower())


class ListForm:
    """A list edited one item at a time: search, pages of 20, select, edit, add, remove.

    Only one page of labels and one set of boxes exist, whatever the length of the list, so
    the form stays quick on a design with a thousand endpoints.
    """

    def __init__(self, saver: Saver, spec: ListSpec, base: Callable[[], KeyPath | None] | None = None):
        self.saver, self.spec = saver, spec
        self._base = base or (lambda: spec.path)
        self.index: int | None = None
        self.page = 0
        self.followers: list[Callable[[], None]] = []   # sub-lists of the selected item
        design = saver.session.design
        self.search = w.Text(placeholder="search", description="Search",
                             layout=w.Layout(width="50%"), continuous_update=True)
        self.select = w.Select(options=[], rows=10, layout=_WIDE)
        self.prev_button = w.Button(description="◀ Prev", layout=w.Layout(width="90px"))
        self.next_button = w.Button(description="Next ▶", layout=w.Layout(width="90px"))
        self.page_label = w.Label()
        self.inputs = {f.path: make_input(f, design) for f in spec.fields}
        self.save_button = w.Button(description="Save", button_style="primary", icon="save")
        self.add_button = w.Button(description="Add new", icon="plus")
        self.remove_button = w.Button(description="Remove", button_style="danger", icon="trash")
        self.editing = w.HTML()
        self.search.observe(self._on_search, names="value")
        self.select.observe(self._on_select, names="value")
        self.prev_button.on_click(lambda _: self._turn(-1))
        self.next_button.on_click(lambda _: self._turn(+1))
        self.save_button.on_click(lambda _: self.save())
        self.add_button.on_click(lambda _: self.new())
        self.remove_button.on_click(lambda _: self.remove())
        self.widget = w.VBox([
            w.HTML(f"<b>{html.escape(spec.title)}</b>"),
            w.HBox([self.search, self.prev_button, self.page_label, self.next_button]),
            self.select, self.editing, *self.inputs.values(),
            w.HBox([self.save_button, self.add_button, self.remove_button]),
        ])
        saver.listeners.append(self.load)
        self.load()

    # ------------------------------------------------------------------ data

    @property
    def path(self) -> KeyPath | None:
        return self._base()

    def items(self) -> list:
        path = self.path
        return list(get_at(self.saver.session.design, path) or []) if path is not None else []

    def matches(self) -> list[int]:
        needle = self.search.value.strip().lower()
        items = self.items()
        if not needle:
            return list(range(len(items)))
        return [i for i, item in enumerate(items) if needle in self.spec.label(item).lower()]

    # ------------------------------------------------------------------ view

    def load(self) -> None:
        """Show the list as it is now in the design (after a save or a reload)."""
        items = self.items()
        if self.index is not None and self.index >= len(items):
            self.index = None
        self._fill()
        self._show_item()

    def _fill(self) -> None:
        found = self.matches()
        pages = max(1, -(-len(found) // PAGE_SIZE))
        self.page = min(max(self.page, 0), pages - 1)
        shown = found[self.page * PAGE_SIZE:(self.page + 1) * PAGE_SIZE]
        items = self.items()
        options = [(f"{i:>4}  {self.spec.label(items[i])}", i) for i in shown]
        self._quiet = True
        try:
            self.select.options = options
            self.select.value = self.index if self.index in shown else None
        finally:
            self._quiet = False
        self.page_label.value = f"page {self.page + 1}/{pages} ({len(found)} of {len(items)})"
        self.prev_button.disabled = self.page == 0
        self.next_button.disabled = self.page >= pages - 1

    def _show_item(self) -> None:
        design = self.saver.session.design
        item = self.items()[self.index] if self.index is not None else None
        defaults = self._new_item() if item is None else {}
        for spec in self.spec.fields:
            value = get_at(item, spec.path) if item is not None else get_at(defaults, spec.path)
            show_value(self.inputs[spec.path], spec, value, design)
        where = (format_key_path(self.path + (self.index,)) if self.index is not None and self.path
                 else "a new item (fill in, then Save)")
        self.editing.value = f"<i>Editing {html.escape(where)}</i>"
        self.remove_button.disabled = self.index is None
        for follower in self.followers:
            follower()

    def _new_item(self) -> dict:
        new = self.spec.new_item
        return new(self.saver.session.design) if callable(new) else dict(new)

    def _on_search(self, change: dict) -> None:
        self.page = 0
        self._fill()

    def _on_select(self, change: dict) -> None:
        if getattr(self, "_quiet", False) or change["new"] is None:
            return
        self.index = change["new"]
        self._show_item()

    def _turn(self, step: int) -> None:
        self.page += step
        self._fill()

    def choose(self, index: int) -> None:
        """Select item ``index`` for editing (turning to its page)."""
        self.search.value = ""
        self.page = index // PAGE_SIZE
        self.index = index
        self._fill()
        self._show_item()

    # ------------------------------------------------------------------ actions

    def new(self) -> None:
        self.index = None
        self._fill()
        self._show_item()

    def save(self) -> bool:
        path = self.path
        if path is None:
            self.saver._say("Choose the item this list belongs to first.", "info")
            return False
        typed = {spec.path: from_text(self.inputs[spec.path].value, spec.kind)
                 for spec in self.spec.fields}
        if self._refuse_duplicate(path, typed):
            return False
        if self.index is None:
            item = nested(typed)
            ok = self.saver.save([("append", path, item)], f"a new item in {format_key_path(path)}")
            if ok:
                self.choose(len(self.items()) - 1)
            return ok
        base = path + (self.index,)
        current = self.items()[self.index]
        edits: list[tuple] = []
        for spec in self.spec.fields:
            edits += field_edits(base, spec, get_at(current, spec.path), self.inputs[spec.path].value)
        return self.saver.save(edits, format_key_path(base))

    def _refuse_duplicate(self, path: KeyPath, typed: dict) -> bool:
        """Say so and refuse, before writing, when the item would repeat another one's key."""
        items = self.items()
        other = duplicate_of(self.spec, items, self.index, typed)
        if other is None:
            return False
        fields = ", ".join(spec.label.lower() for spec in self.spec.fields if spec.path in self.spec.unique)
        self.saver._say(
            f"{format_key_path(path + (other,))} ({self.spec.label(items[other]).strip()}) already has "
            f"this {fields}: nothing was saved.\n    fix: change the {fields}, or select that item "
            "and edit it instead.", "error")
        return True

    def remove(self) -> bool:
        if self.index is None or self.path is None:
            return False
        target = self.path + (self.index,)
        self.index = None
        return self.saver.save([("remove", target, None)], f"the removal of {format_key_path(target)}")


class SubListForm(ListForm):
    """A list inside the item selected in ``parent`` (the parameters of the selected endpoint).

    It follows the parent's selection: choosing another parent item shows that item's list,
    and no parent item selected (or a new one being written) means nothing to edit yet.
    """

    def __init__(self, saver: Saver, parent: ListForm, key: KeyPath, spec: ListSpec):
        self.parent, self.key = parent, tuple(key)
        self._seen: tuple | None = None
        super().__init__(saver, spec, base=self._parent_base)
        self._seen = self._parent_base()
        parent.followers.append(self._follow)

    def _parent_base(self) -> KeyPath | None:
        path = self.parent.path
        if path is None or self.parent.index is None:
            return None
        return path + (self.parent.index,) + self.key

    def _follow(self) -> None:
        now = self._parent_base()
        if now != self._seen:           # another parent item: start at the top of its list
            self._seen, self.index, self.page = now, None, 0
            self.search.value = ""
        self.load()

    def _show_item(self) -> None:
        super()._show_item()
        if self.path is None:
            self.editing.value = (f"<i>Select an item in {html.escape(self.parent.spec.title)} "
                                  "first.</i>")
        disabled = self.path is None
        self.save_button.disabled = self.add_button.disabled = disabled
