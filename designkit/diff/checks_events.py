"""Channels, topics, outbound webhooks and the webhooks providers send us."""

from __future__ import annotations

from ..core.durations import leading_duration
from .base import Hit, check

_ORDERING = {"total": 2, "per-key": 1, "none": 0}
# How much of a topic's history a schema change must stay compatible with (higher is stricter).
_COMPAT = {"full-transitive": 5, "full": 4, "backward-transitive": 3, "forward-transitive": 3,
           "backward": 2, "forward": 2, "none": 0}


def _channels(ctx):
    return ctx.iter_named(lambda d: d.api.channels, ("api", "channels"))


@check("DIFF047", "channel-removed", "breaking", area="events")
def channel_removed(ctx):
    """A channel, topic or queue was removed.

    Why: Subscribers wait for messages that never come; publishers to it fail.
    Fix: Keep publishing (or accepting) on it until its consumers have moved, then remove it.
    """
    for i, ch in ctx.named(lambda d: d.api.channels).removed:
        yield Hit(f"channel {ch.name} was removed", old=("api", "channels", i))


@check("DIFF048", "channel-address-changed", "breaking", area="events")
def channel_address_changed(ctx):
    """A channel's WebSocket path or topic name changed.

    Why: Clients connect or subscribe to the old address and hear nothing.
    Fix: Publish to both addresses (or accept connections on both) during a migration window.
    """
    for o, n, okp, nkp in _channels(ctx):
        if o.path and n.path != o.path:
            yield Hit(f"channel {n.name}: address changed from {o.path} to {n.path or '(none)'}",
                      old=(*okp, "path"), new=(*nkp, "path") if n.path else nkp)


@check("DIFF049", "channel-direction-changed", "breaking", area="events")
def channel_direction_changed(ctx):
    """A channel's direction changed (the service now only publishes, or only subscribes).

    Why: The side that lost its direction sends into nothing or waits for nothing.
    Fix: Keep the old direction and add a new channel for the new flow.
    """
    for o, n, okp, nkp in _channels(ctx):
        if o.direction == "both" and n.direction != "both" or o.direction != "both" and n.direction not in (o.direction, "both"):
            yield Hit(f"channel {n.name}: direction changed from {o.direction} to {n.direction}",
                      old=(*okp, "direction"), new=(*nkp, "direction"))


@check("DIFF050", "ordering-weakened", "warning", area="events")
def ordering_weakened(ctx):
    """A topic or queue promises less ordering than before (total to per-key, per-key to none).

    Why: Consumers written for ordered delivery apply updates out of order (a cancel before its order).
    Fix: Keep the ordering, or make consumers tolerate reordering (versions, idempotent upserts) first.
    """
    for o, n, okp, nkp in _channels(ctx):
        if o.ordering and _ORDERING[n.ordering or "none"] < _ORDERING[o.ordering]:
            yield Hit(f"channel {n.name}: ordering weakened from {o.ordering} to {n.ordering or 'unstated'}",
                      old=(*okp, "ordering"), new=(*nkp, "ordering") if n.ordering else nkp)


@check("DIFF051", "partition-key-changed", "warning", area="events")
def partition_key_changed(ctx):
    """A topic's partition key changed.

    Why: Messages for one key move to another partition; during the switch, per-key order is lost
    and consumers keyed on partitions see duplicates or gaps.
    Fix: Plan the switch (drain, or a new topic) and say how ordering holds during it.
    """
    for o, n, okp, nkp in _channels(ctx):
        if o.partition_key and n.partition_key != o.partition_key:
            yield Hit(f"channel {n.name}: partition key changed from {o.partition_key} to {n.partition_key or '(none)'}",
                      old=(*okp, "partition_key"), new=(*nkp, "partition_key") if n.partition_key else nkp)


@check("DIFF052", "schema-compatibility-loosened", "warning", area="events")
def schema_compatibility_loosened(ctx):
    """A topic's schema compatibility mode is looser than before (full to backward, backward to none).

    Why: The registry will now accept message schemas that old consumers cannot read.
    Fix: Keep the stricter mode; make an incompatible change on a new topic.
    """
    for o, n, okp, nkp in _channels(ctx):
        if o.schema_compatibility and _COMPAT[n.schema_compatibility or "none"] < _COMPAT[o.schema_compatibility]:
            yield Hit(f"channel {n.name}: schema compatibility loosened from {o.schema_compatibility} "
                      f"to {n.schema_compatibility or 'unstated'}", old=(*okp, "schema_compatibility"),
                      new=(*nkp, "schema_compatibility") if n.schema_compatibility else nkp)


# --------------------------------------------------------------------------- webhooks we send


@check("DIFF053", "webhook-removed", "breaking", area="events")
def webhook_removed(ctx):
    """An outbound webhook was removed.

    Why: Subscribers stop hearing about the event and do not know why.
    Fix: Announce the removal; keep sending until subscribers have unsubscribed or moved.
    """
    for i, wh in ctx.named(lambda d: d.api.webhooks).removed:
        yield Hit(f"webhook {wh.name} ({wh.event}) was removed", old=("api", "webhooks", i))


@check("DIFF054", "webhook-event-changed", "breaking", area="events")
def webhook_event_changed(ctx):
    """An outbound webhook now carries another event type.

    Why: Subscribers route deliveries by event type; the new name matches none of their handlers.
    Fix: Send the new event as a new webhook and keep the old one for its subscribers.
    """
    for o, n, okp, nkp in ctx.iter_named(lambda d: d.api.webhooks, ("api", "webhooks")):
        if o.event != n.event:
            yield Hit(f"webhook {n.name}: event changed from {o.event} to {n.event}",
                      old=(*okp, "event"), new=(*nkp, "event"))


@check("DIFF055", "webhook-signing-removed", "breaking", area="events")
def webhook_signing_removed(ctx):
    """An outbound webhook is no longer signed.

    Why: Receivers that verify the signature refuse every delivery; those that do not can now be
    sent forged ones.
    Fix: Keep signing; rotate the key if that was the reason.
    """
    for o, n, okp, nkp in ctx.iter_named(lambda d: d.api.webhooks, ("api", "webhooks")):
        if o.signing and not n.signing:
            yield Hit(f"webhook {n.name} is no longer signed (was: {o.signing})", old=(*okp, "signing"), new=nkp)


# --------------------------------------------------------------------------- webhooks we receive


def _inbound(ctx):
    return ctx.iter_named(lambda d: d.api.inbound_webhooks, ("api", "inbound_webhooks"))


@check("DIFF056", "inbound-webhook-removed", "warning", area="events")
def inbound_webhook_removed(ctx):
    """A webhook a provider sends us was removed from the design.

    Why: The provider keeps delivering until it is told; deliveries now fail and pile up in its retries.
    Fix: Unsubscribe at the provider first, or keep answering (and dropping) deliveries.
    """
    for i, wh in ctx.named(lambda d: d.api.inbound_webhooks).removed:
        yield Hit(f"inbound webhook {wh.name} from {wh.provider} was removed", old=("api", "inbound_webhooks", i))


@check("DIFF057", "inbound-event-removed", "warning", area="events")
def inbound_event_removed(ctx):
    """An event type a provider sends us is no longer accepted.

    Why: The provider still sends it; refused deliveries are retried for days and may get the
    endpoint disabled by the provider.
    Fix: Unsubscribe from the event at the provider, or accept and ignore it.
    """
    for o, n, okp, nkp in _inbound(ctx):
        for k, event in enumerate(o.events):
            if n.events and event not in n.events:
                yield Hit(f"inbound webhook {n.name} no longer accepts {event}",
                          old=(*okp, "events", k), new=(*nkp, "events"))


@check("DIFF058", "inbound-signature-weakened", "breaking", area="events")
def inbound_signature_weakened(ctx):
    """Deliveries from a provider are verified less than before (no signature, `none`, or fewer parts signed).

    Why: Anyone who finds the URL can forge deliveries (a payment marked paid), or replay a
    captured one with a new timestamp.
    Fix: Keep verifying the signature over the same parts (body and timestamp at least).
    """
    for o, n, okp, nkp in _inbound(ctx):
        if o.signature is None or o.signature.scheme == "none":
            continue
        if n.signature is None or n.signature.scheme == "none":
            yield Hit(f"inbound webhook {n.name}: signature verification removed",
                      old=(*okp, "signature"), new=(*nkp, "signature") if n.signature else nkp)
            continue
        dropped = [x for x in o.signature.signs if x not in n.signature.signs]
        if dropped:
            yield Hit(f"inbound webhook {n.name}: the signature no longer covers {', '.join(dropped)}",
                      old=(*okp, "signature", "signs"), new=(*nkp, "signature", "signs"))


@check("DIFF059", "replay-window-widened", "warning", area="events")
def replay_window_widened(ctx):
    """The oldest signed delivery we accept is older than before (replay window widened or dropped).

    Why: A captured delivery can be replayed for longer.
    Fix: Keep the window short (minutes) and rely on the dedupe store for retries.
    """
    for o, n, okp, nkp in _inbound(ctx):
        old = leading_duration(o.replay_window)
        if old is None:
            continue
        new = leading_duration(n.replay_window)
        if new is None or new > old:
            yield Hit(f"inbound webhook {n.name}: replay window widened from {o.replay_window} to "
                      f"{n.replay_window or 'none'}", old=(*okp, "replay_window"),
                      new=(*nkp, "replay_window") if n.replay_window else nkp)


@check("DIFF060", "dedupe-removed", "breaking", area="events")
def dedupe_removed(ctx):
    """Deliveries from a provider are no longer deduplicated.

    Why: Providers deliver at least once; every retry now has a second effect (a second refund).
    Fix: Keep the dedupe store keyed on the provider's event id for longer than its retry window.
    """
    for o, n, okp, nkp in _inbound(ctx):
        if o.dedupe and o.dedupe.store and not (n.dedupe and n.dedupe.store):
            yield Hit(f"inbound webhook {n.name}: deliveries are no longer deduplicated",
                      old=(*okp, "dedupe"), new=(*nkp, "dedupe") if n.dedupe else nkp)


@check("DIFF116", "inbound-webhook-exposed", "warning", area="events")
def inbound_webhook_exposed(ctx):
    """A webhook receiver that was reachable only over a private link is now public.

    Why: anyone on the internet can now send it deliveries; its signature check and rate limit
    become its only defence.
    Fix: keep it private, or confirm signature verification, a replay window and a rate limit first.
    """
    for o, n, okp, nkp in _inbound(ctx):
        if o.exposure == "private" and n.exposure == "public":
            yield Hit(f"inbound webhook {n.name} is now reachable from the internet",
                      old=(*okp, "exposure"), new=(*nkp, "exposure") if "exposure" in n.model_fields_set else nkp)
