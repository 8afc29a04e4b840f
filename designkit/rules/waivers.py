"""Waiver rules: a waiver is justified, owned, current, and still covers something."""

from __future__ import annotations

from . import seeds
from .base import Hit, rule


def _item_of(code: str) -> str | None:
    """The checklist item of the waived rule: an invalid or stale waiver holds that item back."""
    from . import registry

    return registry.get(code).checklist if code in registry else None


@rule("WVR001", "waivers.valid", "error", step="report", seed=seeds.C_REQUIREMENTS,
      checklist="requirements", risk="high", tiers={"C": "error"}, after_findings=True)
def valid(ctx):
    """Every waiver names a rule, has a written justification and has not expired; an invalid one waives nothing.

    Why: A waiver is a recorded risk decision; one without a reason, or past its date, is a gap
    that was hidden rather than decided.
    Fix: Write the justification (why the risk is acceptable, or how it is mitigated), correct the
    rule code, or renew the expiry after a fresh review (or close the gap and delete the waiver).
    Plan: In the report step, review each waiver with its owner: fix the gap, or renew with a reason.
    Bad:
        waivers: [{rule: API001, target: "api.endpoints[2]", status: accepted, justification: TBD, expires: 2020-01-01}]
    Good:
        waivers: [{rule: API001, target: "api.endpoints[2]", status: mitigated, justification: Behind the VPN; only the ops team reaches it., owner: ops, expires: 2027-06-30}]
    """
    for w in ctx.waiver_statuses:
        if w.problems:
            yield Hit(("waivers", w.index), f"waiver for {w.rule} at {w.target} {'; '.join(w.problems)}, so it waives nothing",
                      checklist=_item_of(w.rule))


@rule("WVR002", "waivers.owned-and-dated", "warning", step="report", seed=seeds.C_REQUIREMENTS,
      checklist="requirements", tiers={"C": "warning"}, after_findings=True)
def owned_and_dated(ctx):
    """Every waiver has an owner and an expiry date.

    Why: An unowned waiver is never revisited, and one without an expiry becomes permanent by default.
    Fix: Add `owner:` (a person or team) and `expires:` (a date, usually within 6 months).
    Plan: In the report step, give each waiver an owner and a review date.
    Bad:
        waivers: [{rule: SVC001, status: accepted, justification: Chosen by the platform team for all services.}]
    Good:
        waivers: [{rule: SVC001, status: accepted, justification: Chosen by the platform team for all services., owner: platform, expires: 2027-01-31}]
    """
    for i, w in enumerate(ctx.design.waivers):
        missing = [k for k in ("owner", "expires") if not getattr(w, k)]
        if missing:
            yield Hit(("waivers", i, missing[0]), f"waiver for {w.rule} has no {' and no '.join(missing)}",
                      checklist=_item_of(w.rule))


@rule("WVR003", "waivers.still-needed", "info", step="report", seed=seeds.C_REQUIREMENTS,
      checklist="requirements", risk="low", tiers={"A": "warning"}, after_findings=True)
def still_needed(ctx):
    """Every valid waiver still covers at least one finding.

    Why: A waiver that covers nothing is stale: the gap was fixed or moved, and the waiver would
    silently hide the next finding at that place.
    Fix: Delete the waiver, or correct its target to the key path the finding now has.
    Plan: In the report step, delete waivers whose findings are gone.
    Bad:
        waivers: [{rule: API001, target: "api.endpoints[9]", ...}]   # there is no endpoint 9
    Good:
        waivers: []
    """
    for w in ctx.waiver_statuses:
        if w.valid and not w.covers:
            yield Hit(("waivers", w.index, "target"), f"waiver for {w.rule} at {w.target} covers no finding",
                      checklist=_item_of(w.rule))
