"""Validation plan rules: tests per endpoint and per failure mode, CI hooks."""

from __future__ import annotations

from . import seeds
from .base import Hit, endpoint_label, names_list, rule


@rule("VAL001", "validation.endpoint-tests", "warning", step="validation",
      seed=seeds.VALIDATION_PLAN, checklist="security-observability",
      tiers={"A": "error", "C": "info"})
def endpoint_tests(ctx):
    """Every endpoint and channel is covered by at least one named test.

    Why: An endpoint with no test is a contract nobody checks; it breaks at the first refactor.
    Fix: Add a `validation.tests` entry whose `covers` names the endpoint id (or "METHOD /path").
    Plan: In the validation step, name at least one test per endpoint (contract or integration).
    Bad:
        tests: []
    Good:
        tests: [{name: create order returns 201 and stores it, kind: integration, covers: [createOrder]}]
    """
    covered = ctx.covered
    for kp, ep in ctx.endpoints():
        if not (ctx.endpoint_names(ep) & covered):
            yield Hit(kp, f"{endpoint_label(ep)} is covered by no test",
                      fix=f"add `validation.tests: [{{name: {endpoint_label(ep)} contract, kind: integration, "
                          f"covers: [\"{endpoint_label(ep)}\"]}}]`")
    for kp, ch in ctx.channels():
        if ch.name not in covered:
            yield Hit(kp, f"channel {ch.name} is covered by no test",
                      fix=f"add `validation.tests: [{{name: {ch.name} contract, kind: e2e, covers: [{ch.name}]}}]`")


@rule("VAL002", "validation.failure-mode-tests", "warning", step="validation",
      seed=seeds.VALIDATION_PLAN, checklist="security-observability",
      tiers={"A": "error", "C": "info"})
def failure_mode_tests(ctx):
    """Every failure policy is exercised by a named test (chaos, integration or contract).

    Why: Fallbacks that never ran are fallbacks that do not work; the first real outage is a bad
    time to find out.
    Fix: Add a test whose `covers` names the failure policy's target.
    Plan: In the validation step, name a test that takes each dependency down and checks the stated behaviour.
    Bad:
        failure_policies: [{target: payments-api, ...}]
        tests: []
    Good:
        tests: [{name: payments outage leaves orders pending, kind: chaos, covers: [payments-api]}]
    """
    covered = ctx.covered
    for i, policy in enumerate(ctx.design.reliability.failure_policies):
        if not (ctx.aliases_of(policy.target) & covered):
            yield Hit(("reliability", "failure_policies", i), f"the failure mode of {policy.target} is tested by no test",
                      fix=f"add `validation.tests: [{{name: {policy.target} outage, kind: chaos, covers: [{policy.target}]}}]`")


# The CI triggers that run on every change before (pull-request) or as (merge) it lands.
_ON_EACH_CHANGE = frozenset({"pull-request", "merge"})


@rule("VAL003", "validation.ci-hooks", "warning", step="validation", seed=seeds.VALIDATION_PLAN,
      checklist="security-observability", tiers={"A": "error"})
def ci_hooks(ctx):
    """The validation plan has CI hooks, including one that runs on every change.

    Why: Tests that do not run on every pull request stop passing without anyone noticing.
    Fix: Add `validation.ci_hooks: [{name: tests, when: pull-request, runs: pytest}]` (and a design check:
    `designkit check design.yaml --fail-on error`).
    Plan: In the validation step, wire the tests and the design check into CI on every pull request.
    Bad:
        validation: {tests: [...]}
    Good:
        validation: {ci_hooks: [{name: unit-and-integration, when: pull-request, runs: pytest}]}
    """
    hooks = ctx.design.validation.ci_hooks
    if not hooks:
        yield Hit(("validation", "ci_hooks"), "no CI hooks are defined")
    elif not any(h.when in _ON_EACH_CHANGE for h in hooks):
        yield Hit(("validation", "ci_hooks"), "no CI hook runs on each change (only on " +
                  ", ".join(sorted({h.when for h in hooks})) + ")",
                  fix="add `validation.ci_hooks: [{name: tests, when: pull-request, runs: the test suite and "
                      "designkit check design.yaml --fail-on error}]`")


@rule("VAL004", "validation.covers-exist", "warning", step="validation", seed=seeds.VALIDATION_PLAN,
      checklist="security-observability", tiers={"C": "info"})
def covers_exist(ctx):
    """Every name a test covers is an endpoint, channel, dependency, integration point, entity, component or rule code.

    Why: A test that covers a name that no longer exists gives false confidence: the renamed
    endpoint looks tested.
    Fix: Correct the name in `covers`.
    Plan: In the validation step, keep each test's `covers` in step with the design's names.
    Bad:
        tests: [{name: create works, covers: [createOrdr]}]
    Good:
        tests: [{name: create works, covers: [createOrder]}]
    """
    from . import registry

    known: set[str] = set()
    for _, ep in ctx.endpoints():
        known |= ctx.endpoint_names(ep)
    known |= {c.name for c in ctx.design.api.channels} | {w.name for w in ctx.design.api.webhooks}
    known |= set(ctx.dependencies) | set(ctx.integrations) | set(ctx.entities) | set(ctx.components)
    known |= {p.target for p in ctx.design.reliability.failure_policies} | set(ctx.tables)
    for i, test in enumerate(ctx.design.validation.tests):
        for j, name in enumerate(test.covers):
            if name not in known and name not in registry:
                yield Hit(("validation", "tests", i, "covers", j), f"test {test.name!r} covers unknown {name!r}",
                          fix=f"use an existing name, e.g. {names_list(sorted(known), 5)}" if known else None)
