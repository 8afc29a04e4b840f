"""The capacity and failure model: Little's law, retry load, latency budgets, serial availability,
FMEA, and where they show (CLI, report, notebooks). Numbers are worked out by hand in each test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from designkit.capacity import (
    availability_target,
    capacity_model,
    capacity_tables,
    error_budget_minutes,
    fmea,
)
from designkit.capacity.paths import retry_delays_ms
from designkit.core.loader import load_design_text
from designkit.core.model import RetryPolicy

ROOT = Path(__file__).resolve().parents[1]
WEBHOOK = ROOT / "examples" / "webhook-ingestion" / "design.yaml"

DESIGN = """\
name: shop
scope:
  slas:
    - {name: fast, objective: p99 under 400 ms, latency_ms: 400, applies_to: [checkout]}
    - {name: up, objective: 99.95% of requests succeed, window: 30 days}
api:
  endpoints:
    - {id: checkout, method: POST, path: /v1/checkout, handler: CheckoutHandler, peak_rps: 200}
    - {id: listOrders, method: GET, path: /v1/orders, handler: OrdersHandler, peak_rps: 50}
services:
  components:
    - {name: CheckoutHandler, kind: handler, depends_on: [Orders, Payments]}
    - {name: OrdersHandler, kind: handler, depends_on: [Orders]}
    - {name: Orders, kind: repository, depends_on: [db, json-lib]}
    - {name: Payments, kind: adapter, depends_on: [psp, cache]}
    - {name: Mailer, kind: worker, schedule: every minute, depends_on: [mail]}
  dependencies:
    - {name: db, kind: datastore, availability: 99.99}
    - {name: psp, kind: external-api, availability: 99.9}
    - {name: cache, kind: datastore}
    - {name: mail, kind: external-api}
    - {name: json-lib, kind: library}
reliability:
  failure_policies:
    - {target: db, timeout_ms: 100, retries: {max_attempts: 1, backoff: fixed, base_delay_ms: 20}}
    - {target: psp, timeout_ms: 150, retries: {max_attempts: 2, backoff: exponential, base_delay_ms: 50, max_delay_ms: 80}}
    - {target: cache, timeout_ms: 10, retries: {max_attempts: 0, backoff: none}, fallback: compute the price again}
observability:
  alerts:
    - {name: psp-errors, condition: psp 5xx over 2% for 5 minutes}
  metrics:
    - {name: db_pool_in_use, type: gauge, description: connections to db in use}
performance:
  scaling:
    - {name: api-pods, runs: [CheckoutHandler, OrdersHandler, Orders, Payments], state: stateless, scales: horizontal, min_replicas: 4, max_replicas: 10}
"""


@pytest.fixture
def model():
    return capacity_model(load_design_text(DESIGN, "shop.yaml").design)


def test_retry_delays_are_the_worst_case_capped_by_max_delay():
    assert retry_delays_ms(RetryPolicy(max_attempts=3, backoff="exponential", base_delay_ms=50, max_delay_ms=150)) == [50, 100, 150]
    assert retry_delays_ms(RetryPolicy(max_attempts=2, backoff="fixed", base_delay_ms=20)) == [20, 20]
    assert retry_delays_ms(RetryPolicy(max_attempts=2, backoff="none")) == [0, 0]
    assert retry_delays_ms(None) == []


def test_the_latency_budget_sums_every_call_on_the_path(model):
    (budget,) = model.latency_budgets
    assert budget.label == "checkout"
    # db: 100 x 2 + 20 = 220; psp: 150 x 3 + (50 + 80) = 580; cache: 10; the library is no call
    assert [(c.dependency, c.worst_ms) for c in budget.calls] == [("db", 220), ("psp", 580), ("cache", 10)]
    assert budget.worst_ms == 810 and not budget.fits
    assert budget.largest.dependency == "psp"
    assert budget.arithmetic.endswith("= 810 ms > 400 ms (fast)")


def test_littles_law_per_endpoint_and_per_replica(model):
    rows = {c.surface.label: c for c in model.concurrency}
    assert rows["checkout"].in_flight == pytest.approx(80.0)        # 200/s x 0.4 s
    assert rows["checkout"].per_replica == 20                        # 80 over 4 replicas
    assert rows["listOrders"].in_flight is None                      # no latency target: not guessed
    assert rows["listOrders"].latency_source == "no latency SLA"


def test_dependency_load_sums_endpoint_rates_and_shows_the_outage_load(model):
    loads = {d.dependency: d for d in model.dependency_loads}
    assert loads["db"].rate_rps == 250                               # checkout 200 + listOrders 50
    assert loads["db"].pool_at_timeout == 25                         # 250/s x 0.1 s
    assert loads["db"].pool_per_replica == 7                         # ceil(25 / 4)
    assert loads["psp"].outage_rps == 600                            # 200/s x 3 attempts
    assert "mail" not in loads                                       # only a worker calls it


def test_serial_availability_leaves_out_what_has_a_fallback(model):
    chains = {c.label: c for c in model.availability_chains}
    checkout = chains["checkout"]
    assert [c.dependency for c in checkout.needed] == ["db", "psp"]
    assert checkout.spared == ("cache",)
    assert checkout.product == pytest.approx(99.99 * 99.9 / 100)     # 99.890...
    assert not checkout.fits and "< 99.95%" in checkout.arithmetic
    assert chains["listOrders"].fits                                  # db alone: 99.99%


def test_availability_targets_come_from_availability_objectives_only():
    from designkit.core.model import SLA

    assert availability_target(SLA(name="a", objective="99.9% of requests succeed")) == 99.9
    assert availability_target(SLA(name="b", objective="99% of requests complete under 2 seconds")) is None
    assert availability_target(SLA(name="c", objective="p99 under 300 ms", latency_ms=300)) is None
    assert availability_target(SLA(name="d", objective="fast enough")) is None
    assert error_budget_minutes(99.9, "30 days") == pytest.approx(43.2)
    assert error_budget_minutes(99.95, None) == pytest.approx(21.6)


def test_fmea_rows_take_detection_and_mitigation_from_the_design(model):
    rows = {(r.dependency, r.mode): r for r in fmea(model)}
    assert len(rows) == 4 * 3                                          # 4 remote dependencies x 3 modes
    assert rows[("psp", "down")].detection == "alert psp-errors"
    assert rows[("psp", "down")].detectability == 2
    assert rows[("db", "down")].detection.startswith("metric db_pool_in_use")
    assert rows[("mail", "down")].detection == "none stated"
    assert "fallback: compute the price again" in rows[("cache", "down")].mitigation
    assert rows[("cache", "down")].severity == 8 - 3 + 1              # fallback, on an SLA path
    assert rows[("mail", "down")].severity == 8 - 2                   # workers only
    assert rows[("psp", "slow")].effect.startswith("checkout wait up to 580 ms")
    risks = [r.risk for r in fmea(model)]
    assert risks == sorted(risks, reverse=True)


def test_rules_report_the_arithmetic(tmp_path):
    from designkit import check

    path = tmp_path / "shop.yaml"
    path.write_text(DESIGN)
    found = {f.code: f for f in check(path).findings}
    assert "810 ms > 400 ms" in found["REL007"].message and found["REL007"].key_path == "reliability.failure_policies[1]"
    assert "< 99.95%" in found["CAP001"].message
    assert "600" in found["CAP002"].message                            # 200 calls/s become 600


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "designkit", *map(str, args)], capture_output=True,
                          text=True, timeout=60)


def test_capacity_command_text_json_and_exit_codes(tmp_path):
    ok = _cli("capacity", WEBHOOK)
    assert ok.returncode == 0, ok.stderr
    assert "latency budget (1)" in ok.stdout and "= 260 ms <= 300 ms (ingest-latency)" in ok.stdout
    bad = tmp_path / "shop.yaml"
    bad.write_text(DESIGN)
    short = _cli("capacity", bad, "--format", "json")
    assert short.returncode == 1
    data = json.loads(short.stdout)
    assert data["latency budget"]["rows"][0]["worst ms"] == 810
    assert {"FMEA", "availability", "dependency load", "concurrency (Little's law)"} <= set(data)
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\napi: {endpoints: [{method: GET, path: /a, peak_rps: lots}]}\n")
    refused = _cli("capacity", broken)
    assert refused.returncode == 2 and "broken.yaml:2" in refused.stderr and "Traceback" not in refused.stderr


def test_design_text_cannot_send_terminal_escapes(tmp_path):
    evil = DESIGN.replace("compute the price again", "\"compute \\e[31m again\"")
    path = tmp_path / "evil.yaml"
    path.write_text(evil)
    out = _cli("capacity", path)
    assert "\x1b" not in out.stdout


def test_report_and_notebook_tables_show_the_model():
    from designkit.core.loader import load_design
    from designkit.jupyter import tables
    from designkit.outputs.capacity_plot import latency_budget_svg

    design = load_design(WEBHOOK).design
    assert {"latency budget", "availability", "FMEA"} <= set(tables.step_tables("reliability", design))
    assert {"concurrency (Little's law)", "dependency load"} <= set(tables.step_tables("performance", design))
    svg = latency_budget_svg(capacity_model(design))
    assert svg.lstrip().startswith("<?xml") and "postgresql" in svg and "redis" in svg
    assert latency_budget_svg(capacity_model(design)) == svg   # the same design, the same bytes
    assert latency_budget_svg(capacity_model(load_design_text("name: x\n", "x.yaml").design)) is None
    assert set(tables.step_figures("reliability", design)) == {"latency budget"}


def test_report_html_has_the_capacity_section(tmp_path):
    from designkit.core.loader import load_design
    from designkit.outputs.checklist import evaluate_checklist
    from designkit.outputs.report import render_report_html
    from designkit.rules import run_checks

    document = load_design(WEBHOOK)
    result = run_checks(document)
    html = render_report_html(document, result, evaluate_checklist(document, result))
    assert 'id="capacity"' in html and "<svg" in html
    for table in capacity_tables(capacity_model(document.design)):
        assert f"<h3>{table.title}" in html.replace("&#39;", "'")
