"""Name integrity: names that two things share, or come to share in SQL, which no store can hold.

Two entities or fields of one name, names that become one after snake_case (``OrderItem`` and
``order_item``) or after SQLite's case folding (``ID`` and ``id``), and identifiers PostgreSQL
cuts to the same 63 bytes: the generated DDL cannot apply, so ``check`` says so first. The
names compared are the ones the SQL exporter writes (``designkit.core.sqlnames``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..core.loader import format_key_path
from ..core.sqlnames import PG_MAX_IDENTIFIER, pg_truncated, snake
from . import seeds
from .base import Hit, rule


def _clashes(items: Iterable[tuple[tuple, str]], key) -> Iterator[tuple[tuple, str, tuple, str]]:
    """(key path, name, first key path, first name) for each name whose key repeats an earlier one."""
    first: dict[str, tuple[tuple, str]] = {}
    for kp, name in items:
        if not name:
            continue
        k = key(name)
        if k in first:
            yield kp, name, *first[k]
        else:
            first[k] = (kp, name)


def _how(name: str, other: str) -> str:
    if name == other:
        return "twice"
    if name.lower() == other.lower():
        return f"as {other!r} too (SQL names ignore case)"
    return f"as {other!r} too: both are {snake(name)!r} in snake_case"


@rule("INT001", "data.unique-names", "error", step="data_model", seed=seeds.DATA,
      checklist="data-model", risk="high", tiers={"C": "error"})
def unique_data_names(ctx):
    """Entity names are unique, and so are the field names of each entity, also in snake_case.

    Why: Two entities of one name are two meanings for one table, and two fields of one name are
    one column twice; a design keeps only one silently, and the generated DDL fails to apply.
    Names that differ only in case or in snake_case (OrderItem, order_item) become one table or
    column in SQL and in generated code.
    Fix: Rename one of the two, or merge them into one entity or field.
    Plan: In the data model step, give each entity and field one distinct snake_case name.
    Bad:
        - {name: Order, fields: [{name: id, type: uuid}, {name: Id, type: uuid}]}
    Good:
        - {name: Order, fields: [{name: id, type: uuid}, {name: external_id, type: uuid}]}
    """
    entities = ctx.design.data_model.entities
    named = ((("data_model", "entities", i, "name"), e.name) for i, e in enumerate(entities))
    for kp, name, first_kp, other in _clashes(named, snake):
        yield Hit(kp, f"entity {name!r} is declared {_how(name, other)} "
                      f"(first at {format_key_path(first_kp[:-1])})",
                  fix=f"rename one of the two entities, or merge them into {format_key_path(first_kp[:-1])}")
    for i, entity in enumerate(entities):
        fields = ((("data_model", "entities", i, "fields", j, "name"), f.name)
                  for j, f in enumerate(entity.fields))
        for kp, name, first_kp, other in _clashes(fields, snake):
            yield Hit(kp, f"{entity.name} declares field {name!r} {_how(name, other)} "
                          f"(first at {format_key_path(first_kp[:-1])})",
                      fix="rename one of the two fields, or remove the repeated one")


@rule("INT002", "persistence.unique-names", "error", step="persistence", seed=seeds.SCHEMA_TABLES,
      checklist="data-model", risk="high", tiers={"C": "error"})
def unique_storage_names(ctx):
    """Table names, the columns a table declares and index names are unique, also in snake_case.

    Why: CREATE TABLE or CREATE INDEX fails on the second of two equal names, so the schema never
    applies; SQLite compares names without case, so ID and id are one column.
    Fix: Rename one of the two tables, columns or indexes.
    Plan: In the persistence step, give each table, column and index a distinct snake_case name.
    Bad:
        tables: [{name: orders, entity: Order}, {name: Orders, entity: Order}]
    Good:
        tables: [{name: orders, entity: Order}, {name: order_archive, entity: Order}]
    """
    tables = ctx.design.persistence.tables
    named = ((("persistence", "tables", i, "name"), t.name) for i, t in enumerate(tables))
    for kp, name, first_kp, other in _clashes(named, snake):
        yield Hit(kp, f"table {name!r} is declared {_how(name, other)} "
                      f"(first at {format_key_path(first_kp[:-1])})",
                  fix="rename one of the two tables")
    for i, table in enumerate(tables):
        columns = ((("persistence", "tables", i, "columns", j, "name"), c.name)
                   for j, c in enumerate(table.columns))
        for kp, name, _, other in _clashes(columns, snake):
            yield Hit(kp, f"table {table.name} declares column {name!r} {_how(name, other)}",
                      fix="rename one of the two columns, or remove the repeated one")
    indexes = ((("persistence", "tables", i, "indexes", j, "name"), ix.name)
               for i, t in enumerate(tables) for j, ix in enumerate(t.indexes))
    for kp, name, first_kp, other in _clashes(indexes, str.lower):
        yield Hit(kp, f"index {name!r} is declared {_how(name, other)} (first at "
                      f"{format_key_path(first_kp[:-1])}); index names are unique across a schema",
                  fix="rename one of the two indexes")


@rule("INT003", "persistence.identifier-length", "error", step="persistence",
      seed=seeds.SCHEMA_TABLES, checklist="data-model", risk="medium", tiers={"C": "error"})
def identifiers_fit_postgresql(ctx):
    """Names longer than PostgreSQL's 63 bytes do not become one name when cut to 63.

    Why: PostgreSQL keeps the first 63 bytes of a table, column or index name and drops the rest
    without an error, so two long names that differ only at the end become one name and the
    second CREATE fails.
    Fix: Shorten the names so they differ within their first 63 characters.
    Plan: In the persistence step, keep table, column and index names short (under 63 characters).
    Bad:
        indexes: [{name: ix_orders_by_customer_and_creation_time_for_the_monthly_report_a, columns: [a]},
                  {name: ix_orders_by_customer_and_creation_time_for_the_monthly_report_b, columns: [b]}]
    Good:
        indexes: [{name: ix_orders_report_a, columns: [a]}, {name: ix_orders_report_b, columns: [b]}]
    """
    tables = ctx.design.persistence.tables
    groups: list[list[tuple[tuple, str]]] = [
        [(("persistence", "tables", i, "name"), t.name) for i, t in enumerate(tables)],
        [(("persistence", "tables", i, "indexes", j, "name"), ix.name)
         for i, t in enumerate(tables) for j, ix in enumerate(t.indexes)],
        [(("data_model", "entities", i, "name"), snake(e.name))
         for i, e in enumerate(ctx.design.data_model.entities)] if not tables else [],
    ]
    groups += [[(("data_model", "entities", i, "fields", j, "name"), f.name)
                for j, f in enumerate(e.fields)] for i, e in enumerate(ctx.design.data_model.entities)]
    groups += [[(("persistence", "tables", i, "columns", j, "name"), c.name)
                for j, c in enumerate(t.columns)] for i, t in enumerate(tables)]
    for items in groups:
        if not any(n and len(n.encode("utf-8")) > PG_MAX_IDENTIFIER for _, n in items):
            continue
        for kp, name, first_kp, other in _clashes(items, lambda n: pg_truncated(n).lower()):
            if snake(name) == snake(other):
                continue  # one name twice: INT001 and INT002 say so
            yield Hit(kp, f"{name[:40]}... and the name at {format_key_path(first_kp)} are one "
                          f"name in PostgreSQL, which keeps the first {PG_MAX_IDENTIFIER} bytes",
                      fix=f"shorten one of the two so they differ within {PG_MAX_IDENTIFIER} characters")
