"""Mapping security schemes to the design's authentication schemes."""

from __future__ import annotations

from typing import Any

from .refs import References
from .result import clean_name

_FLOW_ORDER = ("authorizationCode", "clientCredentials", "implicit", "password")
# the flow the exporter writes back for each pair of URLs the design keeps
_FLOW_OF_URLS = {(True, True): "authorizationCode", (False, True): "clientCredentials",
                 (True, False): "implicit"}


def security_schemes(doc: dict[str, Any], refs: References) -> list[dict[str, Any]]:
    """``security.authentication`` from ``components.securitySchemes``."""
    schemes = ((doc.get("components") or {}).get("securitySchemes") or {})
    out = []
    for key, raw in schemes.items():
        if str(key).startswith("x-"):
            continue
        s, _ = refs.deref(raw, ("components", "securitySchemes", key))
        if isinstance(s, dict):
            out.append(_scheme(key, s))
    return out


def _scheme(key: Any, s: dict[str, Any]) -> dict[str, Any]:
    kind, scheme = s.get("type"), str(s.get("scheme") or "").lower()
    item: dict[str, Any] = {"name": clean_name(key)}
    notes = [s["description"].strip()] if isinstance(s.get("description"), str) \
        and s["description"].strip() else []
    if kind == "http" and scheme == "basic":
        item["type"] = "basic"
    elif kind == "http" and scheme == "bearer":
        item["type"] = "jwt"
        item["header"] = "Authorization"
        if s.get("bearerFormat") and str(s["bearerFormat"]).upper() != "JWT":
            notes.append(f"bearer format: {s['bearerFormat']}")
    elif kind == "apiKey":
        where = s.get("in")
        item["type"] = "session" if where == "cookie" else "api-key"
        if where == "query":
            notes.append(f"sent in the query parameter {s.get('name')}")
        else:
            item["header"] = clean_name(s.get("name") or "X-API-Key")
    elif kind == "oauth2":
        item["type"] = "oauth2"
        scopes: list[str] = []
        flows = s.get("flows") if isinstance(s.get("flows"), dict) else {}
        for flow in flows.values():
            if isinstance(flow, dict) and isinstance(flow.get("scopes"), dict):
                scopes += [clean_name(sc) for sc in flow["scopes"] if clean_name(sc) not in scopes]
        if scopes:
            item["scopes"] = scopes
        notes += _oauth_urls_of(item, flows)
    elif kind == "openIdConnect":
        item["type"] = "oidc"
        if isinstance(s.get("openIdConnectUrl"), str) and s["openIdConnectUrl"].strip():
            item["openid_connect_url"] = s["openIdConnectUrl"].strip()
    elif kind == "mutualTLS":
        item["type"] = "mtls"
    else:
        item["type"] = "other"
        notes.append(f"OpenAPI type {kind} {scheme}".strip())
    if notes:
        item["description"] = " ".join(notes)
    return item


def _oauth_urls_of(item: dict[str, Any], flows: dict[str, Any]) -> list[str]:
    """Keep the URLs of one OAuth2 flow (the first of authorization code, client credentials,
    implicit, password); return notes on what the design cannot say (other flows, refresh URL)."""
    present = [f for f in _FLOW_ORDER if isinstance(flows.get(f), dict)]
    present += [f for f in flows if f not in present and isinstance(flows[f], dict)]
    if not present:
        return []
    chosen, flow = present[0], flows[present[0]]
    for key, attr in (("authorizationUrl", "authorization_url"), ("tokenUrl", "token_url")):
        if isinstance(flow.get(key), str) and flow[key].strip():
            item[attr] = flow[key].strip()
    notes = []
    kept = _FLOW_OF_URLS.get(("authorization_url" in item, "token_url" in item))
    if len(present) > 1 or (kept and kept != chosen):
        notes.append("OpenAPI flows: " + ", ".join(present) + f"; the design keeps the URLs of {chosen}")
    if isinstance(flow.get("refreshUrl"), str) and flow["refreshUrl"].strip():
        notes.append(f"refresh URL: {flow['refreshUrl'].strip()}")
    return notes
