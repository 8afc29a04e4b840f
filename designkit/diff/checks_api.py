"""Endpoints, responses, error codes and the API version: what a client calls and gets back."""

from __future__ import annotations

from .base import Hit, check
from .context import strip_list


def _name(ep) -> str:
    return f"{ep.route} ({ep.id})" if ep.id else ep.route


# --------------------------------------------------------------------------- endpoints


@check("DIFF001", "endpoint-removed", "breaking", area="endpoints")
def endpoint_removed(ctx):
    """An endpoint was removed without being deprecated first.

    Why: Every client that still calls it now gets a 404, with no release in which it was warned.
    Fix: Keep the endpoint, mark it `deprecated: true` for at least one release, then remove it;
    or keep it under the old version while the new version drops it.
    """
    for i, ep in ctx.endpoints[1]:
        if not ep.deprecated:
            yield Hit(f"{_name(ep)} was removed", old=("api", "endpoints", i))


@check("DIFF002", "deprecated-endpoint-removed", "info", area="endpoints")
def deprecated_endpoint_removed(ctx):
    """A deprecated endpoint was removed.

    Why: Removal after deprecation is the planned end of an endpoint; clients were warned, yet the
    few that did not move will now fail, so it is worth a line in the release notes.
    Fix: Nothing to change; say in the release notes that the endpoint is gone.
    """
    for i, ep in ctx.endpoints[1]:
        if ep.deprecated:
            yield Hit(f"deprecated {_name(ep)} was removed", old=("api", "endpoints", i))


@check("DIFF003", "endpoint-path-changed", "breaking", area="endpoints")
def endpoint_path_changed(ctx):
    """An operation kept its id and method but moved to another path.

    Why: Clients call the old path and get a 404; generated clients keep the method name, so the
    break shows only at run time.
    Fix: Serve the old path as well (an alias or a redirect) until clients have moved, or put
    the new path under a new API version.
    """
    for p in ctx.endpoint_pairs:
        if p.moved == "path":
            yield Hit(f"{p.old.id} moved from {p.old.path} to {p.new.path}", old=p.old_path, new=p.new_path)


@check("DIFF004", "endpoint-method-changed", "breaking", area="endpoints")
def endpoint_method_changed(ctx):
    """An endpoint's path stayed but its HTTP method changed.

    Why: Clients send the old method and get 405 Method Not Allowed.
    Fix: Accept both methods for a release, or keep the old operation and add the new one beside it.
    """
    for p in ctx.endpoint_pairs:
        if p.moved == "method":
            yield Hit(f"{p.old.path}: method changed from {p.old.method} to {p.new.method}",
                      old=p.old_path, new=p.new_path)


@check("DIFF005", "endpoint-added", "info", area="endpoints")
def endpoint_added(ctx):
    """A new endpoint was added.

    Why: Additions break nobody, but reviewers should see the new surface (its auth, limits and
    idempotency) and the release notes should name it.
    Fix: Nothing to change; check that the new endpoint passes `designkit check`.
    """
    for j, ep in ctx.endpoints[2]:
        yield Hit(f"{_name(ep)} was added", new=("api", "endpoints", j))


@check("DIFF006", "endpoint-deprecated", "info", area="endpoints")
def endpoint_deprecated(ctx):
    """An endpoint was marked deprecated.

    Why: Deprecation starts the clock for its clients; they need to hear it and know the replacement.
    Fix: Nothing to change; name the replacement in the endpoint's summary and the release notes.
    """
    for p in ctx.endpoint_pairs:
        if p.new.deprecated and not p.old.deprecated:
            yield Hit(f"{_name(p.new)} is now deprecated", old=p.old_path, new=(*p.new_path, "deprecated"))


@check("DIFF007", "operation-id-changed", "warning", area="endpoints")
def operation_id_changed(ctx):
    """An endpoint's operation id changed.

    Why: Generated clients name their methods after the operation id, so their code stops
    compiling; tests, SLAs and dashboards that name the id lose it.
    Fix: Keep the old id; if the name must change, change it together with a major version.
    """
    for p in ctx.endpoint_pairs:
        if p.old.id and p.new.id != p.old.id and p.moved != "path":
            yield Hit(f"{p.new.route}: operation id changed from {p.old.id} to {p.new.id or '(none)'}",
                      old=(*p.old_path, "id"), new=(*p.new_path, "id") if p.new.id else p.new_path)


# --------------------------------------------------------------------------- request bodies


@check("DIFF008", "request-size-limit-lowered", "breaking", area="endpoints")
def request_size_limit_lowered(ctx):
    """The largest request body an endpoint accepts was lowered (or a limit was added).

    Why: Requests that were accepted yesterday are refused with 413 today.
    Fix: Keep the old limit, or lower it in a new API version after measuring real request sizes.
    """
    for p in ctx.endpoint_pairs:
        old, new = p.old.request, p.new.request
        if old is None or new is None or new.max_bytes is None:
            continue
        if old.max_bytes is None or new.max_bytes < old.max_bytes:
            was = f"{old.max_bytes} bytes" if old.max_bytes else "no limit"
            yield Hit(f"{p.label}: request body limit lowered from {was} to {new.max_bytes} bytes",
                      old=(*p.old_path, "request"), new=(*p.new_path, "request", "max_bytes"))


@check("DIFF009", "request-content-type-changed", "breaking", area="endpoints")
def request_content_type_changed(ctx):
    """The content type an endpoint accepts changed.

    Why: Clients keep sending the old content type and get 415 Unsupported Media Type.
    Fix: Accept both content types for a release, or change it with a new API version.
    """
    for p in ctx.endpoint_pairs:
        old, new = p.old.request, p.new.request
        if old and new and old.content_type != new.content_type:
            yield Hit(f"{p.label}: request content type changed from {old.content_type} to {new.content_type}",
                      old=(*p.old_path, "request"), new=(*p.new_path, "request", "content_type"))


@check("DIFF010", "unknown-fields-rejected", "warning", area="endpoints")
def unknown_fields_rejected(ctx):
    """A request body or schema now rejects fields it does not name.

    Why: Clients that send extra fields (newer clients, or ones that echo a whole object back)
    now get 400 where the field used to be ignored.
    Fix: Check what clients send before rejecting; announce it, or reject only in a new version.
    """
    for p in ctx.endpoint_pairs:
        old, new = p.old.request, p.new.request
        if old and new and new.unknown_fields == "reject" and old.unknown_fields != "reject":
            yield Hit(f"{p.label}: the request body now rejects unknown fields",
                      old=(*p.old_path, "request"), new=(*p.new_path, "request", "unknown_fields"))
    for o, n, okp, nkp in ctx.iter_named(lambda d: d.api.schemas, ("api", "schemas")):
        if n.unknown_fields == "reject" and o.unknown_fields != "reject" and ctx.roles.get(n.name) in ("input", "both"):
            yield Hit(f"schema {n.name} now rejects unknown fields", old=okp, new=(*nkp, "unknown_fields"))


# --------------------------------------------------------------------------- responses


def _response_pairs(ctx):
    for p in ctx.endpoint_pairs:
        yield p, p.responses


@check("DIFF011", "success-status-removed", "breaking", area="responses")
def success_status_removed(ctx):
    """A success (2xx or 3xx) response was removed from an endpoint.

    Why: Clients that check for that status treat the new one as a failure (a 201 that became
    200, a 200 that became 202 with no body).
    Fix: Keep the old status, or change it in a new API version.
    """
    for p, matched in _response_pairs(ctx):
        for i, r in matched.removed:
            if r.status < 400:
                yield Hit(f"{p.label}: response {r.status} was removed", old=(*p.old_path, "responses", i),
                          new=(*p.new_path, "responses"))


@check("DIFF012", "success-status-added", "warning", area="responses")
def success_status_added(ctx):
    """An endpoint can now answer with a success status it did not have.

    Why: Clients written against the old responses may not handle the new status (a 202 where
    they expected 200 and a body).
    Fix: Document when the new status is sent; make sure existing clients keep getting the old one.
    """
    for p, matched in _response_pairs(ctx):
        for j, r in matched.added:
            if r.status < 400:
                yield Hit(f"{p.label}: new success response {r.status}", new=(*p.new_path, "responses", j))


@check("DIFF013", "response-body-removed", "breaking", area="responses")
def response_body_removed(ctx):
    """A response that carried a body now carries none.

    Why: Clients that read the body now get nothing to parse.
    Fix: Keep returning the body, or drop it in a new API version.
    """
    for p, matched in _response_pairs(ctx):
        for i, r, j, s in matched.both:
            if (r.schema_ or r.fields) and (s.body == "none" or not (s.schema_ or s.fields)):
                yield Hit(f"{p.label}: response {r.status} no longer has a body",
                          old=(*p.old_path, "responses", i), new=(*p.new_path, "responses", j))


@check("DIFF014", "response-shape-changed", "breaking", area="responses")
def response_shape_changed(ctx):
    """A body changed between one object and a list of them (``Order`` and ``Order[]``).

    Why: A client that parses an object cannot parse an array, and the other way round.
    Fix: Keep the old shape; return the new one from a new endpoint or version.
    """
    for p in ctx.endpoint_pairs:
        pairs = [((*p.old_path, "request"), (*p.new_path, "request"), "request", p.old.request, p.new.request)]
        for i, r, j, s in p.responses.both:
            pairs.append(((*p.old_path, "responses", i), (*p.new_path, "responses", j), f"response {r.status}", r, s))
        for okp, nkp, what, o, n in pairs:
            if o is None or n is None or not o.schema_ or not n.schema_:
                continue
            if strip_list(o.schema_) == strip_list(n.schema_) and o.schema_.endswith("[]") != n.schema_.endswith("[]"):
                yield Hit(f"{p.label}: {what} changed from {o.schema_} to {n.schema_}",
                          old=(*okp, "schema"), new=(*nkp, "schema"))


@check("DIFF015", "response-content-type-changed", "breaking", area="responses")
def response_content_type_changed(ctx):
    """A response's content type changed.

    Why: Clients parse the body by its content type; a JSON client cannot read CSV or problem+xml.
    Fix: Negotiate with the Accept header and keep the old type as the default.
    """
    for p, matched in _response_pairs(ctx):
        for i, r, j, s in matched.both:
            if r.content_type != s.content_type and s.body != "none":
                yield Hit(f"{p.label}: response {r.status} content type changed from {r.content_type} "
                          f"to {s.content_type}", old=(*p.old_path, "responses", i),
                          new=(*p.new_path, "responses", j, "content_type"))


# --------------------------------------------------------------------------- error codes


def _codes(design) -> dict[str, tuple[int, object]]:
    em = design.api.error_model
    return {c.code: (i, c) for i, c in enumerate(em.codes)} if em else {}


@check("DIFF016", "error-code-removed", "warning", area="errors")
def error_code_removed(ctx):
    """An error code was removed from the error model.

    Why: Clients branch on error codes; one that still arrives from an older server, or that the
    client maps to a user message, now names nothing in the contract.
    Fix: Keep the code documented (and deprecated) until no endpoint returns it.
    """
    new = _codes(ctx.new)
    for code, (i, _) in _codes(ctx.old).items():
        if code not in new:
            yield Hit(f"error code {code} was removed", old=("api", "error_model", "codes", i),
                      new=("api", "error_model", "codes") if ctx.new.api.error_model else None)


@check("DIFF017", "error-code-status-changed", "breaking", area="errors")
def error_code_status_changed(ctx):
    """An error code now comes with another HTTP status.

    Why: Clients and proxies act on the status (retry a 503, not a 409); the same code under a
    new status changes what they do.
    Fix: Keep the status; if the meaning changed, add a new code.
    """
    new = _codes(ctx.new)
    for code, (i, c) in _codes(ctx.old).items():
        if code in new and new[code][1].status != c.status:
            j, n = new[code]
            yield Hit(f"error code {code} changed status from {c.status} to {n.status}",
                      old=("api", "error_model", "codes", i), new=("api", "error_model", "codes", j, "status"))


@check("DIFF018", "endpoint-error-added", "warning", area="errors")
def endpoint_error_added(ctx):
    """An endpoint can now return an error code it did not return before.

    Why: Clients handle the errors listed for an endpoint; a new one falls into their generic
    failure path (or crashes a strict client).
    Fix: Document when it happens; make sure clients can act on it before the release.
    """
    for p in ctx.endpoint_pairs:
        for code in p.new.errors:
            if code not in p.old.errors:
                yield Hit(f"{p.label} can now return error {code}", old=(*p.old_path, "errors"),
                          new=(*p.new_path, "errors", p.new.errors.index(code)))


@check("DIFF019", "error-format-changed", "breaking", area="errors")
def error_format_changed(ctx):
    """The error body format changed, or lost a field.

    Why: Every client parses errors the same way; a new format or a missing field (`code`,
    `request_id`) breaks error handling on every endpoint at once.
    Fix: Keep the old format and fields; add new fields beside them.
    """
    old, new = ctx.old.api.error_model, ctx.new.api.error_model
    if old is None:
        return
    at = ("api", "error_model")
    if new is None:
        yield Hit("the error model was removed", old=at)
        return
    if old.format and new.format != old.format:
        yield Hit(f"error format changed from {old.format!r} to {new.format or '(none)'!r}",
                  old=(*at, "format"), new=(*at, "format") if new.format else at)
    for i, f in enumerate(old.fields):
        if f not in new.fields:
            yield Hit(f"error field {f} was removed", old=(*at, "fields", i), new=(*at, "fields"))


# --------------------------------------------------------------------------- the API as a whole


@check("DIFF020", "base-url-changed", "breaking", area="endpoints")
def base_url_changed(ctx):
    """The API's base URL changed.

    Why: Every client is configured with it; all their calls now go to the wrong place.
    Fix: Keep serving the old base URL (a redirect or a second route) until clients have moved.
    """
    old, new = ctx.old.api.base_url, ctx.new.api.base_url
    if old and new != old:
        yield Hit(f"base URL changed from {old} to {new or '(none)'}", old=("api", "base_url"),
                  new=("api", "base_url") if new else ("api",))


@check("DIFF021", "versioning-scheme-changed", "breaking", area="endpoints")
def versioning_scheme_changed(ctx):
    """How clients choose the API version changed (path, header, media type, query).

    Why: Clients pin a version the old way; the new scheme ignores it and serves them whatever
    the default version is.
    Fix: Keep the old scheme working alongside the new one for a deprecation period.
    """
    old, new = ctx.old.api.versioning, ctx.new.api.versioning
    if old and new and old.scheme != new.scheme:
        yield Hit(f"versioning scheme changed from {old.scheme} to {new.scheme}",
                  old=("api", "versioning", "scheme"), new=("api", "versioning", "scheme"))


# The areas whose breaking changes a client of the API sees.
_API_AREAS = frozenset({"endpoints", "parameters", "fields", "responses", "errors", "events", "security"})


@check("DIFF022", "version-not-bumped", "warning", area="endpoints", after_changes=True)
def version_not_bumped(ctx):
    """The API has breaking changes but its version (`api.versioning.current`) stayed the same.

    Why: Clients pinned to the version get the breaking changes without warning; the version is
    how they find out they need to act.
    Fix: Bump `api.versioning.current` (and serve the old version for its deprecation period), or
    make the changes compatible.
    """
    old, new = ctx.old.api.versioning, ctx.new.api.versioning
    if not (old and new and old.current and new.current == old.current):
        return
    breaking = [c for c in ctx.changes if c.level == "breaking" and c.area in _API_AREAS]
    if breaking:
        codes = ", ".join(sorted({c.code for c in breaking}))
        yield Hit(f"{len(breaking)} breaking API change(s) ({codes}) but the version is still {new.current}",
                  old=("api", "versioning", "current"), new=("api", "versioning", "current"))
