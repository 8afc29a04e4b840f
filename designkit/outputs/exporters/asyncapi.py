"""AsyncAPI 3.0 from the design's asynchronous surface: WebSocket channels, topics and queues, and
the outbound webhooks it sends.

- Servers: the WebSocket endpoint (``wss``/``ws`` and the host of ``api.base_url``), one server
  per broker a topic or queue names (its protocol from the store's kind or the technology the
  dependency names: Kafka, SQS, RabbitMQ ...), and the webhook subscribers. A host the design does
  not state is a server variable ``{host}`` whose description says so; a broker technology it
  does not name stays the channel's kind with ``x-designkit-gap``. Nothing is invented.
- Channels: one per ``api.channels`` entry (address: its path or topic) and one per outbound
  webhook (address unknown: each subscriber registers its own URL).
- Operations, from the service's side: ``publish`` is ``send``, ``subscribe`` is ``receive``,
  ``both`` is one of each; a webhook is ``send``. Each names the channel's message and the
  security scheme of the channel's ``auth``.
- Messages: the payload is the named schema (``$ref`` into ``components.schemas``, built as the
  OpenAPI export builds them) or the inline fields. Kafka topics carry their partition key as
  the message key binding and their retention as ``retention.ms``; ordering and the schema
  registry's compatibility mode go in as ``x-`` extensions.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from ...core.durations import parse_duration
from ...core.loader import gc_paused
from ...core.model import AuthScheme, Channel, Design, Webhook
from . import DocumentExporter
from .openapi import component_schemas
from .schemas import field_schema, info_object, object_schema, schema_key

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING = "0.5.0"

# Words that name a broker technology, and the AsyncAPI protocol each one means.
_PROTOCOLS = (("kafka", "kafka"), ("msk", "kafka"), ("redpanda", "kafka"), ("sqs", "sqs"),
              ("sns", "sns"), ("rabbitmq", "amqp"), ("amqp", "amqp"), ("nats", "nats"),
              ("mqtt", "mqtt"), ("pulsar", "pulsar"), ("pub/sub", "googlepubsub"),
              ("pubsub", "googlepubsub"), ("redis", "redis"), ("activemq", "jms"), ("jms", "jms"),
              ("ibm mq", "ibmmq"), ("solace", "solace"), ("kinesis", "kinesis"))
_STORE_PROTOCOLS = {"kafka": "kafka", "sqs": "sqs", "redis": "redis"}


def _key(text: str) -> str:
    return schema_key(text)


def _camel(*parts: str) -> str:
    words = [w for p in parts for w in re.split(r"[^A-Za-z0-9]+", p) if w]
    return (words[0].lower() + "".join(w[:1].upper() + w[1:] for w in words[1:])) if words else "op"


class _Builder:
    def __init__(self, design: Design):
        self.design = design
        self.schemas: dict[str, Any] = component_schemas(design)
        self.known = set(self.schemas)
        self.servers: dict[str, Any] = {}
        self.channels: dict[str, Any] = {}
        self.operations: dict[str, Any] = {}
        self.used_schemes: dict[str, AuthScheme] = {}
        self.auth = {s.name: s for s in design.security.authentication}
        # fields by schema name (an api schema wins over an entity of the same name, as in OpenAPI)
        self.fields = {e.name: e.fields for e in design.data_model.entities} | {
            s.name: s.fields for s in design.api.schemas}

    # ------------------------------------------------------------------ document

    def build(self) -> dict[str, Any]:
        d = self.design
        doc: dict[str, Any] = {"asyncapi": ASYNCAPI_VERSION, "info": info_object(d),
                               "defaultContentType": "application/json"}
        for channel in d.api.channels:
            self._channel(channel)
        for webhook in d.api.webhooks:
            self._webhook(webhook)
        if self.servers:
            doc["servers"] = self.servers
        doc["channels"] = self.channels
        doc["operations"] = self.operations
        components: dict[str, Any] = {}
        used = self._used_schemas()
        if used:
            components["schemas"] = {k: v for k, v in self.schemas.items() if k in used}
        if self.used_schemes:
            components["securitySchemes"] = {_key(n): self._security_scheme(s)
                                             for n, s in self.used_schemes.items()}
        if components:
            doc["components"] = components
        return doc

    def _unique(self, base: str, used: dict) -> str:
        name, n = base, 2
        while name in used:
            name, n = f"{base}_{n}", n + 1
        return name

    # ------------------------------------------------------------------ servers

    def _server_ref(self, key: str) -> dict[str, str]:
        return {"$ref": f"#/servers/{key}"}

    def _websocket_server(self) -> str:
        key = "websocket"
        if key not in self.servers:
            url = urlsplit(self.design.api.base_url or "")
            server: dict[str, Any] = {"protocol": "ws" if url.scheme == "http" else "wss"}
            if url.hostname:
                server["host"] = url.netloc.rpartition("@")[2]
                server["description"] = f"WebSocket connections to {self.design.api.base_url}."
            else:
                server["host"] = "{host}"
                server["variables"] = {"host": {"description": "The design does not state api.base_url yet."}}
                server["x-designkit-gap"] = "api.base_url is not in the design; set it to give the host"
            self.servers[key] = server
        return key

    def _broker_server(self, channel: Channel) -> str | None:
        if not channel.broker:
            return None
        key = _key(channel.broker)
        if key in self.servers:
            return key
        protocol, source = self._broker_protocol(channel.broker)
        server: dict[str, Any] = {
            "host": "{host}", "protocol": protocol or channel.kind,
            "description": f"The broker {channel.broker}" + (f" ({source})." if source else "."),
            "variables": {"host": {"description": f"Where {channel.broker} runs; the design does not give its address."}},
        }
        if protocol is None:
            server["x-designkit-gap"] = (f"the design does not name the technology of {channel.broker}: give the "
                                         "persistence.stores kind (kafka, sqs ...) or name it in the dependency")
        self.servers[key] = server
        return key

    def _broker_protocol(self, broker: str) -> tuple[str | None, str]:
        d = self.design
        store = next((s for s in d.persistence.stores if s.name == broker), None)
        if store is not None and store.kind in _STORE_PROTOCOLS:
            return _STORE_PROTOCOLS[store.kind], f"persistence store, {store.kind}"
        texts = [broker]
        if store is not None:
            texts += [store.kind, store.purpose or ""]
        dep = next((x for x in d.services.dependencies if x.name == broker), None)
        if dep is not None:
            texts += [dep.justification or "", dep.version or "", dep.integration or ""]
        point = next((p for p in d.scope.integration_points if p.name in (broker, dep and dep.integration)), None)
        if point is not None:
            texts.append(point.description or "")
        text = " ".join(texts).lower()
        for word, protocol in _PROTOCOLS:
            if re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", text):
                return protocol, "named in the design"
        return None, ""

    def _subscribers_server(self) -> str:
        key = "webhook-subscribers"
        if key not in self.servers:
            self.servers[key] = {
                "host": "{host}", "protocol": "https",
                "description": "Each subscriber's HTTPS endpoint, registered by the subscriber.",
                "variables": {"host": {"description": "The subscriber's host, from its registration."}},
            }
        return key

    # ------------------------------------------------------------------ channels

    def _payload(self, name: str | None, fields: list) -> dict[str, Any] | None:
        if name:
            many = name.endswith("[]")
            base = name[:-2].strip() if many else name
            key = _key(base)
            one: dict[str, Any] = ({"$ref": f"#/components/schemas/{key}"} if key in self.schemas else
                                   {"type": "object", "description": f"schema {base!r} is not defined in the design"})
            return {"type": "array", "items": one} if many else one
        if fields:
            return object_schema(fields, known=self.known)
        return None

    def _channel(self, c: Channel) -> None:
        cid = self._unique(_key(c.name), self.channels)
        message_key = _key(c.message or f"{c.name}-message")
        message: dict[str, Any] = {"name": c.message or c.name}
        if c.summary:
            message["summary"] = c.summary
        payload = self._payload(c.message, c.fields)
        if payload is not None:
            message["payload"] = payload
        channel: dict[str, Any] = {"address": c.path or c.name, "messages": {message_key: message}}
        if c.summary:
            channel["description"] = c.summary
        server = self._websocket_server() if c.kind == "websocket" else self._broker_server(c)
        if server:
            channel["servers"] = [self._server_ref(server)]
        if c.kind in ("topic", "queue"):
            self._broker_details(c, channel, message)
        self.channels[cid] = channel
        actions = {"publish": ["send"], "subscribe": ["receive"], "both": ["send", "receive"]}[c.direction]
        for action in actions:
            op: dict[str, Any] = {"action": action, "channel": {"$ref": f"#/channels/{cid}"},
                                  "messages": [{"$ref": f"#/channels/{cid}/messages/{message_key}"}]}
            op["summary"] = (f"The service sends {c.message or 'messages'} on {c.name}." if action == "send"
                             else f"The service receives {c.message or 'messages'} on {c.name}.")
            security = self._security(c.auth)
            if security:
                op["security"] = security
            self.operations[self._unique(_camel(action, c.name), self.operations)] = op

    def _broker_details(self, c: Channel, channel: dict[str, Any], message: dict[str, Any]) -> None:
        if c.ordering:
            channel["x-ordering"] = c.ordering
        if c.schema_compatibility:
            channel["x-schema-compatibility"] = c.schema_compatibility
        if c.partition_key:
            channel["x-partition-key"] = c.partition_key
        server = self.servers.get(_key(c.broker)) if c.broker else None
        if server is None or server["protocol"] != "kafka":
            if c.retention:
                channel["x-retention"] = c.retention
            return
        binding: dict[str, Any] = {"topic": c.path or c.name, "bindingVersion": KAFKA_BINDING}
        if c.retention:
            binding["topicConfiguration"] = {
                "retention.ms": int(parse_duration(c.retention).total_seconds() * 1000)}
        channel["bindings"] = {"kafka": binding}
        if c.partition_key:
            field = next((f for f in self._fields_of(c) if f.name == c.partition_key), None)
            key = field_schema(field, self.known) if field is not None else {"type": "string"}
            key["description"] = f"The partition key: the message's {c.partition_key}."
            message["bindings"] = {"kafka": {"key": key, "bindingVersion": KAFKA_BINDING}}

    def _fields_of(self, c: Channel) -> list:
        return c.fields or self.fields.get(c.message or "", [])

    def _webhook(self, w: Webhook) -> None:
        cid = self._unique(_key(f"webhook-{w.name}"), self.channels)
        message_key = _key(w.payload or f"{w.name}-event")
        message: dict[str, Any] = {"name": w.event, "summary": f"Sent on {w.event}."}
        payload = self._payload(w.payload, w.fields)
        if payload is not None:
            message["payload"] = payload
        notes = [f"Signing: {w.signing}" if w.signing else "", f"Delivery: {w.delivery}" if w.delivery else ""]
        if any(notes):
            message["description"] = "\n\n".join(n for n in notes if n)
        self.channels[cid] = {
            "address": None,
            "description": f"Outbound webhook {w.name}: POSTed to each subscriber's registered URL.",
            "messages": {message_key: message},
            "servers": [self._server_ref(self._subscribers_server())],
        }
        self.operations[self._unique(_camel("send", w.name), self.operations)] = {
            "action": "send", "channel": {"$ref": f"#/channels/{cid}"},
            "messages": [{"$ref": f"#/channels/{cid}/messages/{message_key}"}],
            "summary": f"The service sends {w.event} to subscribers.",
            "bindings": {"http": {"method": "POST", "bindingVersion": "0.3.0"}},
        }

    # ------------------------------------------------------------------ security

    def _security(self, auth: str | None) -> list[dict[str, str]] | None:
        if not auth or auth == "public":
            return None
        scheme = self.auth.get(auth) or AuthScheme(
            name=auth, type="other", description="Not defined in security.authentication yet.")
        self.used_schemes[auth] = scheme
        return [{"$ref": f"#/components/securitySchemes/{_key(auth)}"}]

    def _security_scheme(self, s: AuthScheme) -> dict[str, Any]:
        note = s.description or ""
        scopes = list(s.scopes)
        if s.type == "jwt":
            out: dict[str, Any] = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        elif s.type == "basic":
            out = {"type": "http", "scheme": "basic"}
        elif s.type == "oidc" and s.openid_connect_url:
            out = {"type": "openIdConnect", "openIdConnectUrl": s.openid_connect_url, "scopes": scopes}
        elif s.type == "oauth2" and (s.token_url or s.authorization_url):
            available = {sc: sc for sc in scopes}
            if s.authorization_url and s.token_url:
                flows = {"authorizationCode": {"authorizationUrl": s.authorization_url,
                                               "tokenUrl": s.token_url, "availableScopes": available}}
            elif s.authorization_url:
                flows = {"implicit": {"authorizationUrl": s.authorization_url, "availableScopes": available}}
            else:
                flows = {"clientCredentials": {"tokenUrl": s.token_url, "availableScopes": available}}
            out = {"type": "oauth2", "flows": flows, "scopes": scopes}
        elif s.type in ("oidc", "oauth2"):
            missing = "openid_connect_url" if s.type == "oidc" else "token_url"
            out = {"type": "http", "scheme": "bearer",
                   "x-designkit-gap": f"{missing} is not in the design; set it in security.authentication"}
        elif s.type == "mtls":
            out = {"type": "X509"}
        elif s.type == "session":
            out = {"type": "httpApiKey", "in": "cookie", "name": s.header or "session"}
        else:   # api-key, hmac-signature, other: a credential in a header
            out = {"type": "httpApiKey", "in": "header",
                   "name": s.header or ("X-API-Key" if s.type == "api-key" else "Authorization")}
        if note:
            out["description"] = note
        out["x-designkit-type"] = s.type
        return out

    # ------------------------------------------------------------------ schemas in use

    def _used_schemas(self) -> set[str]:
        """Component schemas the channels reach, following $refs between schemas."""
        todo = [self.channels]
        used: set[str] = set()
        while todo:
            node = todo.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                    key = ref.rsplit("/", 1)[1]
                    if key not in used and key in self.schemas:
                        used.add(key)
                        todo.append(self.schemas[key])
                todo.extend(node.values())
            elif isinstance(node, list):
                todo.extend(node)
        return used


def build_asyncapi(design: Design) -> dict[str, Any]:
    """The AsyncAPI 3.0 document for a design, as plain data."""
    with gc_paused():
        return _Builder(design).build()


class AsyncApiExporter(DocumentExporter):
    kind = "asyncapi"
    name = f"AsyncAPI {ASYNCAPI_VERSION}"
    description = "AsyncAPI 3.0: WebSocket channels, topics and queues, outbound webhooks (YAML; JSON for .json)"

    def build(self, design: Design) -> dict[str, Any]:
        return build_asyncapi(design)

    def text(self, design: Design, *, format: str = "yaml") -> str:
        # The collector is paused while the text is built, as while loading: the document
        # allocates hundreds of thousands of containers and frees none, so each collection would
        # only walk the loaded design again (at 10,000 endpoints it more than doubled the time).
        with gc_paused():
            return super().text(design, format=format)
