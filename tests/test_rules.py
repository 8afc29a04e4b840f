"""The rule catalogue: registry behaviour, per-rule fixtures, tiers, waivers, examples, docs."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from designkit.core.errors import DesignKitError
from designkit.core.loader import load_design, load_design_text, parse_key_path
from designkit.core.model import Design
from designkit.core.steps import STEPS
from designkit.rules import (
    Rule,
    RuleDefinitionError,
    RuleRegistry,
    UnknownRuleError,
    registry,
    run_checks,
)
from designkit.rules import seeds as seed_refs
from designkit.rules.docs import render_rules_markdown

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "rule_fixtures"
EXAMPLES = ROOT / "examples"
SEEDS_DIR = ROOT / "tests" / "data" / "seeds"
TODAY = dt.date(2026, 12, 1)


# --------------------------------------------------------------------------- fixtures

_FILE_KEYS = {"rule", "cases"}
_CASE_KEYS = {"name", "expect", "design", "findings", "severity", "tier", "today"}


def _fixture_files():
    for path in sorted(FIXTURES.glob("*.yaml")):
        yield path, yaml.safe_load(path.read_text(encoding="utf-8"))


def _fixture_cases():
    for _, data in _fixture_files():
        for i, case in enumerate(data["cases"]):
            yield pytest.param(data["rule"], case, id=f"{data['rule']}-{i}-{case['expect']}-{case['name']}")


def _run_case(code, case, tmp_path):
    path = tmp_path / f"{code}.yaml"     # a real file, so comments are scanned too (SEC006)
    path.write_text(case["design"], encoding="utf-8")
    document = load_design(path)
    if "tier" in case:
        document.design.scope.tier = case["tier"]
    result = run_checks(document, today=dt.date.fromisoformat(str(case.get("today", TODAY))))
    return [f for f in result.findings if f.code == code]


def test_fixture_files_are_well_formed():
    """A typo in a fixture (``finding:``, a fail case with no findings) must not pass silently."""
    for path, data in _fixture_files():
        assert set(data) == _FILE_KEYS, path.name
        assert path.stem == data["rule"] and data["rule"] in registry, path.name
        for case in data["cases"]:
            where = f"{path.name}: {case.get('name')}"
            assert set(case) <= _CASE_KEYS and {"name", "expect", "design"} <= set(case), where
            assert case["expect"] in ("pass", "fail"), where
            if case["expect"] == "fail":
                assert case.get("findings"), f"{where}: a failing case lists the key paths it expects"
                assert set(case.get("severity", {})) <= set(case["findings"]), where
            else:
                assert "findings" not in case and "severity" not in case, where


@pytest.mark.parametrize(("code", "case"), list(_fixture_cases()))
def test_rule_fixture(code, case, tmp_path):
    hits = _run_case(code, case, tmp_path)
    if case["expect"] == "pass":
        assert hits == [], [f"{f.key_path}: {f.message}" for f in hits]
        return
    assert sorted(f.key_path for f in hits) == sorted(case["findings"]), [
        f"{f.key_path}: {f.message}" for f in hits]
    for f in hits:
        assert f.line is not None and f.line >= 1
        assert f.message and f.fix and f.plan and f.seed
    for key, value in case.get("severity", {}).items():
        at_key = [f.severity for f in hits if f.key_path == key]
        assert at_key and set(at_key) == {value}, (key, at_key)


def test_every_rule_has_a_fixture_with_passing_and_failing_cases():
    expects: dict[str, set[str]] = {}
    for _, data in _fixture_files():
        expects[data["rule"]] = {c["expect"] for c in data["cases"]}
    missing = [code for code in registry.codes() if expects.get(code) != {"pass", "fail"}]
    assert missing == []


# --------------------------------------------------------------------------- placeholder policy


@pytest.mark.parametrize("value", [
    None, "", "  ", "TBD", "tbd.", "[TBD]", "TODO", "TODO: ask the payments team", "FIXME later", "?",
    "???", "...", "…", "n/a", "N/A", "xxx", "XXXX", "-", "<TBD>", "'?'", "yes", "because", "to be decided",
    [], ["?"], ["TBD", "..."], ("[TBD]",),
])
def test_placeholders_state_nothing(value):
    from designkit.rules.base import is_placeholder, is_stated

    assert is_placeholder(value) and not is_stated(value)


@pytest.mark.parametrize("value", [
    "Alembic", "expand/contract", "Append-only.", "none", "Redis", "7 days", "no DDL rights",
    "todos are tracked in Jira", ["Append-only."], ["?", "Sorted by time."], 0, False,
])
def test_short_meaningful_values_are_stated(value):
    from designkit.rules.base import is_placeholder, stated_items

    assert not is_placeholder(value)
    if isinstance(value, list):
        assert stated_items(value) == [x for x in value if x != "?"]


# --------------------------------------------------------------------------- fix hints are YAML


_SNIPPET = re.compile(r"`([^`]+)`")
_SECTIONS = set(Design.model_fields)


def yaml_snippets(fix: str) -> list[dict]:
    """The backticked parts of a fix hint that are YAML mappings (``key: value``)."""
    out = []
    for text in _SNIPPET.findall(fix):
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            value = None
        if isinstance(value, dict) and ": " in text:
            out.append(value)
    return out


def _get(node, path):
    """The node at ``path``, or None where the design does not have it (the key a finding asks for)."""
    for seg in path:
        try:
            node = node[seg]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _put(node, path, value):
    """Set ``value`` at ``path`` under ``node``: mappings merge, lists extend, the rest replaces."""
    for seg in path[:-1]:
        if isinstance(node, dict) and not isinstance(node.get(seg), (dict, list)):
            node[seg] = {}
        node = node[seg]
    last = path[-1]
    old = node.get(last) if isinstance(node, dict) else node[last]
    if isinstance(old, dict) and isinstance(value, dict):
        old.update(value)
    elif isinstance(old, list) and isinstance(value, list):
        old.extend(value)
    else:
        node[last] = value


def paste_fix(data: dict, key_path: str, snippet: dict) -> None:
    """Paste a fix hint's ``key: value`` where a user would: ``section.key`` from the top of the
    file; a plain key at the finding (when the finding is at that key) or into the mapping the
    finding points at (or the nearest one holding it)."""
    path = list(parse_key_path(key_path)) if key_path else []
    for key, value in snippet.items():
        segs = list(parse_key_path(str(key)))    # `services.dependencies[1].idempotent_calls`
        anchor = path
        if segs[0] in _SECTIONS and (len(segs) > 1 or not path):
            anchor = []
        elif path and isinstance(path[-1], int) and not isinstance(_get(data, path), dict):
            _get(data, path[:-1])[path[-1]] = {key: value}    # a list item given whole: `{member: Member.id}`
            continue
        elif segs[0] in anchor:         # the finding is at this key (or inside it): set it there
            anchor = anchor[:len(anchor) - anchor[::-1].index(segs[0]) - 1]
        while anchor and not isinstance(_get(data, anchor), dict):
            anchor = anchor[:-1]
        _put(data, list(anchor) + segs, value)


def _failing_fixture_fixes():
    for _, data in _fixture_files():
        for i, case in enumerate(data["cases"]):
            if case["expect"] == "fail":
                yield pytest.param(data["rule"], case, id=f"{data['rule']}-{i}-{case['name']}")


@pytest.mark.parametrize(("code", "case"), list(_failing_fixture_fixes()))
def test_fix_hints_are_valid_yaml_where_they_are_pasted(code, case, tmp_path):
    """Every YAML snippet in a finding's fix, pasted into the failing design at the finding's key
    path, leaves a design file that loads (PER002's hint once made the file invalid)."""
    for f in _run_case(code, case, tmp_path):
        for snippet in yaml_snippets(f.fix):
            data = yaml.safe_load(case["design"])
            paste_fix(data, f.key_path, snippet)
            text = yaml.safe_dump(data, sort_keys=False)
            try:
                load_design_text(text, f"{code}.yaml")
            except DesignKitError as exc:
                pytest.fail(f"{code} at {f.key_path}: its fix {f.fix!r} pasted as {snippet} does not "
                            f"load:\n{exc}\n---\n{text}")


def test_fix_hint_pasting_is_itself_checked():
    """The paste helper puts a hint where a user would, and a bad hint fails to load."""
    data = {"name": "x", "persistence": {"tables": [{"name": "t"}]}}
    (snippet,) = yaml_snippets("add `persistence.migrations: {tool: Alembic, strategy: expand/contract, "
                               "backward compatible}`")
    paste_fix(data, "persistence.migrations", snippet)
    with pytest.raises(DesignKitError, match="backward compatible"):
        load_design_text(yaml.safe_dump(data))
    data = {"name": "x", "api": {"endpoints": [{"method": "POST", "path": "/v1/p"}]}}
    (snippet,) = yaml_snippets("add `idempotency: {strategy: transactional}` to it")
    paste_fix(data, "api.endpoints[0].idempotency", snippet)
    assert data["api"]["endpoints"][0]["idempotency"] == {"strategy": "transactional"}
    (snippet,) = yaml_snippets("`rate_limit: {limit: 5/second}`")
    paste_fix(data, "api.endpoints[0]", snippet)
    assert load_design_text(yaml.safe_dump(data)).design.api.endpoints[0].rate_limit.limit == "5/second"


# --------------------------------------------------------------------------- registry


def _rule(**overrides) -> Rule:
    base = dict(code="TST001", name="test.rule", severity="error", title="A test rule.",
                rationale="Because.", fix="Do it.", step="api", seed=seed_refs.API_DESIGN,
                checklist="api-contracts", check=lambda ctx: iter(()))
    base.update(overrides)
    return Rule(**base)


def test_registry_refuses_duplicate_codes():
    reg = RuleRegistry()
    reg.register(_rule())
    with pytest.raises(RuleDefinitionError, match="TST001 is already registered"):
        reg.register(_rule(name="test.other"))


@pytest.mark.parametrize("missing", ["rationale", "fix", "title"])
def test_registry_refuses_rules_without_documentation(missing):
    with pytest.raises(RuleDefinitionError, match=f"has no {missing}"):
        RuleRegistry().register(_rule(**{missing: "  "}))


def test_registry_refuses_unknown_step_and_severity():
    with pytest.raises(DesignKitError, match="unknown step"):
        RuleRegistry().register(_rule(step="nowhere"))
    with pytest.raises(RuleDefinitionError, match="severity"):
        RuleRegistry().register(_rule(severity="fatal"))


def test_registry_refuses_a_rule_without_a_checklist_item():
    with pytest.raises(RuleDefinitionError, match="checklist must name"):
        RuleRegistry().register(_rule(checklist=""))
    with pytest.raises(RuleDefinitionError, match="checklist must name"):
        RuleRegistry().register(_rule(checklist="contracts"))
    with pytest.raises(RuleDefinitionError, match="validates must be one of"):
        RuleRegistry().register(_rule(validates="api-contracts"))


def test_every_rule_names_a_checklist_item_the_checklist_has():
    from designkit.outputs.checklist import item_ids
    from designkit.rules.base import CHECKLIST_ITEMS, VALIDATION_ITEMS

    assert item_ids("Response Checklist") == CHECKLIST_ITEMS
    assert item_ids("Validation") == VALIDATION_ITEMS
    for r in registry:
        assert r.checklist in CHECKLIST_ITEMS, r.code
        assert r.validates in (None, *VALIDATION_ITEMS), r.code
    # every item is fed by at least one rule
    assert {r.checklist for r in registry} == set(CHECKLIST_ITEMS)
    assert {r.validates for r in registry} - {None} == set(VALIDATION_ITEMS)


def test_lookup_names_the_missing_code():
    with pytest.raises(UnknownRuleError, match="XYZ999") as info:
        registry.get("XYZ999")
    assert isinstance(info.value, DesignKitError)
    assert registry.get("API001").name == "api.authz-or-public"


def test_every_rule_is_documented_and_traces_to_a_seed_line():
    assert len(registry) >= 40
    step_ids = {s.id for s in STEPS}
    for r in registry:
        assert re.fullmatch(r"[A-Z]{3}\d{3}", r.code)
        assert r.step in step_ids
        assert r.title.endswith(".") and r.rationale and r.fix and r.bad and r.good, r.code
        assert " / " in r.seed and ": " in r.seed


def test_every_seed_reference_quotes_a_seed_line():
    seeds = sorted(SEEDS_DIR.glob("*.txt"))
    assert len(seeds) == 2, SEEDS_DIR
    text = "\n".join(p.read_text(encoding="utf-8") for p in seeds)
    # The seed files carry mojibake for curly quotes; compare on letters and digits only.
    flat = re.sub(r"[^a-z0-9]+", " ", text.lower())
    for r in registry:
        line = seed_refs.seed_line(r.seed)
        assert re.sub(r"[^a-z0-9]+", " ", line.lower()).strip() in flat, (r.code, line)


# --------------------------------------------------------------------------- format changes


@pytest.mark.parametrize(("snippet", "where", "says"), [
    ("persistence: {idempotency: {table: keys, ttl: 1 day}}", "persistence.idempotency", "now a list"),
    ("reliability: {consistency: {model: strong}}", "reliability.consistency", "now a list"),
    ("performance: {stateless: true}", "performance", "per scaling unit"),
    ("performance: {scaling: [Pods scale on CPU.]}", "performance.scaling", "scaling unit"),
    ("validation: {ci_hooks: [{name: t, when: on every push}]}", "validation.ci_hooks[0].when", "pull-request"),
    ("persistence: {tables: [{name: t, entity: T, columns: [{name: id}]}]}", "persistence.tables[0]", "not both"),
])
def test_the_old_shapes_are_refused_with_what_to_write(snippet, where, says):
    with pytest.raises(DesignKitError) as info:
        load_design_text(f"name: x\n{snippet}\n")
    text = str(info.value)
    assert where + ":" in text and says in text, text


def test_log_fields_say_what_they_carry_in_three_spellings():
    doc = load_design_text("name: x\nobservability: {logs: {fields: [time, 'status: http.status', "
                           "{member: Member.id}, {name: rid, carries: request.id}]}}\n")
    fields = doc.design.observability.logs.fields
    assert [(f.name, f.carries) for f in fields] == [
        ("time", None), ("status", "http.status"), ("member", "Member.id"), ("rid", "request.id")]
    assert [str(f) for f in fields] == ["time", "status: http.status", "member: Member.id", "rid: request.id"]


# --------------------------------------------------------------------------- examples


@pytest.mark.parametrize("name", ["webhook-ingestion", "chat-service"])
def test_good_examples_come_out_clean(name):
    result = run_checks(load_design(EXAMPLES / name / "design.yaml"))
    counts = result.counts()
    assert (counts["errors"], counts["warnings"]) == (0, 0), [
        f"{f.code} {f.key_path}: {f.message}" for f in result.findings]


def test_a_new_design_names_every_empty_section():
    """`designkit new` then `check`: each empty section is a finding of its own step."""
    from designkit.core.starter import starter_text

    for tier in ("C", "A"):
        text = starter_text("ledger").replace("tier: C ", f"tier: {tier} ")
        result = run_checks(load_design_text(text))
        codes = {f.code: f for f in result.findings}
        assert {"SCP001", "DAT000", "API000", "SEC000", "PER000", "OBS000", "VAL003"} <= set(codes)
        assert {codes[c].step for c in ("DAT000", "API000", "SEC000", "PER000", "OBS000")} == {
            "data_model", "api", "security", "persistence", "observability"}
        if tier == "A":
            assert "states no SLA, and no availability or latency target" in codes["SCP004"].message


def test_incomplete_draft_shows_many_findings_across_steps():
    path = EXAMPLES / "incomplete-draft" / "design.yaml"
    if not path.exists():
        pytest.skip("the incomplete draft example is not in the tree yet")
    result = run_checks(load_design(path))
    assert result.counts()["errors"] >= 20
    assert len({f.step for f in result.findings}) >= 7
    assert {"API001", "SEC001", "REL002", "OBS003"} <= {f.code for f in result.findings}


def test_findings_are_sorted_by_step_then_severity_then_line():
    result = run_checks(load_design(EXAMPLES / "incomplete-draft" / "design.yaml"))
    order = {s.id: i for i, s in enumerate(STEPS)}
    keys = [(order[f.step], {"error": 0, "warning": 1, "info": 2}[f.severity], f.line or 0)
            for f in result.findings]
    assert keys == sorted(keys)
    assert [f.code for f in result.for_step("security")] == [
        f.code for f in result.findings if f.step == "security"]


# --------------------------------------------------------------------------- tiers


DRAFT = """\
name: tiered
scope: {tier: TIER, requirements: [{text: Store orders for customers reliably.}]}
api:
  endpoints:
    - {id: listOrders, method: GET, path: /v1/orders, auth: jwt, responses: [{status: 200, fields: [{name: id, type: uuid}]}]}
security:
  authentication: [{name: jwt, type: jwt}]
"""


def test_tier_sets_which_rules_are_errors():
    by_tier = {}
    for tier in ("A", "B", "C"):
        result = run_checks(load_design_text(DRAFT.replace("TIER", tier)))
        by_tier[tier] = {f.code: f.severity for f in result.findings}
    # API001 (no authorization rule): an error at A and B, a warning for a prototype.
    assert [by_tier[t]["API001"] for t in "ABC"] == ["error", "error", "warning"]
    # API008 (no versioning): error at A, warning at B, info at C.
    assert [by_tier[t]["API008"] for t in "ABC"] == ["error", "warning", "info"]
    assert run_checks(load_design_text(DRAFT.replace("TIER", "C"))).tier == "C"


def test_secret_values_stay_errors_even_for_a_prototype():
    text = DRAFT.replace("TIER", "C") + "persistence: {stores: [{name: db, kind: postgresql, purpose: 'postgres://app:s3cretPa55@db/app'}]}\n"
    result = run_checks(load_design_text(text))
    sec = [f for f in result.findings if f.code == "SEC006"]
    assert [(f.key_path, f.severity) for f in sec] == [("persistence.stores[0].purpose", "error")]
    assert "s3cretPa55" not in sec[0].message


# --------------------------------------------------------------------------- waivers


WAIVED = DRAFT.replace("TIER", "B") + """\
waivers:
  - {rule: API001, target: "api.endpoints[0]", status: mitigated, justification: The gateway enforces tenant scoping for this route., owner: api-team, expires: 2027-06-30}
"""


def test_a_valid_waiver_waives_and_is_listed_with_what_it_covers():
    result = run_checks(load_design_text(WAIVED), today=TODAY)
    api001 = [f for f in result.findings if f.code == "API001"]
    assert len(api001) == 1 and api001[0].waived
    assert api001[0].waiver["status"] == "mitigated" and api001[0].waiver["owner"] == "api-team"
    assert result.counts()["waived"] == 1
    (w,) = result.waivers
    assert w.valid and [f.key_path for f in w.covers] == ["api.endpoints[0].authorization"]
    assert w.as_dict()["covers"][0]["code"] == "API001"
    assert all(f.code != "API001" for f in result.open_findings)
    # the waived error no longer counts: without the waiver there is exactly one more error
    unwaived = run_checks(load_design_text(DRAFT.replace("TIER", "B")), today=TODAY)
    assert unwaived.counts()["errors"] == result.counts()["errors"] + 1
    assert result.counts()["errors"] == sum(1 for f in result.open_findings if f.severity == "error")


def test_an_expired_waiver_waives_nothing_and_is_itself_an_error():
    result = run_checks(load_design_text(WAIVED), today=dt.date(2027, 7, 1))
    assert not [f for f in result.findings if f.code == "API001" and f.waived]
    wvr = [f for f in result.findings if f.code == "WVR001"]
    assert len(wvr) == 1 and wvr[0].severity == "error" and "expired on 2027-06-30" in wvr[0].message
    assert not result.waivers[0].valid


def test_an_unjustified_waiver_waives_nothing():
    text = WAIVED.replace("The gateway enforces tenant scoping for this route.", "TBD")
    result = run_checks(load_design_text(text), today=TODAY)
    assert [f.code for f in result.findings if f.code == "WVR001"] == ["WVR001"]
    assert not any(f.waived for f in result.findings)


# --------------------------------------------------------------------------- docs


def test_docs_rules_md_is_generated_from_the_registry():
    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == render_rules_markdown(), (
        "docs/rules.md is stale; regenerate it with: python -m designkit.rules --markdown -o docs/rules.md")


def test_rules_module_cli_prints_the_markdown():
    out = subprocess.run([sys.executable, "-m", "designkit.rules", "--markdown"],
                         capture_output=True, text=True, check=True).stdout
    assert "## API001 `api.authz-or-public`" in out
    assert out == render_rules_markdown()


def test_no_rule_is_stricter_for_a_lower_tier():
    """A prototype (C) is never held to a higher bar than an important (B) or critical (A) system."""
    from designkit.core.findings import SEVERITY_ORDER
    from designkit.rules import registry

    for r in registry:
        a, b, c = (SEVERITY_ORDER[r.severity_for(t)] for t in "ABC")
        assert a <= b <= c, f"{r.code}: A={r.severity_for('A')} B={r.severity_for('B')} C={r.severity_for('C')}"
