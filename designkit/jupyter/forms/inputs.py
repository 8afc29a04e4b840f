"""The box for one field: text, a dropdown of the design's own names, a tag list, an access rule.

Fields that reference something the design defines (an auth scheme, a role, an entity, a store,
a table) offer exactly those names (``kind`` "choice" or "tags"); a value the file already holds
stays shown even when the design no longer defines it, so the checker, not the form, reports it.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from .fields import FieldSpec, from_text, to_text

WIDE = w.Layout(width="95%")


class TagsField(w.HBox):
    """A list of names picked from the design (entities, roles): a label and a tag box.

    Names the file already holds stay shown and allowed, even when the design no longer
    defines them: the checker reports those, the form does not hide them.
    """

    def __init__(self, label: str, options: list[str], tooltip: str = ""):
        self.tags = w.TagsInput(allowed_tags=list(options), allow_duplicates=False, tooltip=tooltip)
        super().__init__([w.Label(label, layout=w.Layout(width="180px")), self.tags], layout=WIDE)

    @property
    def value(self) -> list[str]:
        return list(self.tags.value)

    @value.setter
    def value(self, names: list[str]) -> None:
        names = list(names or [])
        self.tags.allowed_tags = list(dict.fromkeys([*self.tags.allowed_tags, *names]))
        self.tags.value = names

    def offer(self, options: list[str]) -> None:
        self.tags.allowed_tags = list(dict.fromkeys([*options, *self.tags.value]))


class AccessField(w.VBox):
    """Who may call: roles picked from ``security.authorization.roles``, scopes, a condition."""

    def __init__(self, label: str, roles: list[str], tooltip: str = ""):
        self.roles = TagsField(f"{label}: roles", roles, tooltip)
        self.scopes = w.Text(description="scopes", placeholder="comma separated",
                             style={"description_width": "180px"}, layout=WIDE)
        self.condition = w.Text(description="condition", placeholder="e.g. the caller's own orders",
                                style={"description_width": "180px"}, layout=WIDE)
        super().__init__([self.roles, self.scopes, self.condition], layout=WIDE)

    @property
    def value(self) -> dict:
        return {"roles": self.roles.value, "scopes": from_text(self.scopes.value, "csv"),
                "condition": self.condition.value}

    @value.setter
    def value(self, rule: dict) -> None:
        rule = rule or {}
        self.roles.value = rule.get("roles", [])
        self.scopes.value = to_text(rule.get("scopes", []), "csv")
        self.condition.value = rule.get("condition", "")


def make_input(spec: FieldSpec, design: Any) -> w.Widget:
    """The box for one field."""
    common = {"description": spec.label, "style": {"description_width": "180px"}, "layout": WIDE}
    if spec.help:
        common["tooltip"] = spec.help
    if spec.kind == "tags":
        return TagsField(spec.label, spec.options(design), spec.help)
    if spec.kind == "access":
        return AccessField(spec.label, spec.options(design), spec.help)
    if spec.kind == "choice":
        return w.Dropdown(options=[""] + spec.options(design), value="", **common)
    if spec.kind == "bool":
        return w.Dropdown(options=["", "true", "false"], value="", **common)
    if spec.kind == "combo":
        return w.Combobox(options=spec.options(design), ensure_option=False,
                          placeholder=spec.help, **common)
    if spec.kind in ("textarea", "lines"):
        return w.Textarea(placeholder=spec.help or ("one per line" if spec.kind == "lines" else ""),
                          **common)
    return w.Text(placeholder=spec.help or ("comma separated" if spec.kind == "csv" else ""), **common)


def show_value(box: w.Widget, spec: FieldSpec, value: Any, design: Any) -> None:
    text = to_text(value, spec.kind)
    if isinstance(box, TagsField):
        box.offer(spec.options(design))
    elif isinstance(box, AccessField):
        box.roles.offer(spec.options(design))
    elif isinstance(box, w.Dropdown):
        options = [""] + (spec.options(design) if spec.kind == "choice" else ["true", "false"])
        if text not in options:
            options.append(text)       # keep showing a value the file holds, even an odd one
        box.options = options
    elif isinstance(box, w.Combobox):
        box.options = tuple(spec.options(design))
    box.value = text


__all__ = ["AccessField", "TagsField", "WIDE", "make_input", "show_value"]
