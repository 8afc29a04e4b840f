"""Generate large, clean design files for benchmarks: ``generate_design(n_endpoints) -> dict``.

Each resource has an entity, a table with an index, and five endpoints (list, get, create,
update, delete) that follow every rule, so a generated design checks clean and the benchmark
measures the whole rule set on realistic shapes. Entities are one per five endpoints.

    python bench/gen_design.py 1000 -o /tmp/design-1000.yaml
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml


def _resource(i: int) -> tuple[dict, dict, list[dict], dict, list[dict]]:
    name, plural = f"Item{i}", f"items{i}"
    entity = {
        "name": name, "classification": "internal", "primary_key": ["id"],
        "fields": [
            {"name": "id", "type": "uuid"},
            {"name": "title", "type": "string", "max_length": 200},
            {"name": "quantity", "type": "integer", "minimum": 0, "maximum": 10000},
            {"name": "created_at", "type": "datetime"},
        ],
        "invariants": [f"{name} quantity never goes below zero."],
    }
    schema = {"name": f"New{name}", "unknown_fields": "reject", "fields": [
        {"name": "title", "type": "string", "min_length": 1, "max_length": 200},
        {"name": "quantity", "type": "integer", "minimum": 0, "maximum": 10000}]}
    common = {"auth": "user-oidc", "authorization": "role:member", "handler": "ItemHandler",
              "rate_limit": {"limit": "20/second", "key": "user"}}
    pid = {"name": "id", "in": "path", "type": "uuid", "required": True}
    base = f"/v1/{plural}"
    eps = [
        {"id": f"list{name}", "method": "GET", "path": base, **common,
         "parameters": [{"name": "limit", "in": "query", "type": "integer", "minimum": 1, "maximum": 100}],
         "responses": [{"status": 200, "schema": f"{name}[]"}], "errors": ["validation_failed"], "reads": [name]},
        {"id": f"get{name}", "method": "GET", "path": base + "/{id}", **common, "parameters": [pid],
         "responses": [{"status": 200, "schema": name}], "errors": ["not_found"], "reads": [name]},
        {"id": f"create{name}", "method": "POST", "path": base, **common,
         "request": {"schema": f"New{name}", "max_bytes": 4096},
         "responses": [{"status": 201, "schema": name}], "errors": ["validation_failed"],
         "idempotency": {"strategy": "idempotency-key", "key": "header Idempotency-Key", "store": "idempotency_keys"},
         "writes": [name]},
        {"id": f"update{name}", "method": "PATCH", "path": base + "/{id}", **common, "parameters": [pid],
         "request": {"schema": f"New{name}", "max_bytes": 4096},
         "responses": [{"status": 200, "schema": name}], "errors": ["not_found", "validation_failed"],
         "idempotency": {"strategy": "transactional"}, "writes": [name]},
        {"id": f"delete{name}", "method": "DELETE", "path": base + "/{id}", **common, "parameters": [pid],
         "responses": [{"status": 204}], "errors": ["not_found"], "writes": [name], "audit": True},
    ]
    table = {"name": plural, "entity": name, "store": "main-db",
             "indexes": [{"name": f"ix_{plural}_created", "columns": ["created_at"]}]}
    patterns = [{"name": f"{plural}-recent", "table": plural, "columns": ["created_at"],
                 "served_by": f"ix_{plural}_created"}]
    return entity, schema, eps, table, patterns


def _async_surface(resources: int) -> tuple[list[dict], list[dict]]:
    """A Kafka topic of change events per resource, a live WebSocket feed and an outbound webhook."""
    channels = [{"name": f"item{i}-events", "kind": "topic", "direction": "publish",
                 "path": f"inventory.item{i}.v1", "summary": f"Every change to an Item{i}.",
                 "message": f"Item{i}", "broker": "events", "partition_key": "id", "ordering": "per-key",
                 "retention": "7 days", "schema_compatibility": "backward"} for i in range(resources)]
    channels.append({"name": "inventory-live", "kind": "websocket", "direction": "both", "path": "/v1/live",
                     "summary": "Live item changes for a member's dashboards.",
                     "fields": [{"name": "item_id", "type": "uuid"},
                                {"name": "change", "type": "enum", "enum": ["created", "updated", "deleted"]}],
                     "auth": "user-oidc", "authorization": "role:member", "handler": "LiveFeed",
                     "rate_limit": {"limit": "20/second", "key": "user"}})
    webhooks = [{"name": "item-changed", "event": "item.changed", "payload": "Item0",
                 "signing": "HMAC-SHA256 of the body in X-Signature", "delivery": "Retried for 24 hours."}]
    return channels, webhooks


def generate_design(n_endpoints: int, *, channels: bool = False) -> dict:
    """A clean design with ``n_endpoints`` endpoints (rounded up to whole resources of five);
    ``channels``: with a Kafka topic per resource, a WebSocket feed and an outbound webhook."""
    resources = max(1, -(-n_endpoints // 5))
    entities, schemas, endpoints, tables, patterns = [], [], [], [], []
    for i in range(resources):
        e, s, eps, t, p = _resource(i)
        entities.append(e)
        schemas.append(s)
        endpoints.extend(eps)
        tables.append(t)
        patterns.extend(p)
    endpoints = endpoints[:n_endpoints]
    tests = [{"name": f"contract tests batch {i}", "kind": "contract",
              "covers": [ep["id"] for ep in endpoints[i:i + 50]]} for i in range(0, len(endpoints), 50)]
    design = {
        "designkit": 1, "name": f"bench-{n_endpoints}", "title": f"Benchmark design, {n_endpoints} endpoints",
        "scope": {
            "summary": "A generated inventory service for benchmarks.", "tier": "B",
            "requirements": [{"id": "R1", "text": "Members manage inventory items through a versioned API."}],
            "constraints": {"latency": "p99 under 200 ms", "throughput": "500 requests/s peak",
                            "availability": "99.9% monthly", "deployment": "Kubernetes"},
            "slas": [{"name": "api-availability", "objective": "99.9% non-5xx",
                      "indicator": "share of non-5xx responses", "window": "30 days"}],
        },
        "data_model": {"entities": entities + [{
            "name": "IdempotencyKey", "primary_key": ["key"],
            "fields": [{"name": "key", "type": "string", "max_length": 200}, {"name": "expires_at", "type": "datetime"}],
        }]},
        "api": {
            "base_url": "https://api.example.com",
            "versioning": {"scheme": "url-path", "current": "v1", "policy": "New versions run beside old ones for 6 months."},
            "error_model": {"format": "application/problem+json", "fields": ["type", "title", "status", "code"],
                            "codes": [{"code": "not_found", "status": 404, "message": "No such item."},
                                      {"code": "validation_failed", "status": 422, "message": "Invalid request."}]},
            "schemas": schemas, "endpoints": endpoints,
        },
        "security": {
            "authentication": [{"name": "user-oidc", "type": "oidc", "header": "Authorization",
                                "openid_connect_url": "https://id.example.com/.well-known/openid-configuration"}],
            "authorization": {"model": "rbac", "default": "deny", "roles": ["member"]},
            "abuse_controls": ["Bodies over 4 KiB are refused before they are read."],
            "secrets": [{"name": "db-credentials", "kind": "vault", "ref": "database/creds/bench",
                         "rotation": "per lease"}],
            "grants": [{"principal": "bench database role", "actions": ["SELECT", "INSERT", "UPDATE"],
                        "resource": "the item tables and idempotency_keys"}],
        },
        "services": {
            "components": [{"name": "ItemHandler", "kind": "handler", "depends_on": ["ItemRepository"]},
                           {"name": "ItemRepository", "kind": "repository", "depends_on": ["postgresql"]}],
            "dependencies": [{"name": "postgresql", "kind": "datastore", "justification": "Team standard relational store."}],
        },
        "persistence": {
            "stores": [{"name": "main-db", "kind": "postgresql", "purpose": "All items", "durability": "synchronous replica",
                        "replicas": 2}],
            "tables": tables + [{"name": "idempotency_keys", "entity": "IdempotencyKey", "store": "main-db"}],
            "access_patterns": patterns,
            "migrations": {"tool": "Alembic", "strategy": "expand/contract, backward compatible"},
            "idempotency": [{"table": "idempotency_keys", "key": "Idempotency-Key", "ttl": "24 hours"}],
        },
        "reliability": {
            "consistency": [{"applies_to": [e["name"] for e in entities], "model": "strong"}],
            "failure_policies": [{"target": "postgresql", "timeout_ms": 500,
                                  "retries": {"max_attempts": 0, "backoff": "none"},
                                  "failure_behavior": "Answer 503; writes are transactional."}],
            "recovery": ["Point-in-time recovery, 7 days."],
        },
        "performance": {"capacity": {"peak_rps": 500, "average_rps": 100},
                        "scaling": [{"name": "api-pods", "runs": ["ItemHandler", "ItemRepository"],
                                     "state": "stateless", "scales": "horizontal", "scales_on": "CPU"},
                                    {"name": "main-db", "runs": ["main-db"], "state": "stateful",
                                     "holds": "every item", "scales": "vertical", "limit": "one primary"}]},
        "observability": {
            "logs": {"structured": True, "format": "JSON", "fields": ["timestamp", "level", "request_id"]},
            "request_ids": {"header": "X-Request-Id", "propagate": True, "log_field": "request_id"},
            "metrics": [{"name": "http_requests_total", "type": "counter", "sla": "api-availability"}],
            "tracing": {"enabled": True, "propagation": "W3C traceparent"},
            "alerts": [{"name": "availability-burn", "condition": "burn rate over 14x for 1 hour",
                        "sla": "api-availability", "runbook": "runbooks/availability.md"}],
            "audit": {"store": "audit log table, append-only", "retention": "1 year", "events": ["item deleted"]},
        },
        "validation": {
            "tests": tests + [{"name": "database outage answers 503", "kind": "chaos", "covers": ["postgresql"]}],
            "ci_hooks": [{"name": "tests", "when": "pull-request", "runs": "pytest"}],
        },
    }
    if channels:
        design["api"]["channels"], design["api"]["webhooks"] = _async_surface(resources)
        design["validation"]["tests"].append({"name": "message contract tests", "kind": "contract",
                                              "covers": [c["name"] for c in design["api"]["channels"]]})
        design["services"]["components"].append({"name": "LiveFeed", "kind": "handler"})
        design["performance"]["scaling"].append({
            "name": "live-pods", "runs": ["LiveFeed"], "state": "stateful",
            "holds": "open WebSocket connections; clients reconnect to any instance and resubscribe",
            "scales": "horizontal", "scales_on": "open connections"})
        design["persistence"]["stores"].append({"name": "events", "kind": "kafka", "purpose": "Item change events",
                                                "durability": "replication factor 3", "replicas": 3})
    return design


def write_design(n_endpoints: int, path: str | Path, *, channels: bool = False) -> Path:
    """Write ``generate_design(n_endpoints, channels=channels)`` as YAML to ``path``."""
    path = Path(path)
    path.write_text(yaml.dump(generate_design(n_endpoints, channels=channels), Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
                              sort_keys=False, width=120), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("endpoints", type=int)
    parser.add_argument("-o", "--output", type=Path, help="YAML file to write (default: standard output)")
    parser.add_argument("--channels", action="store_true",
                        help="add a Kafka topic per resource, a WebSocket feed and an outbound webhook")
    args = parser.parse_args(argv)
    if args.output:
        write_design(args.endpoints, args.output, channels=args.channels)
    else:
        sys.stdout.write(yaml.safe_dump(generate_design(args.endpoints, channels=args.channels),
                                        sort_keys=False, width=120))
    return 0


if __name__ == "__main__":
    sys.exit(main())
