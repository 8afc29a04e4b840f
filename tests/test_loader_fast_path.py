"""The loader's short path for common scalars builds what the event-by-event builder builds."""

from __future__ import annotations

import pytest
from conftest import EXAMPLES

from designkit.core import loader
from designkit.core.errors import DesignFileError


def _reference(text: str):
    """Every event through ``_Builder.feed``: the path the short one must agree with."""
    builder = loader._Builder("ref.yaml")
    events = loader._Loader(text)
    try:
        while events.check_event():
            builder.feed(events.get_event())
    finally:
        events.dispose()
    return builder.result, builder.lines


def _outcome(parse, text: str):
    try:
        data, lines = parse(text)
    except DesignFileError as exc:
        return "error", exc.format().replace("ref.yaml", "x.yaml")
    return data, list(lines.items())


CASES = {
    "repeated-plain-values": "a: [x, x, 1, 1, true, true, null, null]\nb: {k: x, j: 1}\nc: [x, 1]\n",
    "quoted-and-block": "a: 'x'\nb: \"x\"\nc: |\n  x\nd: [x, 'x', \"1\", 1]\n",
    "repeated-key": "a: x\nb: x\na: y\n",
    "repeated-key-nested": "s:\n  k: v\n  j: v\n  k: w\n",
    "merge-keys": "base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\nmore: {<<: [*b], z: z}\n",
    "anchored-scalars": "a: &v x\nb: *v\nc: [&w y, *w, y]\n",
    "keys-as-values": "x: y\ny: x\nlist: [x, y, x]\n",
    "tags": "a: !!str 1\nb: 1\nc: !!str 1\n",
    "numbers-as-keys": "1: a\n2: b\nm: {1: c}\n",
    "nested-containers": "a:\n- - 1\n  - [2, {k: [3]}]\n- {}\n- []\nb: {c: {d: [e, {f: g}]}}\n",
    "anchored-containers": "a: &m {x: [1]}\nb: [&l [2], *l, *m]\nc: {<<: *m, y: {z: 1}}\n",
    "merge-of-nested": "base: &b {x: {y: 1}}\nuse: {<<: *b, w: [1, 2]}\n",
    "mapping-as-key": "? {a: 1}\n: v\n",
    "list-as-key": "? [a]\n: v\n",
    "tagged-containers": "a: !!map {x: 1}\nb: !!seq [1]\nc: !!set {x: null}\n",
    "containers-under-merge-key": "a: {<<: {x: 1}, y: 2}\nb: {<<: [{x: 1}, {z: 2}]}\n",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_short_path_builds_what_feed_builds(case):
    text = CASES[case]
    assert _outcome(lambda t: loader.parse_yaml(t, "x.yaml"), text) == _outcome(_reference, text)


def test_short_path_on_the_examples():
    for path in EXAMPLES:
        text = path.read_text(encoding="utf-8")
        data, lines = loader.parse_yaml(text, str(path))
        ref_data, ref_lines = _reference(text)
        assert data == ref_data and list(lines.items()) == list(ref_lines.items()), path


def test_node_limit_still_counts_short_path_scalars(monkeypatch):
    monkeypatch.setattr(loader, "MAX_NODES", 20)
    text = "a: [" + ", ".join(["x"] * 30) + "]\n"
    with pytest.raises(DesignFileError, match="more than 20 values"):
        loader.parse_yaml(text, "x.yaml")


def test_depth_limit_still_holds_on_the_short_path(monkeypatch):
    monkeypatch.setattr(loader, "MAX_DEPTH", 5)
    text = "a: " + "[" * 8 + "]" * 8 + "\n"
    with pytest.raises(DesignFileError, match="deeper than"):
        loader.parse_yaml(text, "x.yaml")


def test_node_limit_still_counts_short_path_containers(monkeypatch):
    monkeypatch.setattr(loader, "MAX_NODES", 20)
    text = "a: [" + ", ".join(["[]"] * 30) + "]\n"
    with pytest.raises(DesignFileError, match="more than 20 values"):
        loader.parse_yaml(text, "x.yaml")
