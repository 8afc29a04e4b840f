"""Durations and rates as design files write them, read into numbers the rules compare."""

from __future__ import annotations

import datetime as dt

import pytest

from designkit.core.durations import format_duration, leading_duration, parse_duration, parse_rate
from designkit.core.errors import DesignFileError
from designkit.core.loader import load_design_text

H, D = dt.timedelta(hours=1), dt.timedelta(days=1)


@pytest.mark.parametrize(("text", "expected"), [
    ("72h", 3 * D), ("3 days", 3 * D), ("P3D", 3 * D), ("3 Days", 3 * D), ("PT5M", dt.timedelta(minutes=5)),
    ("P1DT12H", 36 * H), ("1 hour 30 minutes", 1.5 * H), ("1h30m", 1.5 * H), ("1 hour and 30 minutes", 1.5 * H),
    ("1.5h", 1.5 * H), ("90s", dt.timedelta(seconds=90)), ("2 weeks", 14 * D), ("P1M", 30 * D),
    ("1 year", 365 * D), ("250ms", dt.timedelta(milliseconds=250)), ("P0D", dt.timedelta(0)),
])
def test_durations_in_every_spelling(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "7", "P", "PT", "P3DT", "3 dayz", "7 days (then purged)",
                                  "5 mins ago", "-3 days"])
def test_anything_else_is_refused_with_what_is_accepted(text):
    with pytest.raises(ValueError, match="72h, 3 days"):
        parse_duration(text)


def test_the_duration_a_free_text_value_starts_with():
    assert leading_duration("7 days (providers retry for at most 3 days)") == 7 * D
    assert leading_duration("24 hours, then purged") == D
    assert leading_duration("P3D then") == 3 * D
    assert leading_duration("per lease") is None and leading_duration(None) is None


def test_messages_name_the_largest_whole_unit():
    assert [format_duration(x) for x in (3 * D, 36 * H, dt.timedelta(minutes=5), D)] == [
        "3 days", "36 hours", "5 minutes", "1 day"]


@pytest.mark.parametrize(("text", "per_second"), [
    ("100/minute", 100 / 60), ("5/second", 5), ("20/s", 20), ("1000 per hour", 1000 / 3600),
    ("300 rpm", 5), ("10 per 5 minutes", 10 / 300), ("5/sec", 5),
])
def test_rates(text, per_second):
    assert parse_rate(text) == pytest.approx(per_second)


def test_an_unreadable_rate_is_none_not_a_guess():
    assert parse_rate("lots") is None and parse_rate(None) is None


def test_a_bad_duration_in_a_design_is_a_load_error_with_line_and_key():
    text = ("name: x\napi:\n  inbound_webhooks:\n"
            "    - {name: s, provider: stripe, provider_retry_window: three days}\n")
    with pytest.raises(DesignFileError) as info:
        load_design_text(text, "design.yaml")
    (problem,) = info.value.problems
    assert (problem.line, problem.key_path) == (4, "api.inbound_webhooks[0].provider_retry_window")
    assert "'three days' is not a duration" in problem.message and "P3D" in problem.message
