"""Threat-model rules: the mitigations the derived threat model needs and no other rule asks for.

The threat model (``designkit.threats``) lists every STRIDE threat with the mitigations the design
states and the ones it lacks. A missing mitigation that another rule already reports (a signature
on an inbound webhook: API013; an authorization rule: API001 ...) stays that rule's finding; these
rules report the rest: TLS on public flows, encryption at rest, TLS inside the network, and a
threat register that holds. A register entry that accepts a threat (or calls it a false positive,
or says how it is mitigated) with a justification closes that threat's finding here.
"""

from __future__ import annotations

from . import seeds
from .base import Hit, names_list, rule


def _open_flows(ctx, rule_code: str) -> list:
    """Flows with a threat that lacks a required mitigation ``rule_code`` reports, and that the register does not close."""
    elements = dict.fromkeys(t.element for t in ctx.threat_model.unmitigated(rule_code))
    flows = ctx.threat_model.dfd.flow_by_id if elements else {}
    # an actor's TLS gap (webhook subscribers) is its flows' gap too: the flows are what is named
    return [flows[e] for e in elements if e in flows]


@rule("THR001", "threats.register-valid", "error", step="security", seed=seeds.SECURITY,
      checklist="security-observability", risk="high", tiers={"C": "error"})
def register_valid(ctx):
    """Every threat register entry names a threat of the model, justifies an accepted or dismissed threat, and links an existing waiver.

    Why: The register is where risk decisions about threats are recorded. An entry for a threat
    the model no longer has (renamed element, typo) decides nothing and hides that the real one is
    undecided; an accepted threat without a reason is a gap that was hidden, not decided.
    Fix: Use an id that `designkit threats DESIGN` lists (element id, `/`, STRIDE letter), write
    the justification, and give the linked waiver that `id:` (or remove the link).
    Plan: In the security step, review the threat table with the service owner and record each
    decision in `threats:` with its owner and reason.
    Bad:
        threats: [{id: provider.strpie/S, status: accepted}]
    Good:
        threats: [{id: store.cache/I, status: accepted, owner: platform, justification: Holds rate-limit counters only; nothing personal.}]
    """
    for p in ctx.threat_model.problems:
        yield Hit(("threats", p.index, p.field), p.message)


@rule("THR002", "threats.tls-on-public-flows", "error", step="security", seed=seeds.SECURITY,
      checklist="security-observability", risk="high", tiers={"C": "warning"})
def tls_on_public_flows(ctx):
    """Every flow that crosses the public edge with credentials or confidential data is encrypted in transit (TLS).

    Why: Tokens, signatures and personal data sent in the clear over the internet can be read and
    altered by anyone on the path; the threat model's tampering and disclosure threats on those
    flows stay open until the design says they travel over TLS.
    Fix: Give `api.base_url` an `https://` address, or add `security.transport: {external: tls, min_tls_version: "1.2"}`.
    Plan: In the security step, state where public TLS terminates and the lowest version accepted.
    Bad:
        api: {endpoints: [{method: POST, path: /v1/orders, auth: user-oidc}]}
    Good:
        api: {base_url: "https://api.example.com", endpoints: [{method: POST, path: /v1/orders, auth: user-oidc}]}
    """
    flows = _open_flows(ctx, "THR002")
    if flows:
        yield Hit(("security", "transport", "external"),
                  f"{len(flows)} flow(s) cross the public edge with credentials or confidential data and the "
                  f"design does not say they use TLS: {names_list(f.name for f in flows)}",
                  fix="add `security.transport: {external: tls, min_tls_version: \"1.2\"}` "
                      "(or an https:// `api.base_url`)")


@rule("THR003", "threats.encryption-at-rest", "warning", step="persistence", seed=seeds.SECURITY,
      checklist="security-observability", risk="high", tiers={"A": "error", "C": "info"})
def encryption_at_rest(ctx):
    """Every store that holds personal data, credentials or secrets says how it is encrypted at rest.

    Why: Disks, snapshots and backups leave the database's access control behind: whoever gets a
    copy reads every row. For personal data and credentials that is a reportable breach; encryption
    at rest with managed keys closes the store's information-disclosure threat.
    Fix: Add `encryption_at_rest:` to the store, e.g. `encryption_at_rest: AES-256 with KMS-managed keys, backups included`.
    Plan: In the persistence step, state for each store holding restricted data how its disks and
    backups are encrypted and who holds the keys.
    Bad:
        stores: [{name: main-db, kind: postgresql}]   # holds Customer (pii)
    Good:
        stores: [{name: main-db, kind: postgresql, encryption_at_rest: AES-256 with KMS-managed keys, backups included}]
    """
    model = ctx.threat_model
    for t in (t for store in model.dfd.of_kind("store") for t in model.threats_of(store.id)):
        if t.suppressed:
            continue
        for m in t.missing:
            if m.rule == "THR003":
                yield Hit(m.key_path, f"store {t.element.removeprefix('store.')} holds "
                          f"{ctx.threat_model.dfd.elements[t.element].classification} data and {m.evidence}",
                          fix="add `encryption_at_rest: AES-256 with KMS-managed keys, backups included`")


@rule("THR004", "threats.tls-inside-the-network", "warning", step="security", seed=seeds.SECURITY,
      checklist="security-observability", tiers={"A": "error", "C": "info"})
def tls_inside_the_network(ctx):
    """Flows inside the network that carry personal data, credentials or secrets are encrypted in transit too.

    Why: An internal network is not a trust boundary you can rely on: a compromised pod, a
    mirrored port or a shared VPC reads database connections in the clear. Restricted data is
    encrypted on every wire, not only at the public edge.
    Fix: Add `security.transport: {internal: tls}` (or `mtls` where workloads authenticate each other).
    Plan: In the security step, say how connections to stores and internal services are encrypted.
    Bad:
        security: {transport: {external: tls}}   # the database connection carries Customer (pii)
    Good:
        security: {transport: {external: tls, internal: tls}}
    """
    flows = _open_flows(ctx, "THR004")
    if flows:
        yield Hit(("security", "transport", "internal"),
                  f"{len(flows)} internal flow(s) carry personal data, credentials or secrets and the design "
                  f"does not say they use TLS: {names_list(f.name for f in flows)}",
                  fix="add `security.transport: {internal: tls}`")
