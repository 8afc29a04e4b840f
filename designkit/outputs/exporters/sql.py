"""SQL DDL for SQLite and PostgreSQL from the persistence section, built with SQLAlchemy.

Each relational table takes its columns from the entity it stores, or from the columns it
declares itself (an idempotency-key table, an outbox): types, NOT NULL, defaults, uniques, CHECKs
for enums and numeric bounds, the primary key, foreign keys from the entity's relationships, and
the indexes the table declares. Where the design keeps idempotency keys in a table it does not
declare, a standard idempotency-key table is added. What cannot be built (a table with neither
entity nor columns, an index on an unknown column) is left out with a ``--`` comment that says
why, so a draft still yields DDL that applies. So is a name used twice (two fields, tables or
indexes of one name, also after case folding): the second is left out with a note, never a
traceback; ``designkit check`` reports each (INT001-INT003). Generated names longer than
PostgreSQL's 63 bytes are shortened with a digest so they stay distinct (``core/sqlnames.py``).
"""

from __future__ import annotations

from typing import Any

from ...core.errors import UsageError
from ...core.model import RELATIONAL_STORE_KINDS, Design, Entity, EntityField
from ...core.sqlnames import constraint_name, fold, index_name, pg_name, snake
from . import Exporter

DIALECTS = ("sqlite", "postgresql")
_ON_DELETE = {"restrict": "RESTRICT", "cascade": "CASCADE", "set-null": "SET NULL",
              "no-action": "NO ACTION"}


# PostgreSQL array element types: only items with a plain scalar column type. The rest (json,
# binary, an entity or schema name) are documents, not scalars, and are stored as JSONB.
_PG_ARRAY_ITEMS = frozenset({"string", "text", "integer", "number", "decimal", "boolean", "uuid",
                             "datetime", "date", "enum", "email", "url"})


def _is_pg_array(field: EntityField, dialect: str) -> bool:
    return dialect == "postgresql" and field.type == "array" and field.items in _PG_ARRAY_ITEMS


def _column_type(field: EntityField, dialect: str):
    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql

    t = field.type
    if t == "array":
        # PostgreSQL: a native ARRAY of the item's column type for scalar items, so the database
        # enforces the item type (and max_length, via VARCHAR(n)) the design states and `@>`/`&&`
        # queries can use a GIN index; JSONB for items that are objects (an entity or schema
        # name), json or binary, which ARRAY cannot type. SQLite has no array type: JSON.
        if _is_pg_array(field, dialect):
            item = field.model_copy(update={"type": field.items, "items": None})
            return postgresql.ARRAY(_column_type(item, dialect))
        return postgresql.JSONB() if dialect == "postgresql" else sa.JSON()
    if t in ("string", "email", "url", "enum"):
        length = field.max_length
        if t == "enum" and field.enum and all(isinstance(v, int) and not isinstance(v, bool)
                                              for v in field.enum):
            return sa.Integer()
        if length is None and t == "enum" and field.enum:
            length = max(len(str(v)) for v in field.enum)
        if length is None:
            length = {"email": 320, "url": 2048}.get(t)
        return sa.String(length) if length else (sa.Text() if dialect == "postgresql" else sa.String())
    if t == "json":
        return postgresql.JSONB() if dialect == "postgresql" else sa.JSON()
    return {
        "text": sa.Text(), "integer": sa.BigInteger() if dialect == "postgresql" else sa.Integer(),
        "number": sa.Double(), "decimal": sa.Numeric(), "boolean": sa.Boolean(),
        "uuid": sa.Uuid(), "datetime": sa.DateTime(timezone=True), "date": sa.Date(),
        "binary": sa.LargeBinary(),
    }.get(t, sa.String())


def _server_default(field: EntityField, dialect: str):
    import sqlalchemy as sa

    value = field.default
    if value is None:
        return None
    if isinstance(value, bool):
        return sa.text(("true" if value else "false") if dialect == "postgresql" else str(int(value)))
    if isinstance(value, (int, float)):
        return sa.text(repr(value))
    return str(value)           # SQLAlchemy quotes a plain string default


def _bounds(table_name: str, field: EntityField, col, dialect: str = "postgresql") -> list:
    """CHECK constraints for the field's enum values and numeric bounds on column ``col``, or
    for an array, its item count."""
    import sqlalchemy as sa

    checks = []
    if field.type == "array":
        return _array_bounds(table_name, field, col, dialect)
    if field.enum:
        checks.append(sa.CheckConstraint(col.in_(list(field.enum)),
                                         name=constraint_name("ck", table_name, field.name, "enum")))
    if field.minimum is not None and field.type in ("integer", "number", "decimal"):
        checks.append(sa.CheckConstraint(col >= _num(field.minimum),
                                         name=constraint_name("ck", table_name, field.name, "min")))
    if field.maximum is not None and field.type in ("integer", "number", "decimal"):
        checks.append(sa.CheckConstraint(col <= _num(field.maximum),
                                         name=constraint_name("ck", table_name, field.name, "max")))
    return checks


def _array_bounds(table_name: str, field: EntityField, col, dialect: str) -> list:
    """CHECK constraints for an array column's item count (its item bounds are not checked)."""
    import sqlalchemy as sa

    if field.max_items is None and not field.min_items:
        return []
    # the element count: cardinality() of a PostgreSQL ARRAY, jsonb_array_length() of JSONB,
    # json_array_length() of SQLite JSON
    fn = ("cardinality" if _is_pg_array(field, dialect) else "jsonb_array_length") \
        if dialect == "postgresql" else "json_array_length"
    count = getattr(sa.func, fn)(col)
    checks = []
    if field.min_items:
        checks.append(sa.CheckConstraint(count >= field.min_items,
                                         name=constraint_name("ck", table_name, field.name, "min_items")))
    if field.max_items is not None:
        checks.append(sa.CheckConstraint(count <= field.max_items,
                                         name=constraint_name("ck", table_name, field.name, "max_items")))
    return checks


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


class _Schema:
    """The SQLAlchemy MetaData for a design, and the notes on what was left out."""

    def __init__(self, design: Design, dialect: str):
        import sqlalchemy as sa

        self.sa = sa
        self.design = design
        self.dialect = dialect
        self.metadata = sa.MetaData()
        self.notes: list[str] = []
        self.entity_table: dict[str, str] = {}   # entity name -> table name
        self.index_names: set[str] = set()       # index names are unique across a schema

    def build(self) -> None:
        d = self.design
        stores = {s.name: s.kind for s in d.persistence.stores}
        tables = list(d.persistence.tables)
        derived = False
        if not tables and d.data_model.entities:
            # no tables decided yet: one per entity, so the data model can be tried out
            from ...core.model import Table

            tables = [Table(name=snake(e.name), entity=e.name) for e in d.data_model.entities]
            derived = True
            self.notes.append("persistence.tables is empty: one table per entity was derived "
                              "from the data model")
        chosen = []
        seen: set[str] = set()
        for table in tables:
            if fold(table.name) in seen:
                self.notes.append(f"table {table.name}: skipped, a table of that name is already "
                                  "defined (names ignore case in SQL)")
                continue
            kind = stores.get(table.store) if table.store else None
            if kind is not None and kind not in RELATIONAL_STORE_KINDS:
                continue           # a table in redis, dynamodb... is not SQL
            entity = d.entity(table.entity) if table.entity else _own_columns(table)
            if entity is None:
                self.notes.append(f"table {table.name}: skipped, "
                                  + (f"entity {table.entity!r} is not in the data model"
                                     if table.entity else "it names no entity and declares no columns"))
                continue
            if not entity.fields:
                self.notes.append(f"table {table.name}: skipped, entity {entity.name} has no fields")
                continue
            seen.add(fold(table.name))
            chosen.append((table, entity))
            self.entity_table.setdefault(entity.name, table.name)
        for table, entity in chosen:
            self._table(table, entity, derived)
        self._idempotency_table()

    def _table(self, table, entity: Entity, derived: bool) -> None:
        sa = self.sa
        entity = self._distinct_fields(table.name, entity)
        names = {f.name for f in entity.fields}
        pk = [c for c in entity.primary_key if c in names]
        for missing in set(entity.primary_key) - names:
            self.notes.append(f"table {table.name}: primary key column {missing!r} is not a field "
                              f"of {entity.name}")
        fks: dict[str, Any] = {}
        uniques_from_rel: set[str] = set()
        for rel in entity.relationships:
            if rel.kind not in ("many-to-one", "one-to-one") or not rel.field:
                continue
            target = self.design.entity(rel.target)
            target_table = self.entity_table.get(rel.target)
            if target is None or target_table is None or len(target.primary_key) != 1 \
                    or rel.field not in names:
                self.notes.append(f"table {table.name}: no foreign key for {rel.field or rel.target} "
                                  f"(the target {rel.target} has no table with a single-column "
                                  "primary key, or the field is missing)")
                continue
            fks[rel.field] = sa.ForeignKey(f"{target_table}.{target.primary_key[0]}",
                                           ondelete=_ON_DELETE[rel.on_delete],
                                           name=constraint_name("fk", table.name, rel.field))
            if rel.kind == "one-to-one":
                uniques_from_rel.add(rel.field)
        columns = []
        checks = []
        for f in entity.fields:
            args = [fks[f.name]] if f.name in fks else []
            required = f.required or f.name in pk
            column = sa.Column(
                f.name, _column_type(f, self.dialect), *args, primary_key=f.name in pk,
                nullable=not required,
                unique=(f.unique or f.name in uniques_from_rel) and f.name not in pk or None,
                server_default=_server_default(f, self.dialect))
            columns.append(column)
            checks += _bounds(table.name, f, column, self.dialect)
        t = sa.Table(table.name, self.metadata, *columns, *checks)
        for i, index in enumerate(table.indexes):
            unknown = [c for c in index.columns if c not in names]
            if unknown:
                self.notes.append(f"index {index.name or i} on {table.name}: skipped, no column "
                                  + ", ".join(unknown))
                continue
            name = pg_name(index_name(table.name, list(index.columns), index.unique, index.name))
            if fold(name) in self.index_names:
                self.notes.append(f"index {name} on {table.name}: skipped, an index of that name "
                                  "is already defined")
                continue
            self.index_names.add(fold(name))
            sa.Index(name, *(t.c[c] for c in index.columns), unique=index.unique)

    def _distinct_fields(self, table_name: str, entity: Entity) -> Entity:
        """The entity with each column name once (SQLite: without case); a repeat gets a note."""
        seen: set[str] = set()
        keep = []
        for f in entity.fields:
            if fold(f.name) in seen:
                self.notes.append(f"table {table_name}: column {f.name} skipped, a column of that "
                                  "name is already defined")
                continue
            seen.add(fold(f.name))
            keep.append(f)
        if len(keep) == len(entity.fields):
            return entity
        return entity.model_copy(update={"fields": keep})

    def _idempotency_table(self) -> None:
        """Add the idempotency-key table the design relies on but does not declare."""
        sa = self.sa
        p = self.design.persistence
        wanted: list[str] = [s.table for s in p.idempotency]
        described = {s.ref for s in p.idempotency} | {s.table for s in p.idempotency}
        declared = {t.name for t in p.tables} | {s.name for s in p.stores} | described
        for e in self.design.api.endpoints:
            if e.idempotency and e.idempotency.strategy == "idempotency-key":
                store = e.idempotency.store
                if store and store not in declared:
                    wanted.append(store)
                elif not store and not p.idempotency:
                    wanted.append("idempotency_keys")
        for name in dict.fromkeys(wanted):
            ident = snake(name)
            if name in self.metadata.tables or ident in self.metadata.tables \
                    or any(t.name == name for t in p.tables):
                continue
            t = sa.Table(
                ident, self.metadata,
                sa.Column("key", sa.String(255), primary_key=True),
                sa.Column("scope", sa.String(200), nullable=False, server_default=""),
                sa.Column("request_hash", sa.String(64), nullable=False),
                sa.Column("response_status", sa.Integer()),
                sa.Column("response_body", sa.Text()),
                sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                          server_default=sa.func.current_timestamp()),
                sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
            )
            sa.Index(f"ix_{ident}_expires_at", t.c.expires_at)
            self.notes.append(f"table {ident}: the standard idempotency-key table, added because "
                              "the design keeps idempotency keys there without declaring it")

    def ddl(self) -> str:
        from sqlalchemy.schema import CreateIndex, CreateTable

        dialect = _dialect(self.dialect)
        out = [f"-- {self.dialect} DDL generated by designkit from the design "
               f"{self.design.name!r}; edit the design, not this file.", ""]
        out += [f"-- note: {n}" for n in self.notes]
        if self.notes:
            out.append("")
        if not self.metadata.tables:
            out.append("-- no relational tables in the design yet")
        for table in self.metadata.sorted_tables:
            text = str(CreateTable(table).compile(dialect=dialect)).strip()
            out.append("\n".join(line.rstrip() for line in text.splitlines()) + ";")
            out.append("")
            for index in sorted(table.indexes, key=lambda i: i.name or ""):
                out.append(str(CreateIndex(index).compile(dialect=dialect)).strip() + ";")
            if table.indexes:
                out.append("")
        return "\n".join(out).rstrip("\n") + "\n"


def _own_columns(table) -> Entity | None:
    """A table that declares its columns, as the entity-shaped thing the table builder takes."""
    if not table.columns:
        return None
    return Entity(name=table.name, primary_key=table.primary_key, fields=table.columns)


def _dialect(name: str):
    if name == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.dialect()
    from sqlalchemy.dialects import postgresql

    return postgresql.dialect()


def build_metadata(design: Design, dialect: str = "postgresql"):
    """The SQLAlchemy MetaData of the design's relational tables."""
    schema = _Schema(design, _check_dialect(dialect))
    schema.build()
    return schema.metadata


def render_sql(design: Design, dialect: str = "postgresql") -> str:
    """The CREATE TABLE and CREATE INDEX statements for ``dialect`` (sqlite or postgresql)."""
    schema = _Schema(design, _check_dialect(dialect))
    schema.build()
    return schema.ddl()


def _check_dialect(dialect: str) -> str:
    if dialect not in DIALECTS:
        raise UsageError(f"unknown SQL dialect {dialect!r}; use one of: {', '.join(DIALECTS)}")
    return dialect


class SqlExporter(Exporter):
    kind = "sql"
    description = "SQL DDL (--dialect sqlite or postgresql)"

    def render(self, design: Design, *, dialect: str = "postgresql", **options: Any) -> dict[str, str]:
        return {f"schema.{dialect}.sql": render_sql(design, dialect)}
