"""Persistence rules: access patterns indexed, migrations, idempotency store, stores chosen for a reason."""

from __future__ import annotations

from ..core.model import RELATIONAL_STORE_KINDS
from . import seeds
from .base import Hit, endpoint_label, is_placeholder, names_list, rule


def _serves(columns: list[str], index_columns: list[str]) -> bool:
    """An index serves a query on ``columns`` when they are its leading columns (in any order)."""
    return bool(columns) and set(columns) == set(index_columns[:len(columns)])


@rule("PER001", "persistence.access-patterns-indexed", "warning", step="persistence",
      seed=seeds.STORAGE, checklist="performance", tiers={"A": "error"})
def access_patterns_indexed(ctx):
    """Every query access pattern is served by an index whose leading columns match, or states why none is needed.

    Why: A query on unindexed columns is a full scan that is fast in review and slow in production;
    storage is chosen from access patterns, so each must be accounted for.
    Fix: Add an index whose leading columns are the pattern's columns and name it in `served_by`,
    or write a `reason` (e.g. "served by the primary key", "table stays under 1,000 rows").
    Plan: In the persistence step, list every query, then the index that serves each.
    Bad:
        access_patterns: [{name: by-customer, table: orders, columns: [customer_id]}]
    Good:
        access_patterns: [{name: by-customer, table: orders, columns: [customer_id, created_at], served_by: ix_orders_customer}]
    """
    for i, ap in enumerate(ctx.design.persistence.access_patterns):
        kp = ("persistence", "access_patterns", i)
        if not is_placeholder(ap.reason):
            continue
        table = ctx.tables.get(ap.table or "")
        if table is None:
            yield Hit(kp + ("table",), f"access pattern {ap.name} names no known table")
            continue
        if ap.served_by:
            index = next((x for x in table.indexes if x.name == ap.served_by), None)
            if index is None:
                yield Hit(kp + ("served_by",), f"access pattern {ap.name} is served by {ap.served_by!r}, "
                          f"which is not an index of {table.name}",
                          fix=f"use one of: {names_list([x.name for x in table.indexes if x.name]) or '(no named indexes)'}")
            elif ap.columns and not _serves(ap.columns, index.columns):
                yield Hit(kp + ("served_by",), f"index {index.name} ({', '.join(index.columns)}) does not lead "
                          f"with the columns of {ap.name} ({', '.join(ap.columns)})")
            continue
        entity = ctx.entities.get(table.entity or "")
        candidates = [x.columns for x in table.indexes] + ([entity.primary_key] if entity and entity.primary_key else [])
        if not any(_serves(ap.columns, cols) for cols in candidates):
            what = f"columns {', '.join(ap.columns)}" if ap.columns else "no columns"
            yield Hit(kp, f"access pattern {ap.name} ({what}) is served by no index and states no reason")


@rule("PER002", "persistence.migrations", "warning", step="persistence", seed=seeds.MIGRATIONS,
      checklist="performance", tiers={"A": "error"})
def migrations(ctx):
    """A design that stores data states its migration strategy.

    Why: The schema will change while the old version is still running; without an
    expand/contract plan, a deploy breaks reads or loses writes.
    Fix: Add `persistence.migrations: {tool: Alembic, strategy: "expand/contract; each migration backward compatible"}`.
    Plan: In the persistence step, choose the migration tool and how changes stay backward compatible.
    Bad:
        persistence: {tables: [...]}
    Good:
        persistence: {migrations: {tool: Alembic, strategy: "expand/contract; each migration backward compatible"}}
    """
    p = ctx.design.persistence
    stores_data = p.tables or any(s.kind in RELATIONAL_STORE_KINDS for s in p.stores) or (
        ctx.design.data_model.entities and not p.stores)
    if stores_data and (p.migrations is None or is_placeholder(p.migrations.strategy)):
        yield Hit(("persistence", "migrations"), "no migration strategy is stated")


@rule("PER003", "persistence.idempotency-store", "error", step="persistence",
      seed=seeds.IDEMPOTENCY_MODEL, checklist="failure-modes", risk="high", tiers={"C": "warning"})
def idempotency_store(ctx):
    """Every idempotency key names where seen keys are stored, and that store keeps them for a stated time.

    Why: An idempotency key nobody stores protects nothing; a store without a TTL grows forever
    or forgets keys while clients still retry.
    Fix: Set the endpoint's `idempotency.store` to a persistence table or store, and describe it in
    `persistence.idempotency` (table, key, ttl).
    Plan: In the persistence step, design the idempotency-key table: key, scope, TTL longer than client retries.
    Bad:
        idempotency: {strategy: idempotency-key, key: header Idempotency-Key}
    Good:
        idempotency: {strategy: idempotency-key, key: header Idempotency-Key, store: idempotency_keys}
    """
    p = ctx.design.persistence
    places = set(ctx.tables) | set(ctx.stores)
    uses_keys = False
    for kp, ep in ctx.endpoints():
        idem = ep.idempotency
        if idem is None or idem.strategy != "idempotency-key":
            continue
        uses_keys = True
        label = endpoint_label(ep)
        if is_placeholder(idem.key):
            yield Hit(kp + ("idempotency", "key"), f"{label} uses idempotency keys but does not say where the key comes from")
        store = idem.store or (p.idempotency.table or p.idempotency.store if p.idempotency else None)
        if not store:
            yield Hit(kp + ("idempotency", "store"), f"{label} does not say where its idempotency keys are stored")
        elif store not in places:
            yield Hit(kp + ("idempotency", "store"),
                      f"{label} stores idempotency keys in {store!r}, which is not a persistence table or store",
                      fix=f"use one of: {names_list(sorted(places), 8)}" if places else "add the table to persistence.tables")
    if uses_keys and (p.idempotency is None or is_placeholder(p.idempotency.ttl)):
        yield Hit(("persistence", "idempotency"), "idempotency keys are used but their store and TTL are not described",
                  fix="add `persistence.idempotency: {table: ..., key: ..., ttl: ...}`")


@rule("PER004", "persistence.references-exist", "error", step="persistence",
      seed=seeds.SCHEMA_TABLES, checklist="performance", tiers={"C": "error"})
def references_exist(ctx):
    """Tables name known stores, and index and access-pattern columns are fields of the stored entity.

    Why: An index on a column the entity does not have cannot be created; the generated DDL fails
    or, worse, the design and the database drift apart.
    Fix: Correct the column or store name, or add the field to the entity.
    Plan: In the persistence step, derive every table's indexes from its entity's fields.
    Bad:
        tables: [{name: orders, entity: Order, indexes: [{columns: [custmer_id]}]}]
    Good:
        tables: [{name: orders, entity: Order, indexes: [{columns: [customer_id]}]}]
    """
    for i, table in enumerate(ctx.design.persistence.tables):
        kp = ("persistence", "tables", i)
        if table.store and table.store not in ctx.stores:
            yield Hit(kp + ("store",), f"table {table.name} is in unknown store {table.store!r}")
        entity = ctx.entities.get(table.entity or "")
        fields = {f.name for f in entity.fields} if entity else set()
        if not fields:
            continue
        for j, index in enumerate(table.indexes):
            for k, col in enumerate(index.columns):
                if col not in fields:
                    yield Hit(kp + ("indexes", j, "columns", k),
                              f"index {index.name or j} of {table.name} uses {col!r}, not a field of {entity.name}")
    for i, ap in enumerate(ctx.design.persistence.access_patterns):
        table = ctx.tables.get(ap.table or "")
        entity = ctx.entities.get(table.entity or "") if table else None
        fields = {f.name for f in entity.fields} if entity else set()
        for k, col in enumerate(ap.columns):
            if fields and col not in fields:
                yield Hit(("persistence", "access_patterns", i, "columns", k),
                          f"access pattern {ap.name} uses {col!r}, not a field of {entity.name}")


@rule("PER005", "persistence.store-rationale", "warning", step="persistence", seed=seeds.STORAGE,
      checklist="performance", tiers={"C": "info"})
def store_rationale(ctx):
    """Every store states its purpose and its durability.

    Why: Stores are chosen by access pattern and durability need; a store without both cannot be
    reviewed (is losing it harmless, or is it the system of record?).
    Fix: Add `purpose:` and `durability:` (e.g. "synchronous replica in a second zone", "none needed").
    Plan: In the persistence step, state what each store holds and what losing it would cost.
    Bad:
        stores: [{name: cache, kind: redis}]
    Good:
        stores: [{name: cache, kind: redis, purpose: Session cache, durability: none needed (rebuilt on miss)}]
    """
    for i, store in enumerate(ctx.design.persistence.stores):
        for key in ("purpose", "durability"):
            value = getattr(store, key)
            # "durability: none" is an answer (losing it is harmless); only silence is a gap.
            if is_placeholder(value):
                yield Hit(("persistence", "stores", i, key), f"store {store.name} states no {key}")


