"""Drive the step forms without a browser: set widget values, click buttons, read the file."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from designkit.core.loader import load_design
from designkit.core.steps import STEPS, get_step
from designkit.jupyter.forms import build_form
from designkit.jupyter.forms.widgets import PAGE_SIZE

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "webhook-ingestion" / "design.yaml"


class FakeSession:
    """What a form needs from a StepSession: the step, the document, and refresh()."""

    def __init__(self, step_id: str, path: Path):
        self.step = get_step(step_id)
        self.design_path = path
        self.findings: list = []
        self.refreshes = 0
        self.document = load_design(path)

    @property
    def design(self):
        return self.document.design

    def refresh(self) -> None:
        self.document = load_design(self.design_path)
        self.refreshes += 1


def endpoints_form(session):
    form = build_form(session)
    return form, form.dk_parts["Endpoints"], form.dk_saver


def select(list_form, label_part: str) -> int:
    index = next(i for label, i in list_form.select.options if label_part in label)
    list_form.select.value = index
    return index


def test_change_endpoint_auth_saves_refreshes_and_keeps_comments(design: Path):
    session = FakeSession("api", design)
    before = design.read_text()
    _, endpoints, saver = endpoints_form(session)
    i = select(endpoints, "listEvents")
    assert endpoints.inputs[("auth",)].value == "operator-oidc"
    assert endpoints.inputs[("rate_limit", "limit")].value == "20/second"
    endpoints.inputs[("auth",)].value = "public"
    endpoints.inputs[("public_justification",)].value = "Read-only, no personal data."
    endpoints.save_button.click()
    assert saver.last_level == "ok", saver.last_message
    assert session.refreshes == 1
    saved = load_design(design).design.api.endpoints[i]
    assert saved.auth == "public" and saved.public_justification == "Read-only, no personal data."
    after = design.read_text()
    assert after.splitlines()[:4] == before.splitlines()[:4]          # header comments
    assert len(after.splitlines()) == len(before.splitlines()) + 1    # one key added, one changed
    assert any("listEvents  auth=public" in label for label, _ in endpoints.select.options)


def test_save_without_change_leaves_the_file_byte_identical(design: Path):
    session = FakeSession("api", design)
    before = design.read_bytes()
    _, endpoints, saver = endpoints_form(session)
    select(endpoints, "ingestWebhook")
    endpoints.save_button.click()
    assert saver.last_message.startswith("Nothing to save")
    assert design.read_bytes() == before and session.refreshes == 0


def test_invalid_value_is_refused_in_the_form(design: Path):
    session = FakeSession("api", design)
    before = design.read_bytes()
    _, endpoints, saver = endpoints_form(session)
    i = select(endpoints, "listEvents")
    endpoints.inputs[("path",)].value = "v1/events"
    endpoints.save_button.click()
    assert saver.last_level == "error"
    assert f"api.endpoints[{i}].path: path 'v1/events' must start with /" in saver.last_message
    assert "fix: write /v1/events" in saver.last_message
    assert str(design) in saver.last_message
    assert design.read_bytes() == before and session.refreshes == 0


def test_a_read_only_design_is_refused_in_the_form(design: Path):
    session = FakeSession("api", design)
    design.chmod(0o444)
    before = design.read_bytes()
    _, endpoints, saver = endpoints_form(session)
    select(endpoints, "listEvents")
    endpoints.inputs[("summary",)].value = "Changed."
    endpoints.save_button.click()                 # must not raise out of the callback
    assert saver.last_level == "error"
    assert str(design) in saver.last_message and "read-only" in saver.last_message
    assert "dk-error" in saver.status.value and "read-only" in saver.status.value
    assert design.read_bytes() == before and session.refreshes == 0


@pytest.mark.parametrize("failure, shown", [
    (PermissionError(13, "Permission denied"), "Permission denied"),
    (OSError(28, "No space left on device"), "No space left on device"),
    ("ruamel", "found character"),
    ("designkit", "another process has been saving"),
    (RuntimeError("boom"), "RuntimeError: boom"),
])
def test_every_save_failure_is_shown_in_the_form(design: Path, monkeypatch, failure, shown):
    from ruamel.yaml import YAML

    from designkit.core.errors import DesignKitError
    from designkit.jupyter.forms import widgets

    def failing_save(session, edits):
        if failure == "ruamel":
            YAML().load("key: @bad")              # a real ruamel error
        if failure == "designkit":
            raise DesignKitError(f"{design}: another process has been saving this design")
        raise failure

    monkeypatch.setattr(widgets, "apply_edits", failing_save)
    session = FakeSession("api", design)
    before = design.read_bytes()
    _, endpoints, saver = endpoints_form(session)
    select(endpoints, "listEvents")
    endpoints.inputs[("summary",)].value = "Changed."
    endpoints.save_button.click()                 # must not raise out of the callback
    assert saver.last_level == "error", saver.last_message
    assert shown in saver.last_message and "nothing was saved" in saver.last_message
    assert design.read_bytes() == before and session.refreshes == 0


def test_stale_save_is_refused_and_reload_brings_the_other_change(design: Path):
    session = FakeSession("api", design)
    _, endpoints, saver = endpoints_form(session)
    i = select(endpoints, "health")
    other = design.read_text().replace("summary: Liveness probe for the load balancer.",
                                       "summary: Liveness probe.")
    design.write_text(other)                                  # another editor saves meanwhile
    endpoints.inputs[("summary",)].value = "Mine."
    endpoints.save_button.click()
    assert saver.last_level == "error" and "changed on disk since it was loaded" in saver.last_message
    assert design.read_text() == other
    assert saver.reload_button.layout.display != "none"
    saver.reload_button.click()
    assert endpoints.inputs[("summary",)].value == "Liveness probe."
    assert saver.reload_button.layout.display == "none"
    endpoints.inputs[("summary",)].value = "Mine."
    endpoints.save_button.click()
    assert saver.last_level == "ok"
    assert load_design(design).design.api.endpoints[i].summary == "Mine."


def test_add_and_remove_an_endpoint(design: Path):
    session = FakeSession("api", design)
    _, endpoints, saver = endpoints_form(session)
    count = len(session.design.api.endpoints)
    endpoints.add_button.click()
    endpoints.inputs[("method",)].value = "DELETE"
    endpoints.inputs[("path",)].value = "/v1/events/{event_id}"
    endpoints.inputs[("auth",)].value = "operator-oidc"
    endpoints.inputs[("rate_limit", "limit")].value = "5/second"
    endpoints.inputs[("idempotency", "strategy")].value = "idempotent-by-design"
    endpoints.save_button.click()
    assert saver.last_level == "ok", saver.last_message
    added = load_design(design).design.api.endpoints[count]
    assert (added.method, added.path, added.auth) == ("DELETE", "/v1/events/{event_id}", "operator-oidc")
    assert added.rate_limit.limit == "5/second" and added.idempotency.strategy == "idempotent-by-design"
    assert endpoints.index == count                        # the new endpoint is selected
    endpoints.remove_button.click()
    assert len(load_design(design).design.api.endpoints) == count
    assert design.read_text() == EXAMPLE.read_text()       # back to the original, byte for byte


def test_clearing_rate_limit_removes_the_whole_mapping(design: Path):
    session = FakeSession("api", design)
    _, endpoints, saver = endpoints_form(session)
    i = select(endpoints, "listEvents")
    endpoints.inputs[("rate_limit", "limit")].value = ""
    endpoints.save_button.click()
    assert saver.last_level == "ok", saver.last_message
    assert load_design(design).design.api.endpoints[i].rate_limit is None


def test_record_a_decision_from_any_step(design: Path):
    session = FakeSession("reliability", design)
    form = build_form(session)
    decisions = form.dk_parts["Decisions"]
    decisions.add_button.click()
    assert decisions.inputs[("id",)].value == "ADR-003"
    box = decisions.inputs
    box[("title",)].value = "Fail open on Redis outage"
    box[("context",)].value = "Rate limiting must not take ingestion down."
    box[("options",)].value = "Fail closed\nFail open to in-memory limiter"
    box[("decision",)].value = "Fail open to the per-replica limiter."
    box[("consequences",)].value = "Limits are per replica during an outage."
    box[("status",)].value = "accepted"
    box[("answers",)].value = "REL001, SEC004"
    decisions.save_button.click()
    assert form.dk_saver.last_level == "ok", form.dk_saver.last_message
    saved = load_design(design).design.decisions[-1]
    assert saved.id == "ADR-003" and saved.status == "accepted"
    assert saved.options == ["Fail closed", "Fail open to in-memory limiter"]
    assert saved.answers == ["REL001", "SEC004"] and saved.date is not None
    assert "\n  - id: ADR-003\n" in design.read_text()


@pytest.mark.parametrize("step", [s.id for s in STEPS])
def test_every_step_has_a_form_that_saves_or_shows(design: Path, step: str):
    session = FakeSession(step, design)
    form = build_form(session)
    assert "Decisions" in form.dk_parts
    assert len(form.dk_parts) >= 2
    assert design.read_bytes() == EXAMPLE.read_bytes()     # building a form writes nothing


def test_section_form_scope_tier_and_constraints(design: Path):
    session = FakeSession("scope", design)
    scope = build_form(session).dk_parts["Scope"]
    assert scope.inputs[("tier",)].value == "A"
    scope.inputs[("tier",)].value = "B"
    scope.inputs[("constraints", "stack")].value = "Python 3.12, PostgreSQL 16"
    scope.save_button.click()
    saved = load_design(design).design.scope
    assert saved.tier == "B" and saved.constraints.stack == ["Python 3.12", "PostgreSQL 16"]
    assert saved.constraints.latency.startswith("p99 under 300 ms")


def test_reliability_timeout_and_retries(design: Path):
    session = FakeSession("reliability", design)
    policies = build_form(session).dk_parts["Failure policies"]
    i = select(policies, "redis")
    policies.inputs[("timeout_ms",)].value = "80"
    policies.inputs[("retries", "max_attempts")].value = "2"
    policies.inputs[("fallback",)].value = "Fail open."
    policies.save_button.click()
    saved = load_design(design).design.reliability.failure_policies[i]
    assert (saved.timeout_ms, saved.retries.max_attempts, saved.fallback) == (80, 2, "Fail open.")
    assert "      retries: {max_attempts: 2, backoff: fixed, base_delay_ms: 10}\n" in design.read_text()


def test_entity_fields_follow_the_selected_entity(design: Path):
    session = FakeSession("data_model", design)
    parts = build_form(session).dk_parts
    entities, fields = parts["Entities"], parts["Fields"]
    e = select(entities, "WebhookEvent")
    f = select(fields, "customer_email")
    assert fields.inputs[("classification",)].value == "pii"
    fields.inputs[("classification",)].value = "confidential"
    fields.save_button.click()
    assert load_design(design).design.data_model.entities[e].fields[f].classification == "confidential"


def test_validation_plan_add_test(design: Path):
    session = FakeSession("validation", design)
    tests = build_form(session).dk_parts["Tests"]
    tests.add_button.click()
    tests.inputs[("name",)].value = "replay is refused without the operator role"
    tests.inputs[("kind",)].value = "security"
    tests.inputs[("covers",)].value = "replayEvent"
    tests.save_button.click()
    saved = load_design(design).design.validation.tests[-1]
    assert (saved.kind, saved.covers) == ("security", ["replayEvent"])


def big_design(path: Path, n: int) -> Path:
    """The example with ``n`` endpoints (the bench generator is used when present)."""
    text = EXAMPLE.read_text()
    head, tail = text.split("\nsecurity:\n", 1)
    extra = "".join(f"    - {{id: op{i}, method: GET, path: /v1/items{i}, auth: operator-oidc}}\n"
                    for i in range(n - 4))
    path.write_text(head.rstrip("\n") + "\n" + extra + "\nsecurity:\n" + tail)
    return path


def test_large_design_pages_and_searches(tmp_path: Path):
    path = big_design(tmp_path / "design.yaml", 1000)
    session = FakeSession("api", path)
    started = time.perf_counter()
    form, endpoints, saver = endpoints_form(session)
    elapsed = time.perf_counter() - started
    assert len(session.design.api.endpoints) == 1000
    assert len(endpoints.select.options) == PAGE_SIZE
    assert endpoints.page_label.value == "page 1/50 (1000 of 1000)"
    endpoints.next_button.click()
    assert endpoints.select.options[0][1] == PAGE_SIZE
    endpoints.search.value = "/v1/items99"
    assert [i for _, i in endpoints.select.options] == [103] + list(range(994, 1000))
    endpoints.select.value = 103
    endpoints.inputs[("auth",)].value = "public"
    endpoints.inputs[("public_justification",)].value = "Public catalogue."
    endpoints.save_button.click()
    assert saver.last_level == "ok", saver.last_message
    assert load_design(path).design.api.endpoints[103].auth == "public"
    assert elapsed < 2.0, f"the api form took {elapsed:.2f}s on 1,000 endpoints"


def test_with_real_step_session(design: Path, tmp_path: Path):
    notebook = pytest.importorskip("designkit.jupyter.notebook")
    try:
        session = notebook.open_step("security", design, tmp_path / "out")
    except ImportError as exc:       # the rules package is still being written in this tree
        pytest.skip(f"open_step is not usable yet: {exc}")
    form = session.form()
    access = form.dk_parts["Endpoint access"]
    i = select(access, "health")
    access.inputs[("rate_limit", "limit")].value = "20/second"
    access.save_button.click()
    assert form.dk_saver.last_level == "ok", form.dk_saver.last_message
    assert session.design.api.endpoints[i].rate_limit.limit == "20/second"


# --------------------------------------------------------------------------- issue 4: the rest
# of the design: parameters, responses, schemas, channels, webhooks, indexes, waivers

CHAT = EXAMPLE.parents[1] / "chat-service" / "design.yaml"


@pytest.fixture
def chat(tmp_path: Path) -> Path:
    target = tmp_path / "chat.yaml"
    shutil.copyfile(CHAT, target)
    return target


def comments(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.lstrip().startswith("#")]


def saved_ok(saver, session, refreshes: int) -> None:
    assert saver.last_level == "ok", saver.last_message
    assert session.refreshes == refreshes


def refused(saver, path: Path, before: bytes, key_path: str) -> None:
    """The save was refused with the loader's message naming ``key_path``; nothing written."""
    assert saver.last_level == "error", saver.last_message
    assert f"{key_path}:" in saver.last_message
    assert "nothing was saved" in saver.last_message
    assert path.read_bytes() == before


def force(box, value: str) -> None:
    """Type a value a dropdown does not offer (as an odd value in the file would show)."""
    box.options = (*box.options, value)
    box.value = value


def test_nested_lists_are_inside_their_parent_tab(design: Path):
    form = build_form(FakeSession("api", design))
    tabs = form.children[0]
    titles = [tabs.get_title(i) for i in range(len(tabs.children))]
    assert titles == ["Endpoints", "API", "Error codes", "Schemas", "Channels", "Webhooks",
                      "Decisions", "Waivers"]
    parts = form.dk_parts
    assert parts["Parameters"].widget in parts["Endpoints"].sub_panel.children
    assert parts["Responses"].widget in parts["Endpoints"].sub_panel.children
    assert parts["Parameters"].select.options == ()            # no endpoint selected yet
    assert parts["Parameters"].save_button.disabled


def test_endpoint_parameters_follow_the_endpoint_and_save(design: Path):
    session = FakeSession("api", design)
    before_comments = comments(design)
    form, endpoints, saver = endpoints_form(session)
    params = form.dk_parts["Parameters"]
    e = select(endpoints, "listEvents")
    assert [label.split()[-2:] for label, _ in params.select.options][0] == ["provider", "(enum)"]
    assert len(params.select.options) == 4
    p = select(params, "limit")
    assert params.inputs[("in",)].value == "query" and params.inputs[("maximum",)].value == "100"
    params.inputs[("maximum",)].value = "50"
    params.save_button.click()
    saved_ok(saver, session, 1)
    assert load_design(design).design.api.endpoints[e].parameters[p].maximum == 50
    assert params.index == p                                   # still editing the same parameter

    params.add_button.click()
    assert params.inputs[("in",)].value == "query"             # the new item's defaults
    params.inputs[("name",)].value = "sort"
    params.inputs[("enum",)].value = "newest, oldest"
    params.inputs[("type",)].value = "enum"
    params.save_button.click()
    saved_ok(saver, session, 2)
    added = load_design(design).design.api.endpoints[e].parameters[-1]
    assert (added.name, added.location, added.type, added.enum) == ("sort", "query", "enum",
                                                                     ["newest", "oldest"])
    assert params.index == 4

    select(params, "cursor")
    params.remove_button.click()
    saved_ok(saver, session, 3)
    names = [x.name for x in load_design(design).design.api.endpoints[e].parameters]
    assert names == ["provider", "status", "limit", "sort"]

    select(endpoints, "ingestWebhook")                         # the sub-list follows
    assert params.index is None and len(params.select.options) == 2
    assert comments(design) == before_comments


def test_parameter_in_body_is_refused(design: Path):
    session = FakeSession("api", design)
    form, endpoints, saver = endpoints_form(session)
    params = form.dk_parts["Parameters"]
    e = select(endpoints, "ingestWebhook")
    p = select(params, "provider")
    before = design.read_bytes()
    force(params.inputs[("in",)], "body")
    params.save_button.click()
    refused(saver, design, before, f"api.endpoints[{e}].parameters[{p}].in")
    assert "'body' is not allowed here" in saver.last_message
    assert session.refreshes == 0


def test_every_response_of_an_endpoint(design: Path):
    session = FakeSession("api", design)
    form, endpoints, saver = endpoints_form(session)
    responses = form.dk_parts["Responses"]
    e = select(endpoints, "ingestWebhook")
    assert len(responses.select.options) == 1
    responses.add_button.click()
    responses.inputs[("status",)].value = "409"
    responses.inputs[("schema",)].value = "Ack"
    responses.inputs[("description",)].value = "A different body under a seen key."
    responses.save_button.click()
    saved_ok(saver, session, 1)
    saved = load_design(design).design.api.endpoints[e].responses
    assert [(r.status, r.schema_) for r in saved] == [(200, "Ack"), (409, "Ack")]

    before = design.read_bytes()
    responses.inputs[("status",)].value = "99"
    responses.save_button.click()
    refused(saver, design, before, f"api.endpoints[{e}].responses[1].status")

    responses.inputs[("status",)].value = "422"
    responses.save_button.click()
    saved_ok(saver, session, 2)
    assert load_design(design).design.api.endpoints[e].responses[1].status == 422
    responses.remove_button.click()
    saved_ok(saver, session, 3)
    assert len(load_design(design).design.api.endpoints[e].responses) == 1
    assert design.read_text() == EXAMPLE.read_text()


def test_named_schemas_and_their_fields(design: Path):
    session = FakeSession("api", design)
    form = build_form(session)
    saver, schemas, fields = form.dk_saver, form.dk_parts["Schemas"], form.dk_parts["Schema fields"]
    s = select(schemas, "EventSummary")
    f = select(fields, "event_type")
    assert fields.inputs[("max_length",)].value == "100"
    fields.inputs[("max_length",)].value = "200"
    fields.save_button.click()
    saved_ok(saver, session, 1)
    assert load_design(design).design.api.schemas[s].fields[f].max_length == 200

    before = design.read_bytes()
    fields.inputs[("max_length",)].value = "0"
    fields.save_button.click()
    refused(saver, design, before, f"api.schemas[{s}].fields[{f}].max_length")

    fields.add_button.click()
    fields.inputs[("name",)].value = "attempts"
    fields.inputs[("type",)].value = "integer"
    fields.inputs[("minimum",)].value = "0"
    fields.save_button.click()
    saved_ok(saver, session, 2)
    added = load_design(design).design.api.schemas[s].fields[-1]
    assert (added.name, added.type, added.minimum) == ("attempts", "integer", 0)

    schemas.add_button.click()
    schemas.inputs[("name",)].value = "Problem"
    schemas.inputs[("description",)].value = "RFC 9457 problem details."
    schemas.inputs[("unknown_fields",)].value = "reject"
    schemas.save_button.click()
    saved_ok(saver, session, 3)
    assert fields.path == ("api", "schemas", 3, "fields") and fields.items() == []
    fields.add_button.click()
    fields.inputs[("name",)].value = "title"
    fields.save_button.click()
    saved_ok(saver, session, 4)
    problem = load_design(design).design.api.schemas[-1]
    assert (problem.name, problem.unknown_fields, [x.name for x in problem.fields]) == (
        "Problem", "reject", ["title"])
    schemas.remove_button.click()
    saved_ok(saver, session, 5)
    assert [x.name for x in load_design(design).design.api.schemas] == ["Ack", "EventSummary",
                                                                       "ProviderPayload"]
    assert comments(design) == comments(EXAMPLE)


def test_channels_and_their_fields(chat: Path):
    session = FakeSession("api", chat)
    form = build_form(session)
    saver, channels, fields = form.dk_saver, form.dk_parts["Channels"], form.dk_parts["Channel fields"]
    c = select(channels, "room-stream")
    assert channels.inputs[("kind",)].value == "websocket"
    assert channels.inputs[("rate_limit", "limit")].value == "20/second"
    channels.inputs[("rate_limit", "limit")].value = "10/second"
    channels.save_button.click()
    saved_ok(saver, session, 1)
    assert load_design(chat).design.api.channels[c].rate_limit.limit == "10/second"

    f = select(fields, "room_id")
    fields.inputs[("required",)].value = "false"
    fields.save_button.click()
    saved_ok(saver, session, 2)
    assert load_design(chat).design.api.channels[c].fields[f].required is False

    channels.add_button.click()
    assert channels.inputs[("kind",)].value == "event"
    channels.inputs[("name",)].value = "message-events"
    channels.inputs[("path",)].value = "chat.messages.v1"
    channels.inputs[("message",)].value = "Message"
    channels.inputs[("auth",)].value = "member-oidc"
    channels.save_button.click()
    saved_ok(saver, session, 3)
    added = load_design(chat).design.api.channels[-1]
    assert (added.name, added.kind, added.direction, added.message) == (
        "message-events", "event", "publish", "Message")

    before = chat.read_bytes()
    force(channels.inputs[("direction",)], "sideways")
    channels.save_button.click()
    refused(saver, chat, before, "api.channels[1].direction")
    channels.new()
    select(channels, "message-events")
    channels.remove_button.click()
    saved_ok(saver, session, 4)
    assert len(load_design(chat).design.api.channels) == 1
    assert comments(chat) == comments(CHAT)


def test_outbound_webhooks_into_an_empty_list(chat: Path):
    session = FakeSession("api", chat)
    form = build_form(session)
    saver, hooks, fields = form.dk_saver, form.dk_parts["Webhooks"], form.dk_parts["Webhook fields"]
    assert hooks.select.options == ()
    before = chat.read_bytes()
    hooks.add_button.click()
    hooks.inputs[("name",)].value = "message-posted"
    hooks.save_button.click()                                   # no event: refused
    refused(saver, chat, before, "api.webhooks[0].event")
    hooks.inputs[("event",)].value = "message.created"
    hooks.inputs[("signing",)].value = "HMAC-SHA256 in X-Signature"
    hooks.save_button.click()
    saved_ok(saver, session, 1)
    fields.add_button.click()
    fields.inputs[("name",)].value = "message_id"
    fields.inputs[("type",)].value = "uuid"
    fields.save_button.click()
    saved_ok(saver, session, 2)
    hook = load_design(chat).design.api.webhooks[0]
    assert (hook.name, hook.event, hook.signing) == ("message-posted", "message.created",
                                                     "HMAC-SHA256 in X-Signature")
    assert [(x.name, x.type) for x in hook.fields] == [("message_id", "uuid")]
    hooks.inputs[("delivery",)].value = "At least once, 5 retries with backoff."
    hooks.save_button.click()
    saved_ok(saver, session, 3)
    assert load_design(chat).design.api.webhooks[0].delivery.startswith("At least once")
    hooks.remove_button.click()
    saved_ok(saver, session, 4)
    assert load_design(chat).design.api.webhooks == []
    assert comments(chat) == comments(CHAT)


def test_table_indexes(design: Path):
    session = FakeSession("persistence", design)
    form = build_form(session)
    saver, tables, indexes = form.dk_saver, form.dk_parts["Tables"], form.dk_parts["Indexes"]
    t = select(tables, "webhook_events")
    assert len(indexes.select.options) == 2
    i = select(indexes, "ix_events_status_received")
    before = design.read_bytes()
    indexes.inputs[("columns",)].value = ""
    indexes.save_button.click()
    refused(saver, design, before, f"persistence.tables[{t}].indexes[{i}].columns")

    indexes.inputs[("columns",)].value = "status, received_at, id"
    indexes.save_button.click()
    saved_ok(saver, session, 1)
    assert load_design(design).design.persistence.tables[t].indexes[i].columns == [
        "status", "received_at", "id"]

    indexes.add_button.click()
    indexes.inputs[("name",)].value = "ix_events_received"
    indexes.save_button.click()                                 # a new index with no columns
    refused(saver, design, design.read_bytes(), f"persistence.tables[{t}].indexes[2].columns")
    indexes.inputs[("columns",)].value = "received_at"
    indexes.inputs[("unique",)].value = "false"
    indexes.save_button.click()
    saved_ok(saver, session, 2)
    added = load_design(design).design.persistence.tables[t].indexes[-1]
    assert (added.name, added.columns) == ("ix_events_received", ["received_at"])
    indexes.remove_button.click()
    saved_ok(saver, session, 3)
    assert len(load_design(design).design.persistence.tables[t].indexes) == 2
    assert "(3 indexes)" not in " ".join(label for label, _ in tables.select.options)
    assert comments(design) == comments(EXAMPLE)


def fake_finding(code: str, key_path: str, step: str = "api"):
    from designkit.core.findings import Finding
    return Finding(code=code, name="x", severity="warning", step=step, message="something is open",
                   key_path=key_path, line=None, fix="")


@pytest.mark.parametrize("step", [s.id for s in STEPS])
def test_waivers_on_every_step_next_to_decisions(design: Path, step: str):
    form = build_form(FakeSession(step, design))
    tabs = form.children[0]
    titles = [tabs.get_title(i) for i in range(len(tabs.children))]
    assert titles[-2:] == ["Decisions", "Waivers"]


def test_waive_a_finding_from_the_form(design: Path):
    session = FakeSession("report", design)
    session.findings = [fake_finding("API003", "api.endpoints[1].request", "api"),
                        fake_finding("SEC002", "security.secrets[0]", "security")]
    form = build_form(session)
    saver, waivers = form.dk_saver, form.dk_parts["Waivers"]
    assert len(waivers.picker.options) == 3
    waivers.picker.value = 0
    assert waivers.index is None
    assert waivers.inputs[("rule",)].value == "API003"
    assert waivers.inputs[("target",)].value == "api.endpoints[1].request"
    before = design.read_bytes()
    force(waivers.inputs[("status",)], "maybe")
    waivers.save_button.click()
    refused(saver, design, before, "waivers[0].status")
    assert "'maybe' is not allowed here" in saver.last_message

    waivers.inputs[("status",)].value = "accepted"
    waivers.inputs[("justification",)].value = "Operators list events through the VPN only."
    waivers.inputs[("owner",)].value = "platform team"
    waivers.inputs[("expires",)].value = "2027-06-30"
    waivers.save_button.click()
    saved_ok(saver, session, 1)
    saved = load_design(design).design.waivers
    assert len(saved) == 1
    assert (saved[0].rule, saved[0].target, saved[0].status, saved[0].owner, str(saved[0].expires)) == (
        "API003", "api.endpoints[1].request", "accepted", "platform team", "2027-06-30")
    assert waivers.index == 0

    before = design.read_bytes()
    waivers.inputs[("expires",)].value = "next summer"
    waivers.save_button.click()
    refused(saver, design, before, "waivers[0].expires")
    waivers.inputs[("expires",)].value = "2027-12-31"
    waivers.inputs[("status",)].value = "mitigated"
    waivers.save_button.click()
    saved_ok(saver, session, 2)
    assert load_design(design).design.waivers[0].status == "mitigated"
    waivers.remove_button.click()
    saved_ok(saver, session, 3)
    assert load_design(design).design.waivers == []
    assert comments(design) == comments(EXAMPLE)


def test_waiver_from_a_real_step_session_waives_the_finding(design: Path, tmp_path: Path):
    notebook = pytest.importorskip("designkit.jupyter.notebook")
    text = design.read_text()
    cut = re.search(r"\n  versioning:\n(    .*\n)*", text)
    assert cut, "the example's api.versioning block moved"
    design.write_text(text[:cut.start()] + "\n" + text[cut.end():])     # leaves API008 open
    try:
        session = notebook.open_step("api", design, tmp_path / "out")
    except ImportError as exc:
        pytest.skip(f"open_step is not usable yet: {exc}")
    form = session.form()
    waivers = form.dk_parts["Waivers"]
    found = waivers.picker.dk_findings
    assert [(f.code, f.key_path) for f in found] == [("API008", "api.versioning")]
    finding = found[0]
    waivers.picker.value = 0
    waivers.inputs[("status",)].value = "accepted"
    waivers.inputs[("justification",)].value = "Reviewed with the security team and accepted."
    waivers.inputs[("owner",)].value = "api team"
    waivers.save_button.click()
    assert form.dk_saver.last_level == "ok", form.dk_saver.last_message
    match = [f for f in session.findings if f.code == finding.code and f.key_path == finding.key_path]
    assert match and all(f.waived for f in match)
    assert waivers.picker.dk_findings == [] and waivers.picker.disabled
    saved = session.design.waivers[0]
    assert (saved.rule, saved.target, saved.status) == ("API008", "api.versioning", "accepted")


def test_array_schema_field_when_the_model_has_arrays(design: Path):
    from designkit.core import model
    if "max_items" not in model.SchemaField.model_fields:
        pytest.skip("the model has no array fields yet")
    session = FakeSession("api", design)
    form = build_form(session)
    saver, schemas, fields = form.dk_saver, form.dk_parts["Schemas"], form.dk_parts["Schema fields"]
    s = select(schemas, "Ack")
    fields.add_button.click()
    fields.inputs[("name",)].value = "warnings"
    fields.inputs[("type",)].value = "array"
    fields.inputs[("items",)].value = "string"
    fields.inputs[("max_items",)].value = "0"
    before = design.read_bytes()
    fields.save_button.click()
    refused(saver, design, before, f"api.schemas[{s}].fields[2].max_items")
    fields.inputs[("max_items",)].value = "10"
    fields.save_button.click()
    saved_ok(saver, session, 1)
    added = load_design(design).design.api.schemas[s].fields[-1]
    assert (added.type, added.items, added.max_items) == ("array", "string", 10)


# --------------------------------------------------------------------------- choices from the design


def test_references_are_dropdowns_of_what_the_design_defines(design: Path):
    import ipywidgets as w

    document = load_design(design).design
    schemes = [s.name for s in document.security.authentication]
    entities = [e.name for e in document.data_model.entities]
    session = FakeSession("api", design)
    _, endpoints, _ = endpoints_form(session)
    select(endpoints, "listEvents")
    auth = endpoints.inputs[("auth",)]
    assert isinstance(auth, w.Dropdown) and list(auth.options) == ["", *schemes, "public"]
    access = endpoints.inputs[("authorization",)]
    assert access.roles.tags.allowed_tags == list(document.security.authorization.roles) == ["operator"]
    assert access.value["roles"] == ["operator"]                       # `role:operator` in the file
    assert endpoints.inputs[("writes",)].tags.allowed_tags[:len(entities)] == entities

    form = build_form(FakeSession("persistence", design))
    tables = form.dk_parts["Tables"]
    tables.choose(0)
    assert list(tables.inputs[("entity",)].options)[1:] == entities
    assert list(tables.inputs[("store",)].options)[1:] == [s.name for s in document.persistence.stores]


def test_roles_and_entities_chosen_in_the_form_are_saved_as_references(design: Path):
    session = FakeSession("api", design)
    _, endpoints, saver = endpoints_form(session)
    i = select(endpoints, "listEvents")
    access = endpoints.inputs[("authorization",)]
    access.roles.value = ["operator"]
    access.condition.value = "only events of the operator's tenant"
    endpoints.inputs[("writes",)].value = ["AuditRecord"]
    endpoints.save_button.click()
    assert saver.last_level == "ok", saver.last_message
    saved = load_design(design).design.api.endpoints[i]
    assert saved.authorization.roles == ["operator"]
    assert saved.authorization.condition == "only events of the operator's tenant"
    assert saved.writes == ["AuditRecord"]
    with pytest.raises(Exception, match="not allowed"):
        access.roles.tags.value = ["superuser"]                     # not a role of the design


@pytest.mark.parametrize("method, path", [("GET", "/v1/events"), ("get", "/v1/events/")])
def test_a_duplicate_operation_is_refused_before_writing(design: Path, method: str, path: str):
    session = FakeSession("api", design)
    before = design.read_bytes()
    _, endpoints, saver = endpoints_form(session)
    existing = select(endpoints, "listEvents")
    endpoints.new()
    endpoints.inputs[("id",)].value = "listEventsAgain"
    endpoints.inputs[("method",)].value = method.upper()
    endpoints.inputs[("path",)].value = path
    endpoints.inputs[("auth",)].value = "operator-oidc"
    endpoints.save_button.click()
    assert saver.last_level == "error"
    assert f"api.endpoints[{existing}]" in saver.last_message and "nothing was saved" in saver.last_message
    assert design.read_bytes() == before and session.refreshes == 0


def test_moving_an_endpoint_onto_another_ones_path_is_refused(design: Path):
    session = FakeSession("api", design)
    before = design.read_bytes()
    _, endpoints, saver = endpoints_form(session)
    target = select(endpoints, "replayEvent")                  # POST /v1/events/{event_id}/replay
    select(endpoints, "listEvents")
    endpoints.inputs[("method",)].value = "POST"
    endpoints.inputs[("path",)].value = "/v1/events/{id}/replay"   # the same operation
    endpoints.save_button.click()
    assert saver.last_level == "error" and f"api.endpoints[{target}]" in saver.last_message
    assert design.read_bytes() == before


def test_the_form_shows_open_findings_with_their_messages(design: Path):
    from designkit.core.findings import Finding

    class Session(FakeSession):
        def refresh(self) -> None:
            super().refresh()
            self.findings = []                      # the save closed it

    session = Session("api", design)
    session.findings = [Finding(code="API003", name="api.rate-limit", severity="warning", step="api",
                                message="listEvents has no rate limit <script>", key_path="api.endpoints[1]",
                                line=12, fix="Add `rate_limit: {limit: 20/second}`."),
                        Finding(code="API009", name="x", severity="info", step="api", message="waived one",
                                key_path="api", line=1, fix="", waiver={"status": "accepted"})]
    form = build_form(session)
    panel = form.children[-1].value
    assert "API003" in panel and "listEvents has no rate limit &lt;script&gt;" in panel
    assert "fix: Add `rate_limit: {limit: 20/second}`." in panel and "<script>" not in panel
    assert "waived one" not in panel
    endpoints = form.dk_parts["Endpoints"]
    select(endpoints, "listEvents")
    endpoints.inputs[("summary",)].value = "List stored events."
    endpoints.save_button.click()
    assert form.dk_saver.last_level == "ok", form.dk_saver.last_message
    assert "No open findings" in form.children[-1].value


def test_a_session_builds_its_form_in_jupyter_and_a_line_in_a_headless_run(design: Path, tmp_path, monkeypatch):
    import ipywidgets
    from IPython.display import Markdown

    from designkit.core.steps import HEADLESS_ENV
    from designkit.jupyter.notebook import HEADLESS_FORM, open_step

    session = open_step("api", design, tmp_path / "out")
    monkeypatch.delenv(HEADLESS_ENV, raising=False)
    assert isinstance(session.form(), ipywidgets.Widget)
    monkeypatch.setenv(HEADLESS_ENV, "1")            # as `designkit run` starts its kernels
    line = session.form()
    assert isinstance(line, Markdown) and line.data == HEADLESS_FORM
    assert design.read_bytes() == EXAMPLE.read_bytes()
