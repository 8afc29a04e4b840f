"""SQL DDL: applies to a fresh SQLite database and to a real PostgreSQL server."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from conftest import EXAMPLES, require_component

from designkit.core.loader import load_design, load_design_text
from designkit.core.model import RELATIONAL_STORE_KINDS
from designkit.outputs.exporters import export
from designkit.outputs.exporters.sql import render_sql

DRAFT = """
name: half-done
data_model:
  entities:
    - name: Order
      primary_key: [id]
      fields:
        - {name: id, type: uuid}
        - {name: total, type: decimal, minimum: 0}
    - name: Note
persistence:
  tables:
    - {name: orders, entity: Order, indexes: [{columns: [total]}, {columns: [nope]}]}
    - {name: notes, entity: Note}
    - {name: ghosts, entity: Ghost}
    - {name: loose}
  idempotency: [{table: idem_keys, key: Idempotency-Key header}]
"""


def expected_tables(design) -> set[str]:
    """Relational tables the design declares whose entity has fields, or that declare columns."""
    kinds = {s.name: s.kind for s in design.persistence.stores}
    out = set()
    for t in design.persistence.tables:
        entity = design.entity(t.entity) if t.entity else None
        if ((entity and entity.fields) or t.columns) and kinds.get(t.store, "postgresql") in RELATIONAL_STORE_KINDS:
            out.add(t.name)
    return out


def expected_indexes(design, tables: set[str]) -> set[str]:
    return {i.name for t in design.persistence.tables if t.name in tables for i in t.indexes
            if i.name}


def sqlite_apply(ddl: str) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("PRAGMA foreign_keys = ON")
    db.executescript(ddl)
    return db


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_ddl_applies_to_a_fresh_sqlite_database(path, tmp_path):
    document = load_design(path)
    (out,) = export("sql", document, tmp_path / "schema.sql", dialect="sqlite")
    db = sqlite_apply(out.read_text())
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    tables = expected_tables(document.design)
    assert tables <= names
    indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert expected_indexes(document.design, tables) <= indexes
    # primary keys and foreign keys are the design's
    for t in document.design.persistence.tables:
        if t.name not in tables:
            continue
        entity = document.design.entity(t.entity)
        cols = {r[1]: r for r in db.execute(f'PRAGMA table_info("{t.name}")')}
        pk = [name for name, r in sorted(cols.items(), key=lambda kv: kv[1][5]) if r[5]]
        assert pk == list(entity.primary_key)
        for f in entity.fields:
            assert bool(cols[f.name][3]) == (f.required or f.name in entity.primary_key), f.name
        fks = {r[3]: r[2] for r in db.execute(f'PRAGMA foreign_key_list("{t.name}")')}
        for rel in entity.relationships:
            target = next((x.name for x in document.design.persistence.tables
                           if x.entity == rel.target and x.name in tables), None)
            if rel.field and target and rel.kind in ("many-to-one", "one-to-one"):
                assert fks.get(rel.field) == target


def test_webhook_constraints_hold_in_sqlite():
    path = next((p for p in EXAMPLES if p.parent.name == "webhook-ingestion"), None)
    if path is None:
        pytest.skip("webhook-ingestion example not present")
    db = sqlite_apply(render_sql(load_design(path).design, "sqlite"))
    event = uuid.uuid4().hex
    insert = ("INSERT INTO webhook_events (id, provider, provider_event_id, event_type, payload,"
              " status, received_at) VALUES (?, ?, ?, 'x', '{}', ?, '2026-01-01')")
    db.execute(insert, (event, "stripe", "evt_1", "received"))
    with pytest.raises(sqlite3.IntegrityError):          # unique (provider, provider_event_id)
        db.execute(insert, (uuid.uuid4().hex, "stripe", "evt_1", "received"))
    with pytest.raises(sqlite3.IntegrityError):          # enum CHECK
        db.execute(insert, (uuid.uuid4().hex, "paypal", "evt_2", "received"))
    key = ("INSERT INTO idempotency_keys (key, event_id, response_status, created_at, expires_at)"
           " VALUES (?, ?, ?, '2026-01-01', '2026-01-08')")
    with pytest.raises(sqlite3.IntegrityError):          # foreign key to webhook_events
        db.execute(key, ("k1", uuid.uuid4().hex, 200))
    with pytest.raises(sqlite3.IntegrityError):          # bound: response_status <= 599
        db.execute(key, ("k1", event, 700))
    db.execute(key, ("k1", event, 200))


def test_a_draft_gives_ddl_that_applies_and_says_what_it_left_out():
    ddl = render_sql(load_design_text(DRAFT).design, "sqlite")
    db = sqlite_apply(ddl)
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert names == {"orders", "idem_keys"}     # the undeclared idempotency table is added
    for skipped in ("table notes", "table ghosts", "table loose", "nope"):
        assert skipped in ddl
    with pytest.raises(sqlite3.IntegrityError):     # minimum: 0
        db.execute("INSERT INTO orders (id, total) VALUES ('a', -1)")


LEDGER = """
name: payments-ledger
data_model:
  entities:
    - name: Payment
      primary_key: [id]
      fields: [{name: id, type: uuid}, {name: amount_cents, type: integer, minimum: 1, maximum: 100000000}]
api:
  endpoints:
    - {method: POST, path: /v1/payments, writes: [Payment], idempotency: {strategy: idempotency-key, key: header Idempotency-Key, store: request-keys}}
persistence:
  stores: [{name: ledger-db, kind: postgresql}]
  tables:
    - {name: payments, entity: Payment, store: ledger-db}
    - name: request_keys
      store: ledger-db
      columns:
        - {name: key, type: string, max_length: 255}
        - {name: response_status, type: integer, minimum: 100, maximum: 599}
        - {name: expires_at, type: datetime}
      primary_key: [key]
      indexes: [{name: ix_request_keys_expires, columns: [expires_at]}]
  idempotency: [{name: request-keys, table: request_keys, ttl: 24 hours}]
"""


def test_a_table_that_declares_its_columns_is_in_the_ddl():
    """The payments ledger's idempotency table has no entity; its own columns put it in the DDL."""
    ddl = render_sql(load_design_text(LEDGER).design, "sqlite")
    db = sqlite_apply(ddl)
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert names == {"payments", "request_keys"}
    assert "standard idempotency-key table" not in ddl      # the declared one, not a stand-in
    columns = [r[1] for r in db.execute("PRAGMA table_info(request_keys)")]
    assert columns == ["key", "response_status", "expires_at"]
    assert "ix_request_keys_expires" in ddl
    db.execute("INSERT INTO request_keys (key, response_status, expires_at) VALUES ('k', 201, '2026-01-01')")
    with pytest.raises(sqlite3.IntegrityError):             # the primary key holds
        db.execute("INSERT INTO request_keys (key, response_status, expires_at) VALUES ('k', 201, '2026-01-01')")


ARRAYS = """
name: arrays
data_model:
  entities:
    - name: Post
      primary_key: [id]
      fields:
        - {name: id, type: uuid}
        - {name: tags, type: array, items: string, max_length: 40, max_items: 3}
        - {name: scores, type: array, items: integer, required: false, min_items: 1}
        - {name: comments, type: array, items: Post, required: false, max_items: 2}
"""


def test_array_columns_in_sqlite_are_json_with_item_count_checks():
    ddl = render_sql(load_design_text(ARRAYS).design, "sqlite")
    assert "tags JSON NOT NULL" in ddl and "comments JSON" in ddl
    db = sqlite_apply(ddl)
    insert = "INSERT INTO post (id, tags, comments) VALUES ('a', ?, ?)"
    db.execute(insert, ('["x", "y"]', "[]"))
    with pytest.raises(sqlite3.IntegrityError):           # max_items: 3
        db.execute(insert.replace("'a'", "'b'"), ('["1", "2", "3", "4"]', "[]"))
    with pytest.raises(sqlite3.IntegrityError):           # max_items: 2
        db.execute(insert.replace("'a'", "'c'"), ("[]", '[{}, {}, {}]'))


def test_array_columns_in_postgresql_are_typed_arrays_or_jsonb():
    ddl = render_sql(load_design_text(ARRAYS).design, "postgresql")
    assert "tags VARCHAR(40)[] NOT NULL" in ddl          # scalar items: a typed ARRAY
    assert "scores BIGINT[]" in ddl
    assert "comments JSONB" in ddl                        # object items: JSONB
    assert "cardinality(tags) <= 3" in ddl and "cardinality(scores) >= 1" in ddl
    assert "jsonb_array_length(comments) <= 2" in ddl


def test_unknown_dialect_is_a_usage_error():
    from designkit.core.errors import UsageError

    with pytest.raises(UsageError, match="mysql"):
        render_sql(load_design_text("name: x").design, "mysql")


# --------------------------------------------------------------------------- PostgreSQL


def _pg_bindir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                  key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return Path(dirs[-1]).parent if dirs else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Postgres:
    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="designkit-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:      # initdb refuses root: run the server as the postgres user
            shutil.chown(self.root, "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *cmd: str) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_user, *cmd], capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        r = self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
                      "--auth=trust", "-E", "UTF8", "--no-sync")
        assert r.returncode == 0, r.stderr
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        r = self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", opts,
                      "-l", str(self.root / "log"), "-w", "-t", "60", "start")
        assert r.returncode == 0, r.stderr + (self.root / "log").read_text(errors="replace")

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def psql(self, *args: str, db: str = "postgres") -> subprocess.CompletedProcess:
        psql = shutil.which("psql") or str(self.bindir / "psql")
        return subprocess.run([psql, "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                               "-d", db, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-tA", *args],
                              capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def postgres():
    bindir = _pg_bindir()
    require_component(bindir is not None and (bindir / "pg_ctl").exists(),
                      "PostgreSQL server binaries (initdb, pg_ctl) not found; "
                      "apt-get install postgresql")
    server = _Postgres(bindir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.mark.postgres
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_ddl_applies_to_a_real_postgresql(postgres, path, tmp_path):
    document = load_design(path)
    (out,) = export("sql", document, tmp_path / "schema.sql", dialect="postgresql")
    db = "d_" + uuid.uuid4().hex[:12]
    r = postgres.psql("-c", f"CREATE DATABASE {db}")
    assert r.returncode == 0, r.stderr
    r = postgres.psql("-f", str(out), db=db)
    assert r.returncode == 0, r.stderr
    tables = set(postgres.psql("-c", "SELECT tablename FROM pg_tables WHERE schemaname='public'",
                               db=db).stdout.split())
    expected = expected_tables(document.design)
    assert expected <= tables
    indexes = set(postgres.psql("-c", "SELECT indexname FROM pg_indexes WHERE schemaname='public'",
                                db=db).stdout.split())
    assert expected_indexes(document.design, expected) <= indexes
    fks = postgres.psql("-c", "SELECT conrelid::regclass || '.' || confrelid::regclass FROM "
                              "pg_constraint WHERE contype = 'f'", db=db).stdout.split()
    for t in document.design.persistence.tables:
        if t.name not in expected:
            continue
        for rel in document.design.entity(t.entity).relationships:
            target = next((x.name for x in document.design.persistence.tables
                           if x.entity == rel.target and x.name in expected), None)
            if rel.field and target and rel.kind in ("many-to-one", "one-to-one"):
                assert f"{t.name}.{target}" in fks


@pytest.mark.postgres
def test_a_draft_applies_to_postgresql(postgres, tmp_path):
    ddl = tmp_path / "draft.sql"
    ddl.write_text(render_sql(load_design_text(DRAFT).design, "postgresql"))
    db = "d_" + uuid.uuid4().hex[:12]
    assert postgres.psql("-c", f"CREATE DATABASE {db}").returncode == 0
    r = postgres.psql("-f", str(ddl), db=db)
    assert r.returncode == 0, r.stderr
    r = postgres.psql("-c", "INSERT INTO orders (id, total) VALUES (gen_random_uuid(), -1)", db=db)
    assert r.returncode != 0 and "ck_orders_total_min" in r.stderr


@pytest.mark.postgres
def test_array_columns_apply_to_postgresql(postgres, tmp_path):
    ddl = tmp_path / "arrays.sql"
    ddl.write_text(render_sql(load_design_text(ARRAYS).design, "postgresql"))
    db = "d_" + uuid.uuid4().hex[:12]
    assert postgres.psql("-c", f"CREATE DATABASE {db}").returncode == 0
    r = postgres.psql("-f", str(ddl), db=db)
    assert r.returncode == 0, r.stderr
    insert = "INSERT INTO post (id, tags, comments) VALUES (gen_random_uuid(), {}, {})"
    r = postgres.psql("-c", insert.format("ARRAY['a', 'b']", "'[{}]'"), db=db)
    assert r.returncode == 0, r.stderr
    r = postgres.psql("-c", insert.format("ARRAY['a', 'b', 'c', 'd']", "'[]'"), db=db)
    assert r.returncode != 0 and "ck_post_tags_max_items" in r.stderr
    r = postgres.psql("-c", insert.format("ARRAY['a']", "'[1, 2, 3]'"), db=db)
    assert r.returncode != 0 and "ck_post_comments_max_items" in r.stderr
