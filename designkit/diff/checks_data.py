"""The data model and its storage: entities, classification, retention, tables, columns, migrations."""

from __future__ import annotations

import re

from ..core.durations import leading_duration
from .base import Hit, check
from .checks_fields import lower_max, type_relation
from .context import pair

_CLASS_ORDER = {"public": 0, "internal": 1, "confidential": 2, "pii": 3, "credential": 4, "secret": 5}
_CASCADE_WORSE = {"restrict": 0, "no-action": 0, "set-null": 1, "cascade": 2}
# Words in persistence.migrations.strategy that say how a destructive change is undone or staged.
_REVERSIBLE = re.compile(r"expand|contract|revers|rollback|roll back|down[- ]migration|backfill|"
                         r"two[- ]phase|dual[- ]write|backup|snapshot", re.IGNORECASE)


def _entities(ctx):
    return ctx.iter_named(lambda d: d.data_model.entities, ("data_model", "entities"))


@check("DIFF079", "entity-removed", "breaking", area="data")
def entity_removed(ctx):
    """An entity was removed from the data model.

    Why: Its records, the endpoints that serve it and the tables that store it go with it; data
    that exists in production has no home.
    Fix: Say what happens to the existing records (migrated, archived, deleted) in a decision,
    then remove it.
    """
    for i, e in ctx.named(lambda d: d.data_model.entities).removed:
        yield Hit(f"entity {e.name} was removed", old=("data_model", "entities", i))


@check("DIFF080", "primary-key-changed", "breaking", area="data")
def primary_key_changed(ctx):
    """An entity's primary key changed.

    Why: Every reference to a record (URLs, foreign keys, caches, other services) uses the key.
    Fix: Keep the old key as a unique column and add the new one beside it.
    """
    for o, n, okp, nkp in _entities(ctx):
        if o.primary_key and n.primary_key != o.primary_key:
            yield Hit(f"entity {n.name}: primary key changed from {o.primary_key} to {n.primary_key}",
                      old=(*okp, "primary_key"), new=(*nkp, "primary_key"))


@check("DIFF081", "classification-lowered", "warning", area="data")
def classification_lowered(ctx):
    """Data is classified lower than before (pii to internal, confidential to public).

    Why: The classification decides encryption, logging, access and retention; lowering it relaxes
    all of them for data that did not change.
    Fix: Keep the classification, or record the reason (the data was anonymised) in a decision.
    """
    for o, n, okp, nkp in _entities(ctx):
        if _CLASS_ORDER[n.classification] < _CLASS_ORDER[o.classification]:
            yield Hit(f"entity {n.name}: classification lowered from {o.classification} to {n.classification}",
                      old=(*okp, "classification"), new=(*nkp, "classification"))
        for i, a, j, b in pair(o.fields, n.fields, lambda f: f.name).both:
            if a.classification and _CLASS_ORDER[b.classification or n.classification] < _CLASS_ORDER[a.classification]:
                yield Hit(f"field {b.name} of entity {n.name}: classification lowered from {a.classification} "
                          f"to {b.classification or n.classification}", old=(*okp, "fields", i, "classification"),
                          new=(*nkp, "fields", j))
    for fp in ctx.field_pairs:      # schema and inline fields (entities' own fields are above, used or not)
        if fp.old is None or fp.new is None or fp.old_path[0] == "data_model":
            continue
        o, n = getattr(fp.old, "classification", None), getattr(fp.new, "classification", None)
        if o and _CLASS_ORDER.get(n or "public", 0) < _CLASS_ORDER[o]:
            yield Hit(f"{fp.label}: classification lowered from {o} to {n or 'unstated'}",
                      old=(*fp.old_path, "classification"), new=fp.new_path)


@check("DIFF082", "retention-shortened", "warning", area="data")
def retention_shortened(ctx):
    """Data is kept for less time than before (an entity, a topic, the audit trail).

    Why: Records are deleted sooner than consumers, auditors or regulations may expect; a
    consumer that is down for longer than the new retention loses messages.
    Fix: Check the legal and business retention needs, and consumers' recovery time, against it.
    """
    items = []
    for o, n, okp, nkp in _entities(ctx):
        items.append((f"entity {n.name}", o.lifecycle and o.lifecycle.retention, n.lifecycle and n.lifecycle.retention,
                      (*okp, "lifecycle", "retention"), (*nkp, "lifecycle", "retention")))
    for o, n, okp, nkp in ctx.iter_named(lambda d: d.api.channels, ("api", "channels")):
        items.append((f"channel {n.name}", o.retention, n.retention, (*okp, "retention"), (*nkp, "retention")))
    o, n = ctx.old.observability.audit, ctx.new.observability.audit
    at = ("observability", "audit", "retention")
    items.append(("the audit trail", o and o.retention, n and n.retention, at, at))
    for label, old, new, okp, nkp in items:
        a, b = leading_duration(old or None), leading_duration(new or None)
        if a and b and b < a:
            yield Hit(f"{label}: retention shortened from {old} to {new}", old=okp, new=nkp)


@check("DIFF083", "lifecycle-state-removed", "warning", area="data")
def lifecycle_state_removed(ctx):
    """A lifecycle state of an entity was removed.

    Why: Records already in that state exist, and clients filter or display by it.
    Fix: Migrate records out of the state first and say so in a decision; keep clients' filters working.
    """
    for o, n, okp, nkp in _entities(ctx):
        old = o.lifecycle.states if o.lifecycle else []
        new = n.lifecycle.states if n.lifecycle else []
        for k, state in enumerate(old):
            if new and state not in new:
                yield Hit(f"entity {n.name}: state {state} removed", old=(*okp, "lifecycle", "states", k),
                          new=(*nkp, "lifecycle", "states"))


@check("DIFF084", "relationship-removed", "warning", area="data")
def relationship_removed(ctx):
    """A relationship between entities was removed.

    Why: The foreign key and the queries and endpoints that follow it go too.
    Fix: Say what replaces the link, and migrate the key column before dropping it.
    """
    for o, n, okp, nkp in _entities(ctx):
        new = {(r.target, r.field) for r in n.relationships}
        for k, r in enumerate(o.relationships):
            if (r.target, r.field) not in new:
                yield Hit(f"entity {n.name}: relationship to {r.target} removed",
                          old=(*okp, "relationships", k), new=nkp)


@check("DIFF085", "delete-cascades", "warning", area="data")
def delete_cascades(ctx):
    """Deleting a record now deletes (or nulls) more related records than before.

    Why: One delete now removes or orphans data it used to protect; a mistaken delete costs more.
    Fix: Keep `restrict`, or record the decision and make the delete audited.
    """
    for o, n, okp, nkp in _entities(ctx):
        old = {(r.target, r.field): r.on_delete for r in o.relationships}
        for k, r in enumerate(n.relationships):
            was = old.get((r.target, r.field))
            if was and _CASCADE_WORSE[r.on_delete] > _CASCADE_WORSE[was]:
                yield Hit(f"entity {n.name}: on_delete for {r.target} changed from {was} to {r.on_delete}",
                          old=(*okp, "relationships"), new=(*nkp, "relationships", k, "on_delete"))


@check("DIFF086", "invariant-removed", "warning", area="data")
def invariant_removed(ctx):
    """An invariant of an entity was removed.

    Why: What was guaranteed (a balance never negative) no longer is, and code that relied on it breaks quietly.
    Fix: Keep the invariant, or say in a decision why it no longer holds.
    """
    for o, n, okp, nkp in _entities(ctx):
        for k, text in enumerate(o.invariants):
            if text not in n.invariants:
                yield Hit(f"entity {n.name}: invariant removed: {text}", old=(*okp, "invariants", k), new=nkp)


# --------------------------------------------------------------------------- persistence


@check("DIFF087", "table-dropped", "breaking", area="persistence")
def table_dropped(ctx):
    """A table was dropped.

    Why: Its data is deleted; a rollback of the code cannot bring it back.
    Fix: Stop writing, archive or migrate the data, and drop the table in a later release.
    """
    for i, t in ctx.tables.removed:
        yield Hit(f"table {t.name} was dropped", old=("persistence", "tables", i))


@check("DIFF088", "column-dropped", "breaking", area="persistence")
def column_dropped(ctx):
    """A column was dropped from a table.

    Why: Its data is deleted; the previous release, still running during a deploy, reads it and fails.
    Fix: Expand/contract: stop reading it, deploy, then drop it in a later release.
    """
    for c in ctx.column_pairs:
        if c.new is None:
            yield Hit(f"table {c.table}: column {c.old.name} dropped", old=c.old_path)


@check("DIFF089", "column-type-changed", "breaking", area="persistence")
def column_type_changed(ctx):
    """A column's type was narrowed or changed (text to varchar, number to integer, string to uuid).

    Why: Existing values may not convert; the migration fails halfway or truncates data.
    Fix: Add a column of the new type, backfill it, switch reads, then drop the old one.
    """
    for c in ctx.column_pairs:
        if c.old is not None and c.new is not None and type_relation(c.old.type, c.new.type) in ("narrowed", "changed"):
            yield Hit(f"table {c.table}: column {c.new.name} changed from {c.old.type} to {c.new.type}",
                      old=c.old_path, new=(*c.new_path, "type"))


@check("DIFF090", "column-length-reduced", "breaking", area="persistence")
def column_length_reduced(ctx):
    """A column holds shorter strings or smaller numbers than before (max_length or maximum lowered).

    Why: Existing values that no longer fit make the migration fail or get truncated.
    Fix: Check the longest stored value first; shrink only below it, in its own migration.
    """
    for c in ctx.column_pairs:
        if c.old is None or c.new is None:
            continue
        for name in ("max_length", "maximum"):
            a, b = getattr(c.old, name), getattr(c.new, name)
            if lower_max(a, b):
                yield Hit(f"table {c.table}: column {c.new.name} {name} lowered from {a or 'none'} to {b}",
                          old=c.old_path, new=(*c.new_path, name))


@check("DIFF091", "not-null-column-without-default", "breaking", area="persistence")
def not_null_column_without_default(ctx):
    """A required column without a default was added to an existing table.

    Why: Existing rows have no value for it; the migration fails, or the previous release's inserts do.
    Fix: Add it nullable (or with a default), backfill, then make it required.
    """
    for c in ctx.column_pairs:
        if c.old is None and c.new.required and c.new.default is None:
            yield Hit(f"table {c.table}: new required column {c.new.name} has no default", new=c.new_path)


@check("DIFF092", "column-made-required", "warning", area="persistence")
def column_made_required(ctx):
    """An optional column became required (NOT NULL).

    Why: Rows with no value make the migration fail; the previous release may still insert nulls.
    Fix: Backfill every null first and deploy writers that always set it, then add the constraint.
    """
    for c in ctx.column_pairs:
        if c.old is not None and c.new is not None and c.new.required and not c.old.required:
            yield Hit(f"table {c.table}: column {c.new.name} is now required", old=c.old_path,
                      new=(*c.new_path, "required"))


@check("DIFF093", "unique-constraint-added", "warning", area="persistence")
def unique_constraint_added(ctx):
    """A column or index became unique.

    Why: Existing duplicates make the migration fail; writes that used to succeed are refused.
    Fix: Find and resolve duplicates first; build the unique index concurrently.
    """
    for c in ctx.column_pairs:
        if c.old is not None and c.new is not None and c.new.unique and not c.old.unique:
            yield Hit(f"table {c.table}: column {c.new.name} is now unique", old=c.old_path,
                      new=(*c.new_path, "unique"))
    for ti, o, tj, n in ctx.tables.both:
        old = {tuple(x.columns): x for x in o.indexes}
        for k, x in enumerate(n.indexes):
            was = old.get(tuple(x.columns))
            if x.unique and was is not None and not was.unique:
                yield Hit(f"table {n.name}: index on {', '.join(x.columns)} is now unique",
                          old=("persistence", "tables", ti, "indexes"), new=("persistence", "tables", tj, "indexes", k))


@check("DIFF094", "index-removed", "warning", area="persistence")
def index_removed(ctx):
    """An index was removed from a table.

    Why: The queries it served now scan the table; a unique index also stops guarding against duplicates.
    Fix: Check the access patterns it served; keep it while any query needs it.
    """
    for ti, o, tj, n in ctx.tables.both:
        new = {tuple(x.columns) for x in n.indexes}
        for k, x in enumerate(o.indexes):
            if tuple(x.columns) not in new:
                yield Hit(f"table {n.name}: index {x.name or ', '.join(x.columns)} removed",
                          old=("persistence", "tables", ti, "indexes", k), new=("persistence", "tables", tj))


@check("DIFF095", "store-removed", "breaking", area="persistence")
def store_removed(ctx):
    """A data store was removed.

    Why: What it holds is gone unless it was migrated; everything that reads it fails.
    Fix: Migrate the data and every reader first; say where it went in a decision.
    """
    for i, s in ctx.named(lambda d: d.persistence.stores).removed:
        yield Hit(f"store {s.name} ({s.kind}) was removed", old=("persistence", "stores", i))


@check("DIFF096", "durability-lowered", "warning", area="persistence")
def durability_lowered(ctx):
    """A store keeps fewer copies of its data, or became ephemeral.

    Why: One failure now loses data that used to survive it.
    Fix: Keep the replicas, or state in a decision that the data can be rebuilt.
    """
    for o, n, okp, nkp in ctx.iter_named(lambda d: d.persistence.stores, ("persistence", "stores")):
        if n.ephemeral and not o.ephemeral:
            yield Hit(f"store {n.name} is now ephemeral", old=okp, new=(*nkp, "ephemeral"))
        elif o.replicas and n.replicas and n.replicas < o.replicas:
            yield Hit(f"store {n.name}: replicas lowered from {o.replicas} to {n.replicas}",
                      old=(*okp, "replicas"), new=(*nkp, "replicas"))


@check("DIFF118", "store-kind-changed", "warning", area="persistence")
def store_kind_changed(ctx):
    """A data store changed engine (PostgreSQL to DynamoDB, Redis to Memcached).

    Why: the data must be migrated while the service runs, and what the old engine guaranteed
    (transactions, durability, ordering) may not hold in the new one.
    Fix: plan the migration in a decision: dual writes or a backfill, the cut-over, and the way back.
    """
    for o, n, okp, nkp in ctx.iter_named(lambda d: d.persistence.stores, ("persistence", "stores")):
        if o.kind != n.kind:
            yield Hit(f"store {n.name} changed from {o.kind} to {n.kind}", old=(*okp, "kind"), new=(*nkp, "kind"))


@check("DIFF097", "table-moved", "warning", area="persistence")
def table_moved(ctx):
    """A table now lives in another store.

    Why: Its data must be copied while the service runs; transactions that joined it with other
    tables in the old store no longer can.
    Fix: Plan the move (dual writes, backfill, switch reads) and say so in the migration strategy.
    """
    for ti, o, tj, n in ctx.tables.both:
        if o.store and n.store != o.store:
            yield Hit(f"table {n.name} moved from store {o.store} to {n.store or '(none)'}",
                      old=("persistence", "tables", ti, "store"), new=("persistence", "tables", tj))


_DESTRUCTIVE = ("DIFF079", "DIFF087", "DIFF088", "DIFF089", "DIFF090", "DIFF095")


@check("DIFF098", "irreversible-migration", "breaking", area="persistence", after_changes=True)
def irreversible_migration(ctx):
    """The change needs a destructive migration and the design does not say how it is undone.

    Why: A dropped table or column, or a narrowed type, loses data; rolling back the code does not
    bring it back, and a failed deploy becomes an outage with data loss.
    Fix: State the strategy in `persistence.migrations.strategy` (expand/contract, a backfill, a
    backup taken before the drop), or split the change so each step can be rolled back.
    """
    destructive = [c for c in ctx.changes if c.code in _DESTRUCTIVE]
    strategy = ctx.new.persistence.migrations.strategy if ctx.new.persistence.migrations else None
    if destructive and not (strategy and _REVERSIBLE.search(strategy)):
        codes = ", ".join(sorted({c.code for c in destructive}))
        at = ("persistence", "migrations", "strategy") if strategy else ("persistence",)
        yield Hit(f"{len(destructive)} destructive change(s) ({codes}) and no reversible migration strategy",
                  new=at)
