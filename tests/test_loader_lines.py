"""A design's line map is worked out only when a line is asked for, and then it is the map the
parse records: ``scan_lines`` (one pass that builds no data) against ``parse_yaml``."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES, ROOT, WEBHOOK
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_loader_fast_path import CASES

from designkit.core import loader
from designkit.core.errors import DesignFileError

EDGE_CASES = {
    "alias-as-key": "k: &a name\nm:\n  *a : 1\n  other: 2\n",
    "aliased-containers": "a: &m {x: 1, y: [1, 2]}\nb: *m\nc: [*m, *m, 3]\nd: &l [1, 2]\ne: [*l]\n",
    "merge-after-merge-text": "v: <<\nbase: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\n",
    "merge-list": "a: &a {x: 1}\nb: &b {y: 2}\nc: {<<: [*a, *b], z: 3}\n",
    "nested-lists": "a:\n- - 1\n  - [2, 3]\n- {k: [4, {j: 5}]}\n- []\n- {}\n",
    "scalar-top": "just text\n",
    "list-top": "- a\n- {b: 1}\n- [c]\n",
    "keys-of-every-kind": "1: a\nfalse: b\n'1': c\n~: d\n2024-05-01: e\n0x1F: f\n",
    "block-scalars": "a: |\n  one\n  two\nb: >\n  folded\nc: [x]\n",
    "anchored-keys-and-values": "a: &k key\n*k : &v value\nb: *v\n",
}

YAML_FILES = sorted({*EXAMPLES, *ROOT.glob("tests/judgment/*.yaml"), *ROOT.glob("tests/data/**/*.yaml"),
                     *ROOT.glob("tests/rule_fixtures/**/*.yaml")})


def _parsed_lines(text: str) -> list | None:
    try:
        return list(loader.parse_yaml(text, "x.yaml")[1].items())
    except DesignFileError:
        return None  # a text the parse refuses never reaches the line map


# the fast-path cases the parse refuses: no line map is ever asked of them
REFUSED = {"repeated-key", "repeated-key-nested", "mapping-as-key", "list-as-key", "tagged-containers"}
ACCEPTED = {name: text for name, text in {**CASES, **EDGE_CASES}.items() if name not in REFUSED}


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_scan_gives_the_parse_lines(case):
    expected = _parsed_lines(ACCEPTED[case])
    assert expected is not None
    assert list(loader.scan_lines(ACCEPTED[case], "x.yaml").items()) == expected


def test_scan_gives_the_parse_lines_on_every_yaml_file_in_the_tests():
    compared = 0
    for path in YAML_FILES:
        text = path.read_text(encoding="utf-8")
        expected = _parsed_lines(text)
        if expected is not None:
            assert list(loader.scan_lines(text, str(path)).items()) == expected, path
            compared += 1
    assert compared >= 50, compared   # the glob found the corpus


_keys = st.one_of(st.text(min_size=1, max_size=6), st.integers(-5, 5), st.booleans())
_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12),
                     st.floats(allow_nan=False, allow_infinity=False))
_data = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(_keys, inner, max_size=4)),
                     max_leaves=25)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.dictionaries(_keys, _data, min_size=1, max_size=5), flow=st.sampled_from([None, True, False]))
def test_scan_gives_the_parse_lines_on_any_document(data, flow):
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True, sort_keys=False)
    expected = _parsed_lines(text)
    if expected is not None:   # e.g. keys 1 and '1' may collide once YAML 1.2 resolves them
        assert list(loader.scan_lines(text, "x.yaml").items()) == expected


def test_a_small_design_records_its_lines_as_it_is_parsed():
    document = loader.load_design(WEBHOOK)
    assert document.lines == loader.parse_yaml(WEBHOOK.read_text(encoding="utf-8"), "x")[1]


def test_a_large_design_builds_its_line_map_only_when_a_line_is_asked_for(monkeypatch):
    monkeypatch.setattr(loader, "EAGER_LINES_MAX_CHARS", 1000)   # the example counts as large
    document = loader.load_design(WEBHOOK)
    assert isinstance(document.lines, loader.LineMap) and document.lines._map is None
    assert document.line_of(("api", "endpoints", 0, "path")) == _line_of(WEBHOOK, "path:")
    assert document.lines._map is not None
    assert dict(document.lines) == loader.parse_yaml(WEBHOOK.read_text(encoding="utf-8"), "x")[1]


def _line_of(path: Path, needle: str) -> int:
    """The 1-based line of the first endpoint's ``path:`` key, found in the text by hand."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("endpoints:"))
    return next(i for i in range(start, len(lines)) if needle in lines[i]) + 1
