"""Events in and out: outbound and inbound webhooks, Kafka and queue topics, and what they name.

An inbound webhook is a provider calling us: it is verified (a signature over the body, a signed
timestamp inside a replay window) and deduplicated for at least as long as the provider retries.
A topic or queue is a contract with consumers we do not deploy: its ordering, partition key,
retention and schema compatibility are decided, not left to broker defaults.
"""

from __future__ import annotations

from ..core.durations import format_duration, parse_duration
from . import seeds
from .base import Hit, is_placeholder, names_list, rule
from .surfaces import find_endpoint, idempotency_places


@rule("API012", "api.webhook-contract", "error", step="api", seed=seeds.WEBHOOK_EXAMPLE,
      checklist="api-contracts", risk="high", tiers={"C": "warning"})
def webhook_contract(ctx):
    """Every outbound webhook has a payload schema, a signature receivers verify, and a delivery policy.

    Why: Receivers must be able to tell our deliveries from forgeries and know how retries and
    ordering behave; an unsigned webhook is an open door into every subscriber.
    Fix: Add `payload` (or `fields`), `signing` (e.g. HMAC-SHA256 over timestamp and body) and
    `delivery` (retries, backoff, ordering) to the webhook.
    Plan: In the API step, specify the payload, signature scheme and retry policy of each webhook.
    Bad:
        webhooks: [{name: order-paid, event: order.paid}]
    Good:
        webhooks: [{name: order-paid, event: order.paid, payload: OrderPaid, signing: HMAC-SHA256 header, delivery: 8 retries with exponential backoff over 24 h}]
    """
    for i, hook in enumerate(ctx.design.api.webhooks):
        kp = ("api", "webhooks", i)
        if not hook.payload and not hook.fields:
            yield Hit(kp + ("payload",), f"webhook {hook.name} has no payload schema")
        if is_placeholder(hook.signing):
            yield Hit(kp + ("signing",), f"webhook {hook.name} is not signed")
        if is_placeholder(hook.delivery):
            yield Hit(kp + ("delivery",), f"webhook {hook.name} states no delivery/retry policy")


def _inbound(ctx):
    for i, hook in enumerate(ctx.design.api.inbound_webhooks):
        yield ("api", "inbound_webhooks", i), hook


@rule("API013", "api.inbound-webhook-verified", "error", step="security", seed=seeds.WEBHOOK_EXAMPLE,
      checklist="security-observability", risk="high", tiers={"C": "warning"})
def inbound_webhook_verified(ctx):
    """Every public inbound webhook verifies a signature over the body and refuses replays.

    Why: A webhook endpoint is on the internet: anyone can post to it. Without a signature over
    the body, a forged or altered delivery is accepted as the provider's; without a signed
    timestamp checked against a replay window (or a store of deliveries already seen), a captured
    delivery can be sent again and again.
    Fix: Add `signature: {scheme: hmac-sha256, header: ..., signs: [timestamp, body], secret: NAME}`
    and `replay_window: 5 minutes` (a signed timestamp older than that is refused), and a
    `dedupe` store for the provider's own retries.
    Plan: In the security step, write for each provider how its deliveries are verified and how
    a replay is refused.
    Bad:
        inbound_webhooks: [{name: stripe-events, provider: stripe, endpoint: ingestStripe}]
    Good:
        inbound_webhooks: [{name: stripe-events, provider: stripe, endpoint: ingestStripe, signature: {scheme: hmac-sha256, header: Stripe-Signature, signs: [timestamp, body], secret: stripe-signing}, replay_window: 5 minutes, dedupe: {store: idempotency_keys, key: event id, ttl: 7 days}}]
    """
    for kp, hook in _inbound(ctx):
        if hook.exposure != "public":
            continue
        sig = hook.signature
        if sig is None or sig.scheme == "none":
            yield Hit(kp + ("signature",), f"inbound webhook {hook.name} is public but verifies no signature",
                      fix="add `signature: {scheme: hmac-sha256, header: ..., signs: [timestamp, body], secret: ...}`")
            continue
        if sig.scheme not in ("mtls", "shared-token") and "body" not in sig.signs:
            yield Hit(kp + ("signature", "signs"),
                      f"inbound webhook {hook.name}: the signature does not cover the body, so a delivery can be altered",
                      fix="add body to `signs:` (e.g. `signs: [timestamp, body]`)")
        if sig.scheme == "shared-token":
            yield Hit(kp + ("signature", "scheme"),
                      f"inbound webhook {hook.name} checks a shared token, which proves nothing about the body "
                      "and never expires", fix="use the provider's body signature (e.g. `scheme: hmac-sha256`)")
        signed_time = "timestamp" in sig.signs
        if hook.replay_window and not signed_time:
            yield Hit(kp + ("replay_window",),
                      f"inbound webhook {hook.name} checks a replay window on a timestamp the signature does not cover",
                      fix="add timestamp to `signature.signs`")
        elif signed_time and not hook.replay_window:   # a dedupe store forgets; the window does not
            yield Hit(kp + ("replay_window",),
                      f"inbound webhook {hook.name} signs a timestamp but states no replay window",
                      fix="add `replay_window: 5 minutes` (the oldest signed timestamp accepted)")
        elif not signed_time and not (hook.dedupe and hook.dedupe.store):
            yield Hit(kp + ("replay_window",),
                      f"inbound webhook {hook.name} has no replay protection: no signed timestamp with a "
                      "replay window and no store of deliveries already seen",
                      fix="sign the timestamp and add `replay_window: 5 minutes`, or add "
                          "`dedupe: {store: TABLE, key: the provider's event id, ttl: 7 days}`")


@rule("API014", "api.inbound-webhook-dedupe", "error", step="persistence", seed=seeds.IDEMPOTENCY_MODEL,
      checklist="failure-modes", risk="high", tiers={"C": "warning"})
def inbound_webhook_dedupe(ctx):
    """Every inbound webhook remembers deliveries it has seen for at least as long as the provider retries them.

    Why: Providers deliver at least once and retry for hours or days; a delivery retried after
    its dedupe entry expired is processed twice (a second charge, a second e-mail). The dedupe
    TTL must outlast the provider's retry window, which is the provider's fact, not ours.
    Fix: State the provider's `provider_retry_window` (from its documentation) and a
    `dedupe: {store: ..., key: ..., ttl: ...}` whose ttl is at least that long.
    Plan: In the persistence step, size each provider's dedupe TTL from its retry schedule.
    Bad:
        - {name: adyen-events, provider: adyen, provider_retry_window: 30 days, dedupe: {store: idempotency_keys, key: pspReference, ttl: 7 days}}
    Good:
        - {name: adyen-events, provider: adyen, provider_retry_window: 30 days, dedupe: {store: idempotency_keys, key: pspReference, ttl: 35 days}}
    """
    for kp, hook in _inbound(ctx):
        if not hook.provider_retry_window:
            yield Hit(kp + ("provider_retry_window",),
                      f"inbound webhook {hook.name} does not state how long {hook.provider} retries a delivery",
                      fix="add `provider_retry_window:` from the provider's documentation, e.g. `3 days`")
        dedupe = hook.dedupe
        if dedupe is None or not dedupe.store:
            yield Hit(kp + ("dedupe",), f"inbound webhook {hook.name} keeps no record of deliveries already seen",
                      fix="add `dedupe: {store: TABLE, key: the provider's event id, ttl: 7 days}` "
                          "(ttl at least the provider's retry window)")
            continue
        if is_placeholder(dedupe.key):
            yield Hit(kp + ("dedupe", "key"), f"inbound webhook {hook.name} does not say what identifies a delivery",
                      fix="add `key:` (e.g. the provider's event id)")
        if not dedupe.ttl:
            yield Hit(kp + ("dedupe", "ttl"), f"inbound webhook {hook.name} does not say how long seen deliveries are kept",
                      fix="add `ttl:` at least as long as the provider's retry window")
        elif hook.provider_retry_window:
            ttl, retries = parse_duration(dedupe.ttl), parse_duration(hook.provider_retry_window)
            if ttl < retries:
                yield Hit(kp + ("dedupe", "ttl"),
                          f"inbound webhook {hook.name} forgets a delivery after {format_duration(ttl)} but "
                          f"{hook.provider} retries for {format_duration(retries)}: a late retry is processed twice",
                          fix=f"set `ttl:` to at least {format_duration(retries)}")


@rule("API015", "api.topic-contract", "warning", step="api", seed=seeds.API_ENDPOINTS,
      checklist="api-contracts", tiers={"A": "error", "C": "info"})
def topic_contract(ctx):
    """Every topic and queue states its ordering (with a partition key when ordered per key) and retention, and a topic its schema compatibility.

    Why: Consumers of a topic are built by other teams against what the topic promises: which
    messages arrive in order, for how long they can be replayed, and how the message schema may
    change. Broker defaults (seven days, no compatibility check) are decisions nobody made.
    Fix: Add `ordering:` (none, per-key or total), `partition_key:` (a message field) when ordering
    is per-key, `retention:` (e.g. 7 days), and on topics `schema_compatibility:` (e.g. backward).
    Plan: In the API step, write each topic's ordering, partitioning, retention and schema evolution.
    Bad:
        channels: [{name: readings, kind: topic, direction: publish, message: Reading}]
    Good:
        channels: [{name: readings, kind: topic, direction: publish, message: Reading, ordering: per-key, partition_key: device_id, retention: 7 days, schema_compatibility: backward}]
    """
    for kp, ch in ctx.channels():
        if ch.kind not in ("topic", "queue"):
            continue
        label = f"{ch.kind} {ch.name}"
        if ch.ordering is None:
            yield Hit(kp + ("ordering",), f"{label} does not say which messages arrive in order",
                      fix="add `ordering: per-key` (with `partition_key:`), `total` or `none`")
        elif ch.ordering == "per-key" and not ch.partition_key:
            yield Hit(kp + ("partition_key",), f"{label} is ordered per key but names no partition key",
                      fix="add `partition_key:` naming the message field messages are ordered by")
        if not ch.retention:
            yield Hit(kp + ("retention",), f"{label} does not say how long messages are kept",
                      fix="add `retention:` (e.g. 7 days)")
        if ch.kind == "topic" and ch.schema_compatibility is None:
            yield Hit(kp + ("schema_compatibility",), f"{label} does not say how its message schema may change",
                      fix="add `schema_compatibility: backward` (consumers on the old schema keep working)")


@rule("API018", "api.event-references", "error", step="api", seed=seeds.API_ENDPOINTS,
      checklist="api-contracts", tiers={"C": "error"})
def event_references(ctx):
    """Inbound webhooks and topics name providers, endpoints, stores, brokers and fields that exist.

    Why: A webhook whose provider or endpoint is not in the design, a dedupe store that is not a
    table, or a partition key that is not a message field cannot be built as written; the design
    and the system drift apart from the first commit.
    Fix: Correct the name, or add what it names: the provider to scope.integration_points, the
    endpoint to api.endpoints, the store to persistence, the field to the message.
    Plan: In the API step, link each webhook and topic to the parts of the design it runs on.
    Bad:
        inbound_webhooks: [{name: stripe-events, provider: strpe, endpoint: ingestStripe}]
    Good:
        inbound_webhooks: [{name: stripe-events, provider: stripe, endpoint: ingestStripe}]
    """
    places = idempotency_places(ctx)
    for kp, hook in _inbound(ctx):
        if hook.provider not in ctx.integrations:
            known = names_list(sorted(ctx.integrations), 6) or "(none yet)"
            yield Hit(kp + ("provider",), f"inbound webhook {hook.name} comes from {hook.provider!r}, "
                      "which scope.integration_points does not list",
                      fix=f"add it to scope.integration_points (kind: webhook-source) or use one of: {known}")
        if hook.endpoint and find_endpoint(ctx, hook.endpoint) is None:
            yield Hit(kp + ("endpoint",), f"inbound webhook {hook.name} arrives on {hook.endpoint!r}, "
                      "which is no api.endpoints id or 'METHOD /path'")
        elif not hook.endpoint:
            yield Hit(kp + ("endpoint",), f"inbound webhook {hook.name} does not name the endpoint it arrives on",
                      fix="add `endpoint:` (an api.endpoints id)")
        if hook.dedupe and hook.dedupe.store and hook.dedupe.store not in places:
            yield Hit(kp + ("dedupe", "store"), f"inbound webhook {hook.name} deduplicates in {hook.dedupe.store!r}, "
                      "which is not a persistence table or store",
                      fix=f"use one of: {names_list(sorted(places), 8)}" if places else "add the table to persistence.tables")
    brokers = set(ctx.stores) | set(ctx.dependencies) | set(ctx.integrations)
    for kp, ch in ctx.channels():
        if ch.broker and ch.broker not in brokers:
            yield Hit(kp + ("broker",), f"channel {ch.name} runs on {ch.broker!r}, which is no persistence store, "
                      "dependency or integration point")
        if ch.partition_key:
            schema = ctx.resolve_schema(ch.message)
            fields = {f.name for f in (schema.fields if schema is not None else ch.fields)}
            if fields and ch.partition_key not in fields:
                yield Hit(kp + ("partition_key",), f"channel {ch.name} is partitioned by {ch.partition_key!r}, "
                          "which is not a field of its message",
                          fix=f"use one of: {names_list(sorted(fields), 8)}")
