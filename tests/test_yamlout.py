"""The YAML writer: its fast path writes what ``yaml.dump`` writes, and everything reads back.

``dump_yaml`` hands plain data to libyaml's emitter as events it makes itself, skipping PyYAML's
Python representer. These tests hold it to the slow path (``yaml.dump`` with the same dumper)
byte for byte, on the OpenAPI corpus as the importer writes it and on random data, and check
that every text reads back as the same data through designkit's own loader (YAML 1.2 core) and
through PyYAML's safe loader (YAML 1.1), with the scalars that trip YAML writers up: quotes,
colons, ``#``, a leading ``-``, Unicode, line breaks, ``NO``/``yes``, numbers written as text.
"""

from __future__ import annotations

import datetime
import gc
import math
import tempfile

import pytest
import yaml
from conftest import ROOT
from hypothesis.configuration import set_hypothesis_home_dir

# Hypothesis keeps caches in ./.hypothesis by default: tests write only under tmp.
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="designkit-hypothesis-"))

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from designkit.core import yamlout  # noqa: E402
from designkit.core.loader import parse_yaml  # noqa: E402
from designkit.core.yamlout import FlowMap, dump_yaml  # noqa: E402
from designkit.importers.openapi import import_openapi_result, render_design_yaml  # noqa: E402

CORPUS = sorted((ROOT / "tests" / "data" / "openapi").glob("*.y*ml"))

pytestmark = pytest.mark.skipif(not yamlout._FAST, reason="the fast path needs libyaml")


def slow_dump(data, *, width: int = 100, literal_blocks: bool = False) -> str:
    """What ``dump_yaml`` wrote before it had a fast path: ``yaml.dump`` with its dumper."""
    dumper = yamlout._BlockTextDumper if literal_blocks else yamlout._FlowDumper
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=width,
                     default_flow_style=False)


def same(a, b) -> bool:
    """Equal data of equal types (``True == 1`` and ``1 == 1.0`` do not count)."""
    if type(a) is not type(b) and not (isinstance(a, dict) and isinstance(b, dict)):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_imported_design_written_by_fast_path_is_the_same_text(path, monkeypatch):
    result = import_openapi_result(path)
    fast = render_design_yaml(result, path.name)
    monkeypatch.setattr(yamlout, "_FAST", False)
    assert fast == render_design_yaml(result, path.name)
    data, _ = parse_yaml(fast, str(path))
    assert same(data, result.data)


def test_objects_reached_twice_are_written_as_yaml_dump_writes_them():
    shared = ["a", "b"]
    data = {"one": shared, "two": shared, "when": datetime.date(2026, 12, 4)}
    text = dump_yaml(data)
    assert text == slow_dump(data)
    assert "&id001" in text and "*id001" in text
    assert yaml.safe_load(text) == data


@pytest.mark.parametrize("text", ["1e3", "+1e5", "0o17", "2026-5-1", "yes", "NO", "1:30",
                                  "null", "~", "<<", "0x1F", ".5", "1_000"])
def test_text_that_a_yaml_reader_takes_for_another_type_is_quoted(text):
    written = dump_yaml({"value": text})
    assert written.startswith("value: '")
    assert parse_yaml(written, "x")[0] == {"value": text}
    assert yaml.safe_load(written) == {"value": text}


TRICKY = ["", " ", "a: b", "a:b", "# not a comment", "a #b", "- item", "-", "? q", "[x]", "{y}",
          "'single'", '"double"', "it's", "yes", "No", "on", "OFF", "y", "~", "null", "NULL",
          "true", "False", "1", "-1", "+1", "1.5", "1e3", "1E-3", "0o17", "0x1f", "0b101", "017",
          "1_000", "1:30", ".inf", "-.Inf", ".nan", "2026-12-04", "2026-1-4", "12:00:00",
          "<<", "=", "!tag", "&anchor", "*alias", "%directive", "@at", "`tick", "|", ">",
          "a\nb", "a\n", "\nlead", "trail \n", "tab\tin", "ünïcødé", "日本語", "emoji \U0001f600",
          "zero\u200bwidth", "nbsp\u00a0x", "bom\ufeff", "nel\x85x", "ls\u2028x", "cr\rx", "\x07bell",
          "--- ", "...", "a  b", "x" * 150, ("word " * 40).strip()]

scalar_text = st.one_of(
    st.sampled_from(TRICKY),
    st.text(max_size=30),
    st.builds(lambda a, b: a + b, st.sampled_from(TRICKY), st.text(max_size=10)),
)
scalars = st.one_of(scalar_text, st.integers(), st.booleans(), st.none(),
                    st.floats(allow_nan=False))
data = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(scalar_text, inner, max_size=4),
        st.dictionaries(scalar_text, scalars, max_size=4).map(FlowMap),
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None, database=None)
@given(data=data, literal_blocks=st.booleans(), width=st.sampled_from([20, 80, 100]))
def test_fast_path_writes_what_yaml_dump_writes_and_it_reads_back(data, literal_blocks, width):
    text = dump_yaml(data, width=width, literal_blocks=literal_blocks)
    assert text == slow_dump(data, width=width, literal_blocks=literal_blocks)
    assert same(yaml.safe_load(text), data)
    loaded, _ = parse_yaml(text, "x")
    assert same(loaded, data)


def test_floats_are_written_as_the_representer_writes_them():
    values = [0.0, -0.0, 1.5, 1e17, 1e-7, -2.5e300, math.inf, -math.inf, math.nan]
    assert dump_yaml(values) == slow_dump(values)


def test_writing_leaves_nothing_for_the_garbage_collector():
    """The importer writes with the collector paused: a reference cycle per call (the walk's
    closure) would hold each call's emitter and text until the process ends."""
    data = {"entities": [{"name": "Order", "fields": [FlowMap(name="id", type="uuid")]}],
            "text": "x" * 200}
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(3):
            dump_yaml(data, literal_blocks=True)
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()
