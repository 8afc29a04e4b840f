"""Parameters and fields: removed, added as required, retyped, and bounds moved.

What breaks depends on the side a field is on (see ``designkit.diff.context``): on the request
side a tighter bound refuses what clients send; on the response side a looser one hands clients
values they do not expect. Parameters are always on the request side.
"""

from __future__ import annotations

from .base import Hit, check

# old type -> the types that accept every value of it (a widening); anything else is a change.
_WIDENS_TO = {
    "integer": {"number", "decimal"},
    "string": {"text"},
    "email": {"string", "text"},
    "url": {"string", "text"},
    "uuid": {"string", "text"},
    "enum": {"string", "text"},
    "date": {"string", "text"},
    "datetime": {"string", "text"},
}


def type_relation(old: str, new: str) -> str:
    """``same``, ``widened`` (new accepts every old value), ``narrowed`` (the reverse) or ``changed``."""
    if old == new:
        return "same"
    if new in _WIDENS_TO.get(old, ()):
        return "widened"
    if old in _WIDENS_TO.get(new, ()):
        return "narrowed"
    return "changed"


def lower_max(old, new) -> bool:
    """An upper bound came down, or appeared."""
    return new is not None and (old is None or new < old)


def higher_min(old, new) -> bool:
    """A lower bound went up, or appeared."""
    return new is not None and (old is None or new > old)


def _fields(ctx, kind: str | None = None, side: str | None = None):
    for fp in ctx.field_pairs:
        if kind and fp.kind != kind:
            continue
        if side == "input" and not fp.inputs or side == "output" and not fp.outputs:
            continue
        yield fp


def _both(ctx, kind=None, side=None):
    return (fp for fp in _fields(ctx, kind, side) if fp.old is not None and fp.new is not None)


# --------------------------------------------------------------------------- parameters


@check("DIFF023", "parameter-removed", "warning", area="parameters")
def parameter_removed(ctx):
    """A parameter was removed from an endpoint.

    Why: Clients that send it are now ignored silently (a filter that no longer filters) or
    refused, depending on the server.
    Fix: Keep accepting it (and ignore it, documented as deprecated) for a release.
    """
    for fp in _fields(ctx, "parameter"):
        if fp.new is None:
            yield Hit(f"{fp.old.location} parameter `{fp.old.name}` of {fp.site} was removed",
                      old=fp.old_path)


@check("DIFF024", "required-parameter-added", "breaking", area="parameters")
def required_parameter_added(ctx):
    """A new required parameter was added to an existing endpoint.

    Why: Every existing call lacks it and is refused with 400.
    Fix: Make it optional with a default that keeps the old behaviour.
    """
    for fp in _fields(ctx, "parameter"):
        if fp.old is None and fp.new.required:
            yield Hit(f"new required {fp.new.location} parameter `{fp.new.name}` on {fp.site}", new=fp.new_path)


@check("DIFF025", "parameter-made-required", "breaking", area="parameters")
def parameter_made_required(ctx):
    """An optional parameter became required.

    Why: Calls that left it out, valid until now, are refused with 400.
    Fix: Keep it optional and default to the old behaviour when it is missing.
    """
    for fp in _both(ctx, "parameter"):
        if fp.new.required and not fp.old.required:
            yield Hit(f"{fp.label} is now required", old=fp.old_path, new=(*fp.new_path, "required"))


@check("DIFF026", "parameter-location-changed", "breaking", area="parameters")
def parameter_location_changed(ctx):
    """A parameter moved (query, header, path, cookie).

    Why: Clients send it where it was; the server no longer looks there.
    Fix: Read it from both places for a release, then drop the old one.
    """
    for fp in _both(ctx, "parameter"):
        if fp.old.location != fp.new.location:
            yield Hit(f"{fp.label} moved from {fp.old.location} to {fp.new.location}",
                      old=fp.old_path, new=(*fp.new_path, "in"))


@check("DIFF027", "path-parameter-renamed", "info", area="parameters")
def path_parameter_renamed(ctx):
    """A path parameter was renamed (``{id}`` to ``{order_id}``).

    Why: The URL clients call is the same, so nothing breaks; generated clients may rename an
    argument, and docs and logs change.
    Fix: Nothing to change; mention it for SDK maintainers.
    """
    for fp in _both(ctx, "parameter"):
        if fp.old.location == fp.new.location == "path" and fp.old.name != fp.new.name:
            yield Hit(f"path parameter `{fp.old.name}` of {fp.site} is now `{fp.new.name}`",
                      old=fp.old_path, new=(*fp.new_path, "name"))


# --------------------------------------------------------------------------- fields


@check("DIFF028", "request-field-removed", "warning", area="fields")
def request_field_removed(ctx):
    """A field clients send was removed.

    Why: Clients keep sending it; a server that rejects unknown fields now refuses them, one that
    ignores them drops data the client thinks it saved.
    Fix: Keep accepting the field for a release (ignored and documented as deprecated).
    """
    for fp in _fields(ctx, "field", "input"):
        if fp.new is None:
            yield Hit(f"{fp.label} was removed", old=fp.old_path)


@check("DIFF029", "required-request-field-added", "breaking", area="fields")
def required_request_field_added(ctx):
    """A new required field was added to something clients send.

    Why: Every existing client omits it and gets a 400.
    Fix: Make it optional with a default, or add it in a new API version.
    """
    for fp in _fields(ctx, "field", "input"):
        if fp.old is None and fp.new.required and getattr(fp.new, "default", None) is None:
            yield Hit(f"new required {fp.label}", new=fp.new_path)


@check("DIFF030", "request-field-made-required", "breaking", area="fields")
def request_field_made_required(ctx):
    """An optional field clients send became required.

    Why: Clients that leave it out, valid until now, get a 400.
    Fix: Keep it optional and fill a default when it is missing.
    """
    for fp in _both(ctx, "field", "input"):
        if fp.new.required and not fp.old.required:
            yield Hit(f"{fp.label} is now required", old=fp.old_path, new=(*fp.new_path, "required"))


@check("DIFF031", "response-field-removed", "breaking", area="fields")
def response_field_removed(ctx):
    """A field clients receive was removed.

    Why: Clients that read it get nothing (null errors, empty screens, wrong totals).
    Fix: Keep returning it, deprecated, until clients have stopped reading it; remove it in a new version.
    """
    for fp in _fields(ctx, "field", "output"):
        if fp.new is None:
            yield Hit(f"{fp.label} was removed", old=fp.old_path)


@check("DIFF032", "response-field-made-optional", "breaking", area="fields")
def response_field_made_optional(ctx):
    """A field clients receive is no longer always present.

    Why: Clients rely on required fields being there; a missing one crashes strict parsers.
    Fix: Keep it required (return a neutral value), or make it optional in a new version.
    """
    for fp in _both(ctx, "field", "output"):
        if fp.old.required and not fp.new.required:
            yield Hit(f"{fp.label} is now optional", old=fp.old_path, new=(*fp.new_path, "required"))


@check("DIFF033", "type-changed", "breaking", area="fields")
def type_changed(ctx):
    """A field's or parameter's type changed to an unrelated one (string to integer, uuid to integer).

    Why: Values that were valid are refused, and values that come back no longer parse.
    Fix: Keep the old field and add a new one with the new type; remove the old one in a new version.
    """
    for fp in _both(ctx):
        if type_relation(fp.old.type, fp.new.type) == "changed":
            yield Hit(f"{fp.label} changed type from {fp.old.type} to {fp.new.type}",
                      old=fp.old_path, new=(*fp.new_path, "type"))


@check("DIFF034", "request-type-narrowed", "breaking", area="fields")
def request_type_narrowed(ctx):
    """A field or parameter clients send now takes a narrower type (number to integer, string to uuid).

    Why: Values that were valid (1.5, a free-form id) are refused.
    Fix: Keep accepting the wider type and convert on the server.
    """
    for fp in _both(ctx, side="input"):
        if type_relation(fp.old.type, fp.new.type) == "narrowed":
            yield Hit(f"{fp.label} narrowed from {fp.old.type} to {fp.new.type}",
                      old=fp.old_path, new=(*fp.new_path, "type"))


@check("DIFF035", "response-type-widened", "breaking", area="fields")
def response_type_widened(ctx):
    """A field clients receive now has a wider type (integer to number, uuid to string).

    Why: Clients parse it as the old type; 1.5 in an integer field or a non-uuid string breaks them.
    Fix: Keep the old type in this field and return the wider value in a new field.
    """
    for fp in _both(ctx, "field", "output"):
        if type_relation(fp.old.type, fp.new.type) == "widened":
            yield Hit(f"{fp.label} widened from {fp.old.type} to {fp.new.type}",
                      old=fp.old_path, new=(*fp.new_path, "type"))


def _bound(name: str, moved, words: str):
    def run(ctx):
        for fp in _both(ctx, side="input"):
            old, new = getattr(fp.old, name), getattr(fp.new, name)
            if moved(old, new):
                was = "none" if old is None else _num(old)
                yield Hit(f"{fp.label}: {name} {words} from {was} to {_num(new)}",
                          old=fp.old_path, new=(*fp.new_path, name))
    return run


def _num(x) -> str:
    return str(int(x)) if isinstance(x, float) and x.is_integer() else str(x)


@check("DIFF036", "max-length-lowered", "breaking", area="fields")
def max_length_lowered(ctx):
    """A value clients send may now be shorter (max_length lowered or added).

    Why: Values that were accepted (a 200-character title under a new 100 limit) are refused.
    Fix: Keep the old limit; if storage needs the lower one, migrate the data first.
    """
    yield from _bound("max_length", lower_max, "lowered")(ctx)


@check("DIFF037", "min-length-raised", "breaking", area="fields")
def min_length_raised(ctx):
    """A value clients send must now be longer (min_length raised or added).

    Why: Short values that were accepted are refused.
    Fix: Keep the old minimum, or enforce the new one only for new records.
    """
    yield from _bound("min_length", higher_min, "raised")(ctx)


@check("DIFF038", "maximum-lowered", "breaking", area="fields")
def maximum_lowered(ctx):
    """A number clients send has a lower maximum (or a maximum where it had none).

    Why: Values above the new maximum, valid until now, are refused (a page size of 500 under a new cap of 100).
    Fix: Clamp on the server instead of refusing, or lower the maximum in a new version.
    """
    yield from _bound("maximum", lower_max, "lowered")(ctx)


@check("DIFF039", "minimum-raised", "breaking", area="fields")
def minimum_raised(ctx):
    """A number clients send has a higher minimum (or a minimum where it had none).

    Why: Values below the new minimum, valid until now, are refused.
    Fix: Keep the old minimum, or raise it in a new version.
    """
    yield from _bound("minimum", higher_min, "raised")(ctx)


@check("DIFF040", "enum-value-removed", "breaking", area="fields")
def enum_value_removed(ctx):
    """A value was removed from the allowed values of something clients send.

    Why: Clients that send it are refused; stored records holding it may no longer load.
    Fix: Keep accepting the value (map it to its replacement on the server).
    """
    for fp in _both(ctx, side="input"):
        gone = [v for v in fp.old.enum if v not in fp.new.enum]
        if gone and fp.new.enum:
            yield Hit(f"{fp.label}: value(s) {', '.join(map(str, gone))} no longer accepted",
                      old=(*fp.old_path, "enum"), new=(*fp.new_path, "enum"))


@check("DIFF041", "response-enum-value-added", "warning", area="fields")
def response_enum_value_added(ctx):
    """A field clients receive can now hold a value it could not hold before.

    Why: Clients switch on the known values; a new one falls through (or fails a strict enum
    parser), the classic status-field break.
    Fix: Announce new values before sending them; tell clients to treat unknown values as a default.
    """
    for fp in _both(ctx, "field", "output"):
        new = [v for v in fp.new.enum if v not in fp.old.enum]
        if new and fp.old.enum:
            yield Hit(f"{fp.label}: new value(s) {', '.join(map(str, new))}",
                      old=(*fp.old_path, "enum"), new=(*fp.new_path, "enum"))


@check("DIFF042", "pattern-added", "breaking", area="fields")
def pattern_added(ctx):
    """Something clients send must now match a pattern it did not have to match.

    Why: Values that were accepted but do not match are refused.
    Fix: Check real values against the pattern first; add it in a new version if some fail.
    """
    for fp in _both(ctx, side="input"):
        if fp.new.pattern and not fp.old.pattern:
            yield Hit(f"{fp.label} must now match {fp.new.pattern}", old=fp.old_path, new=(*fp.new_path, "pattern"))


@check("DIFF043", "pattern-changed", "warning", area="fields")
def pattern_changed(ctx):
    """The pattern something clients send must match changed.

    Why: Unless the new pattern accepts everything the old one did, some valid values are refused;
    a diff cannot tell, so a person must.
    Fix: Test the old pattern's known-good values against the new pattern.
    """
    for fp in _both(ctx, side="input"):
        if fp.old.pattern and fp.new.pattern and fp.old.pattern != fp.new.pattern:
            yield Hit(f"{fp.label}: pattern changed from {fp.old.pattern} to {fp.new.pattern}",
                      old=(*fp.old_path, "pattern"), new=(*fp.new_path, "pattern"))


@check("DIFF044", "array-bounds-tightened", "breaking", area="fields")
def array_bounds_tightened(ctx):
    """A list clients send may now hold fewer items (max_items lowered) or must hold more (min_items raised).

    Why: Batches that were accepted are refused.
    Fix: Keep the old bounds, or page the work on the server.
    """
    for name, moved in (("max_items", lower_max), ("min_items", higher_min)):
        yield from _bound(name, moved, "tightened")(ctx)


@check("DIFF045", "array-items-changed", "breaking", area="fields")
def array_items_changed(ctx):
    """A list now holds another kind of item.

    Why: Clients build and parse the items as the old kind.
    Fix: Add a new field for the new kind of item and deprecate the old one.
    """
    for fp in _both(ctx):
        if fp.old.type == fp.new.type == "array" and fp.old.items and fp.new.items != fp.old.items:
            yield Hit(f"{fp.label}: items changed from {fp.old.items} to {fp.new.items}",
                      old=(*fp.old_path, "items"), new=(*fp.new_path, "items"))


@check("DIFF046", "response-bounds-widened", "warning", area="fields")
def response_bounds_widened(ctx):
    """A field clients receive can now be longer, larger or smaller than before (a bound raised or dropped).

    Why: Clients size columns, buffers and UI for the old bounds; longer strings get truncated,
    larger numbers overflow.
    Fix: Tell clients before raising a bound; keep the old one where they store the value.
    """
    for fp in _both(ctx, "field", "output"):
        for name, looser in (("max_length", lower_max), ("maximum", lower_max), ("minimum", higher_min),
                             ("max_items", lower_max)):
            old, new = getattr(fp.old, name), getattr(fp.new, name)
            if old is not None and looser(new, old):
                yield Hit(f"{fp.label}: {name} loosened from {_num(old)} to {'none' if new is None else _num(new)}",
                          old=(*fp.old_path, name), new=fp.new_path)
