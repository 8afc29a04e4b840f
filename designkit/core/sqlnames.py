"""The SQL names a design turns into, in one place: the SQL exporter writes them, a rule checks them.

A table derived from an entity is named ``snake(entity)``; an index without a name is
``ix_TABLE_COLS`` (``ux_`` when unique); CHECK and foreign-key constraints are ``ck_TABLE_FIELD_WHAT``
and ``fk_TABLE_FIELD``. PostgreSQL keeps 63 bytes of an identifier and silently drops the rest, so
two long names that differ only after 63 characters become one, and the DDL fails on the second.
:func:`pg_name` shortens a generated name to 54 characters plus a digest of the whole name, so
generated names never collide; a name the design gives itself is checked by a rule instead.
SQLite compares names case-insensitively, so :func:`fold` is how two names are compared.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

PG_MAX_IDENTIFIER = 63


_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")   # plain replacements: no template to expand per name
_NOT_WORD = re.compile(r"[^A-Za-z0-9_]+")


@lru_cache(maxsize=4096)   # a large design repeats its field names in every entity
def snake(name: str) -> str:
    """``WebhookEvent`` -> ``webhook_event``."""
    return _NOT_WORD.sub("_", _HUMP.sub("_", name)).strip("_").lower() or "t"


def fold(name: str) -> str:
    """The form two SQL names are compared in (SQLite: case-insensitive)."""
    return name.lower()


def pg_name(name: str) -> str:
    """A generated identifier that fits PostgreSQL's 63 bytes without colliding with another."""
    if len(name.encode("utf-8")) <= PG_MAX_IDENTIFIER:
        return name
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    head = name.encode("utf-8")[:PG_MAX_IDENTIFIER - 9].decode("utf-8", "ignore")
    return f"{head}_{digest}"


def pg_truncated(name: str) -> str:
    """What PostgreSQL keeps of a name the design gives (the first 63 bytes)."""
    return name.encode("utf-8")[:PG_MAX_IDENTIFIER].decode("utf-8", "ignore")


def index_name(table: str, columns: list[str], unique: bool, given: str | None = None) -> str:
    """The name of an index: the one the design gives, else ``ix_``/``ux_`` + table + columns."""
    return given or pg_name(("ux_" if unique else "ix_") + table + "_" + "_".join(columns))


def constraint_name(prefix: str, table: str, column: str, what: str = "") -> str:
    """``ck_orders_total_min``, ``fk_orders_customer_id`` (shortened by :func:`pg_name`)."""
    return pg_name(f"{prefix}_{table}_{column}" + (f"_{what}" if what else ""))


__all__ = ["PG_MAX_IDENTIFIER", "constraint_name", "fold", "index_name", "pg_name", "pg_truncated",
           "snake"]
