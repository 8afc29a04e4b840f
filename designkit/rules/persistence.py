"""Persistence rules: access patterns indexed, migrations, idempotency store, stores chosen for a reason."""

from __future__ import annotations

from ..core.durations import leading_duration, parse_duration
from ..core.model import RELATIONAL_STORE_KINDS
from . import seeds
from .base import Hit, endpoint_label, is_placeholder, is_stated, names_list, rule


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
        key = ctx.table_key(table)
        candidates = [x.columns for x in table.indexes] + ([key] if key else [])
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
    """Every idempotency key is kept in a described idempotency store, on a real table, for a stated time.

    Why: An idempotency key nobody stores protects nothing; a store whose table is not in the
    schema is never created, and one without a TTL grows forever or forgets keys while clients
    still retry. A store that forgets keys sooner than the endpoints using it promise (24 hours
    promised, 1 hour kept) applies a late retry twice.
    Fix: Describe each store of keys in `persistence.idempotency` (its table, key and ttl), declare
    that table in `persistence.tables` (an entity or its own columns), and name the store in the
    endpoint's `idempotency.store`.
    Plan: In the persistence step, design each idempotency-key table: key, scope, TTL longer than client retries.
    Bad:
        idempotency: {strategy: idempotency-key, key: header Idempotency-Key}
        persistence: {idempotency: []}
    Good:
        idempotency: {strategy: idempotency-key, key: header Idempotency-Key, store: request-keys}
        persistence: {idempotency: [{name: request-keys, table: idempotency_keys, key: "user_id + Idempotency-Key", ttl: 24 hours}]}
    """
    p = ctx.design.persistence
    described = ctx.idempotency_stores
    example_table = "idempotency_keys"
    # which stores are used, and whether every endpoint using one states its own ttl
    used_by: dict[str, list] = {}
    for kp, ep in ctx.endpoints():
        idem = ep.idempotency
        if idem is None or idem.strategy != "idempotency-key":
            continue
        label = endpoint_label(ep)
        if is_placeholder(idem.key):
            yield Hit(kp + ("idempotency", "key"), f"{label} uses idempotency keys but does not say where the key comes from",
                      fix="add `key: header Idempotency-Key` (or the fields the key is made of)")
        name = idem.store
        if not name and len(p.idempotency) == 1:
            name = p.idempotency[0].ref            # the only store there is
        if not name:
            yield Hit(kp + ("idempotency", "store"),
                      f"{label} does not say which idempotency store keeps its keys"
                      + (f" (there are {len(p.idempotency)}: {names_list([s.ref for s in p.idempotency])})"
                         if p.idempotency else ""),
                      fix=f"add `store: {p.idempotency[0].ref if p.idempotency else 'request-keys'}` and describe it: "
                          f"`persistence.idempotency: [{{name: request-keys, table: {example_table}, ttl: 24 hours}}]`")
            continue
        if name in described:
            used_by.setdefault(described[name][1].ref, []).append(idem)
            continue
        if name in ctx.tables or name in ctx.stores:
            what = "a table" if name in ctx.tables else "a store"
            table = name if name in ctx.tables else example_table
            yield Hit(kp + ("idempotency", "store"),
                      f"{label} keeps idempotency keys in {name!r}, {what} that persistence.idempotency does "
                      "not describe (key, time to live)",
                      fix=f"add `persistence.idempotency: [{{name: {name}, table: {table}, ttl: 24 hours}}]`")
        else:
            known = sorted({s.ref for s in p.idempotency})
            yield Hit(kp + ("idempotency", "store"),
                      f"{label} keeps idempotency keys in {name!r}, which is not an idempotency store",
                      fix=f"use one of: {names_list(known, 8)}" if known else
                          f"add `persistence.idempotency: [{{name: {name}, table: {example_table}, ttl: 24 hours}}]`")
    for i, store in enumerate(p.idempotency):
        kp = ("persistence", "idempotency", i)
        if store.table not in ctx.tables:
            yield Hit(kp + ("table",),
                      f"idempotency store {store.ref} keeps its keys in {store.table!r}, which persistence.tables "
                      "does not declare, so the schema (and the DDL) has no such table",
                      fix=f"add `persistence.tables: [{{name: {store.table}, columns: [{{name: key, type: string, "
                          "max_length: 255}, {name: response_status, type: integer, minimum: 100, maximum: 599}, "
                          f"{{name: expires_at, type: datetime}}], primary_key: [key]}}]`")
        users = used_by.get(store.ref, [])
        if is_placeholder(store.ttl) and not (users and all(is_stated(u.ttl) for u in users)):
            yield Hit(kp + ("ttl",), f"idempotency store {store.ref} does not say how long it keeps a key",
                      fix="add `ttl: 24 hours` (longer than clients and providers keep retrying)")
            continue
        kept = leading_duration(store.ttl)
        promised = [(parse_duration(u.ttl), u.ttl) for u in users if u.ttl]
        if kept is not None and promised and max(promised)[0] > kept:
            yield Hit(kp + ("ttl",), f"idempotency store {store.ref} keeps a key for {store.ttl}, but an endpoint "
                      f"using it promises {max(promised)[1]}: a retry after that is applied twice",
                      fix=f"set `ttl: {max(promised)[1]}` (or longer)")


@rule("PER004", "persistence.references-exist", "error", step="persistence",
      seed=seeds.SCHEMA_TABLES, checklist="performance", tiers={"C": "error"})
def references_exist(ctx):
    """Tables name known stores, and index and access-pattern columns are columns of the table.

    Why: An index on a column the entity does not have cannot be created; the generated DDL fails
    or, worse, the design and the database drift apart.
    Fix: Correct the column or store name, or add the field to the entity (or the column to the
    table's `columns`).
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
        fields = ctx.table_columns(table)
        if not fields:
            continue
        for j, index in enumerate(table.indexes):
            for k, col in enumerate(index.columns):
                if col not in fields:
                    yield Hit(kp + ("indexes", j, "columns", k),
                              f"index {index.name or j} of {table.name} uses {col!r}, {_not_a_column(table)}")
    for i, ap in enumerate(ctx.design.persistence.access_patterns):
        table = ctx.tables.get(ap.table or "")
        fields = ctx.table_columns(table) if table else set()
        for k, col in enumerate(ap.columns):
            if fields and col not in fields:
                yield Hit(("persistence", "access_patterns", i, "columns", k),
                          f"access pattern {ap.name} uses {col!r}, {_not_a_column(table)}")


def _not_a_column(table) -> str:
    return f"not a field of {table.entity}" if table.entity else f"not a column of {table.name}"


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




@rule("PER006", "persistence.tables-defined", "error", step="persistence", seed=seeds.SCHEMA_TABLES,
      checklist="data-model", risk="high", tiers={"C": "warning"})
def tables_defined(ctx):
    """Every table stores an entity or declares its own columns and primary key.

    Why: A table with neither has no schema: the DDL leaves it out without a word, and whatever
    relies on it (an idempotency store, an outbox) silently does not exist in the database.
    Fix: Set `entity:` to the data_model entity it stores, or declare its columns, e.g.
    `columns: [{name: key, type: string, max_length: 255}, {name: expires_at, type: datetime}]` with
    `primary_key: [key]`.
    Plan: In the persistence step, give every table its columns: from an entity, or its own.
    Bad:
        tables: [{name: idempotency_keys, store: main-db}]
    Good:
        tables: [{name: idempotency_keys, store: main-db, columns: [{name: key, type: string, max_length: 255}, {name: expires_at, type: datetime}], primary_key: [key]}]
    """
    for i, table in enumerate(ctx.design.persistence.tables):
        kp = ("persistence", "tables", i)
        if table.entity:
            continue                        # an unknown entity is DAT002's finding
        if not table.columns:
            yield Hit(kp, f"table {table.name} names no entity and declares no columns, so it has no schema",
                      fix=f"add `entity: {_entity_guess(ctx, table.name)}`, or its own "
                          "`columns: [{name: id, type: uuid}]` and `primary_key: [id]`")
            continue
        names = {c.name for c in table.columns}
        if not table.primary_key:
            yield Hit(kp + ("primary_key",), f"table {table.name} declares columns but no primary key",
                      fix=f"add `primary_key: [{table.columns[0].name}]` (the columns that identify a row)")
        for j, col in enumerate(table.primary_key):
            if col not in names:
                yield Hit(kp + ("primary_key", j), f"primary key column {col!r} of table {table.name} is not one of its columns",
                          fix=f"key it on its columns: {names_list(sorted(names))}")


def _entity_guess(ctx, table_name: str) -> str:
    """The entity a table name most likely stores (``order_lines`` -> ``OrderLine``), for fixes."""
    wanted = table_name.lower().replace("_", "").rstrip("s")
    return next((e for e in ctx.entities if e.lower().rstrip("s") == wanted), next(iter(ctx.entities), "Order"))


@rule("PER007", "persistence.no-single-node-store", "error", step="persistence", seed=seeds.STORAGE,
      checklist="performance", risk="high")
def no_single_node_store(ctx):
    """A business-critical (tier A) design keeps every store that matters on more than one node.

    Why: A store with one copy loses data and availability with its one disk or node; at tier A
    that is an outage with data loss. Only stores whose loss is harmless (caches, counters that
    are rebuilt) may run on one node.
    Fix: State the copies it keeps, e.g. `replicas: 2` (a synchronous replica in a second zone),
    or mark a store whose contents are rebuilt `ephemeral: true`.
    Plan: In the persistence step, give each tier A store a replica (or a managed multi-zone service).
    Bad:
        stores: [{name: ledger-db, kind: postgresql, replicas: 1}]
    Good:
        stores: [{name: ledger-db, kind: postgresql, durability: synchronous replica in a second zone, replicas: 2}]
    """
    if ctx.tier != "A":
        return
    for i, store in enumerate(ctx.design.persistence.stores):
        if store.ephemeral:
            continue
        kp = ("persistence", "stores", i)
        if store.replicas == 1:
            yield Hit(kp + ("replicas",), f"store {store.name} keeps 1 copy of its data (replicas: 1) on a tier A "
                      "design: one node or disk failure loses data and takes the service down",
                      fix="add a replica: `replicas: 2` (or `ephemeral: true` if losing its contents is harmless)")
        elif store.replicas is None:
            yield Hit(kp + ("replicas",), f"store {store.name} does not say how many copies of its data it keeps "
                      "on a tier A design",
                      fix="add `replicas: 2` (the copies on separate nodes; 1 is a single node), "
                          "or `ephemeral: true` if losing its contents is harmless")
