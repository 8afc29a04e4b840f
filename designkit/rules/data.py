"""Data model rules: keys, references, invariants, classification and retention."""

from __future__ import annotations

import re

from ..core.loader import format_key_path
from . import seeds
from .base import NEVER_LOGGED, Hit, is_placeholder, names_list, rule, strip_list


@rule("DAT001", "data.primary-key", "error", step="data_model", seed=seeds.C_DATA,
      checklist="data-model", risk="high", tiers={"C": "warning"})
def primary_key(ctx):
    """Every entity has a primary key made of its own fields.

    Why: Without a key there is no identity: updates, deduplication, foreign keys and idempotency
    all need one.
    Fix: Add `primary_key: [id]` naming fields the entity declares.
    Plan: In the data model step, give each entity a stable key (a uuid id or a natural key).
    Bad:
        - {name: Order, fields: [{name: id, type: uuid}]}
    Good:
        - {name: Order, primary_key: [id], fields: [{name: id, type: uuid}]}
    """
    for i, entity in enumerate(ctx.design.data_model.entities):
        kp = ("data_model", "entities", i)
        if not entity.primary_key:
            yield Hit(kp + ("primary_key",), f"entity {entity.name} has no primary key")
            continue
        names = {f.name for f in entity.fields}
        for j, col in enumerate(entity.primary_key):
            if col in names:
                continue
            if names:
                yield Hit(kp + ("primary_key", j),
                          f"primary key column {col!r} of {entity.name} is not one of its fields",
                          fix=f"add `{format_key_path(kp + ('fields',))}: [{{name: {col}, type: uuid}}]` "
                              f"or key it on: {names_list(sorted(names))}")
            else:
                yield Hit(kp + ("primary_key", j),
                          f"{entity.name} declares no fields, so its primary key column {col!r} is not one of them",
                          fix=f"add `{format_key_path(kp + ('fields',))}: [{{name: {col}, type: uuid}}]`")


@rule("DAT002", "data.references-exist", "error", step="data_model", seed=seeds.DATA,
      checklist="data-model", risk="high", tiers={"C": "error"})
def references_exist(ctx):
    """Every relationship and schema reference names an entity or schema that exists.

    Why: A dangling reference means the contract and the storage disagree; generated OpenAPI, DDL
    and diagrams would be wrong or fail.
    Fix: Correct the name, or add the missing entity (data_model.entities) or schema (api.schemas).
    Plan: In the data model and API steps, define every entity and schema that is referenced.
    Bad:
        relationships: [{target: Custmer}]
    Good:
        relationships: [{target: Customer, field: customer_id}]
    """
    entities, schemas = ctx.entities, ctx.schemas
    known = sorted(set(entities) | set(schemas))

    def fix_for(name):
        return f"define {name!r} or use one of: {names_list(known, 8)}" if known else f"define {name!r}"

    for i, entity in enumerate(ctx.design.data_model.entities):
        fields = {f.name for f in entity.fields}
        for j, rel in enumerate(entity.relationships):
            kp = ("data_model", "entities", i, "relationships", j)
            if rel.target not in entities:
                yield Hit(kp + ("target",), f"{entity.name} relates to unknown entity {rel.target!r}",
                          fix=fix_for(rel.target))
            if rel.field and fields and rel.field not in fields:
                yield Hit(kp + ("field",), f"{entity.name} relationship uses field {rel.field!r} it does not declare")

    def check_ref(kp, ref, what):
        if ref and ctx.resolve_schema(ref) is None:
            yield Hit(kp, f"{what} names unknown schema {strip_list(ref)!r}", fix=fix_for(strip_list(ref)))

    def unknown(ref) -> bool:
        return bool(ref) and ctx.resolve_schema(ref) is None

    for kp, ep in ctx.endpoints():    # key paths and messages are built only for what is unknown
        if ep.request is not None and unknown(ep.request.schema_):
            yield from check_ref(kp + ("request", "schema"), ep.request.schema_, f"{ep.label} request")
        for j, resp in enumerate(ep.responses):
            if unknown(resp.schema_):
                yield from check_ref(kp + ("responses", j, "schema"), resp.schema_, f"{ep.label} response {resp.status}")
        for key in ("writes", "reads"):
            for j, name in enumerate(getattr(ep, key)):
                if name not in entities:
                    yield Hit(kp + (key, j), f"{ep.label} {key} unknown entity {name!r}", fix=fix_for(name))
    for kp, ch in ctx.channels():
        yield from check_ref(kp + ("message",), ch.message, f"channel {ch.name} message")
        for j, name in enumerate(ch.writes):
            if name not in entities:
                yield Hit(kp + ("writes", j), f"channel {ch.name} writes unknown entity {name!r}", fix=fix_for(name))
    for i, hook in enumerate(ctx.design.api.webhooks):
        yield from check_ref(("api", "webhooks", i, "payload"), hook.payload, f"webhook {hook.name} payload")
    for i, table in enumerate(ctx.design.persistence.tables):
        if table.entity and table.entity not in entities:
            yield Hit(("persistence", "tables", i, "entity"),
                      f"table {table.name} stores unknown entity {table.entity!r}", fix=fix_for(table.entity))


@rule("DAT003", "data.invariants-stated", "warning", step="data_model", seed=seeds.C_DATA,
      checklist="data-model", tiers={"A": "error"})
def invariants_stated(ctx):
    """Every entity that the API writes states its invariants.

    Why: Invariants are what every write must preserve (uniqueness, allowed state moves, sums);
    unstated, each handler enforces its own idea of them and data drifts.
    Fix: Add `invariants:` to the entity, one rule per line, e.g. "status moves draft -> sent, never back".
    Plan: In the data model step, write what must always hold for each written entity.
    Bad:
        - {name: Order, primary_key: [id]}
    Good:
        - {name: Order, primary_key: [id], invariants: [total equals the sum of its lines]}
    """
    written = ctx.written_entities
    for i, entity in enumerate(ctx.design.data_model.entities):
        if entity.name in written and is_placeholder(entity.invariants):
            yield Hit(("data_model", "entities", i, "invariants"),
                      f"entity {entity.name} is written by {names_list(written[entity.name], 3)} "
                      "but states no invariants")


_PERSONAL = re.compile(
    r"(^|_)(e_?mail|phone|mobile|ssn|social_security|passport|birth|dob|address|first_name|"
    r"last_name|full_name|iban|card_number|pan|national_id|tax_id)(_|$)", re.IGNORECASE)
_CREDENTIAL = re.compile(
    r"(^|_)(password|passwd|password_hash|secret|api_?key|private_key|access_token|refresh_token|"
    r"client_secret)(_|$)", re.IGNORECASE)


@rule("DAT004", "data.classify-sensitive-fields", "warning", step="data_model", seed=seeds.SECURITY,
      checklist="data-model", risk="high", tiers={"A": "error"})
def classify_sensitive_fields(ctx):
    """Fields that look like personal data or credentials are classified as such.

    Why: Classification drives redaction from logs, audit of writes and retention; an e-mail or
    password hash left as "internal" escapes all three.
    Fix: Set `classification: pii` (or `credential`) on the field or on the whole entity.
    Plan: In the data model step, classify every field holding personal data or credentials.
    Bad:
        - {name: email, type: email}
    Good:
        - {name: email, type: email, classification: pii}
    """
    for i, entity in enumerate(ctx.design.data_model.entities):
        for j, f in enumerate(entity.fields):
            cls = f.classification or entity.classification
            if _CREDENTIAL.search(f.name) and cls not in ("credential", "secret"):
                yield Hit(("data_model", "entities", i, "fields", j, "classification"),
                          f"{entity.name}.{f.name} looks like a credential but is classified {cls}",
                          fix="set `classification: credential` on the field")
            elif _PERSONAL.search(f.name) and cls in ("public", "internal"):
                yield Hit(("data_model", "entities", i, "fields", j, "classification"),
                          f"{entity.name}.{f.name} looks like personal data but is classified {cls}",
                          fix="set `classification: pii` on the field")


@rule("DAT005", "data.retention-for-personal-data", "warning", step="data_model", seed=seeds.DATA,
      checklist="data-model")
def retention_for_personal_data(ctx):
    """Entities holding personal data or credentials state their retention.

    Why: Compliance (GDPR and the like) requires a stated retention and deletion path for personal
    data; unbounded retention is also unbounded breach impact.
    Fix: Add `lifecycle: {retention: "90 days, then deleted by a nightly job"}` to the entity.
    Plan: In the data model step, decide how long each personal-data entity is kept and how it is deleted.
    Bad:
        - {name: Customer, classification: pii}
    Good:
        - {name: Customer, classification: pii, lifecycle: {retention: 2 years after last order}}
    """
    for i, entity in enumerate(ctx.design.data_model.entities):
        holds = entity.classification in NEVER_LOGGED or any(f.classification in NEVER_LOGGED for f in entity.fields)
        if holds and (entity.lifecycle is None or is_placeholder(entity.lifecycle.retention)):
            yield Hit(("data_model", "entities", i, "lifecycle"),
                      f"entity {entity.name} holds personal data or credentials but states no retention")


def snake_name(name: str) -> str:
    """``OrderLine`` -> ``order_line``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _named_entity(ctx, by_snake: dict[str, str], field) -> str | None:
    """The entity a ``*_id`` field names: ``customer_id`` -> Customer, and with a role in front,
    ``owner_member_id`` -> Member, ``reverses_transfer_id`` -> Transfer, when the field has the
    type of that entity's key (so ``stripe_customer_id``, a string, is Stripe's id, not ours)."""
    parts = field.name[:-3].lower().split("_")
    for start in range(len(parts)):
        found = by_snake.get("_".join(parts[start:]))
        if found is None:
            continue
        if start == 0:
            return found
        target = ctx.entities[found]
        key = [f for f in target.fields if f.name in target.primary_key]
        return found if len(key) == 1 and key[0].type == field.type else None
    return None


@rule("DAT006", "data.foreign-keys-related", "warning", step="data_model", seed=seeds.DATA,
      checklist="data-model", tiers={"A": "error", "C": "info"})
def foreign_keys_related(ctx):
    """A `*_id` field that names another entity (`customer_id`, `owner_member_id` -> Member) has a relationship to it.

    Why: The field is a reference in all but name; without the relationship there is no foreign
    key, no on-delete rule and no join the reviewer can see, and orphans are one delete away.
    Fix: Add the relationship, e.g. `data_model.entities[0].relationships: [{target: Customer, field: customer_id, on_delete: restrict}]`,
    or rename the field if it holds someone else's id (e.g. `stripe_customer_ref`).
    Plan: In the data model step, turn every reference to another entity into a relationship with its on-delete rule.
    Bad:
        - {name: Order, fields: [{name: id, type: uuid}, {name: customer_id, type: uuid}]}
    Good:
        - {name: Order, fields: [{name: id, type: uuid}, {name: customer_id, type: uuid}], relationships: [{target: Customer, field: customer_id}]}
    """
    by_snake = {snake_name(name): name for name in ctx.entities}
    for i, entity in enumerate(ctx.design.data_model.entities):
        related = {(r.target, r.field) for r in entity.relationships}
        targets = {r.target for r in entity.relationships if not r.field}
        for j, f in enumerate(entity.fields):
            if not f.name.endswith("_id") or entity.primary_key == [f.name]:
                continue     # its own key; a column of a composite key may still reference another entity
            target = _named_entity(ctx, by_snake, f)
            if target is None or target == entity.name or target in targets or (target, f.name) in related:
                continue
            rels = format_key_path(("data_model", "entities", i, "relationships"))
            yield Hit(("data_model", "entities", i, "fields", j),
                      f"{entity.name}.{f.name} names entity {target} but no relationship says so",
                      fix=f"add `{rels}: [{{target: {target}, field: {f.name}}}]`")
