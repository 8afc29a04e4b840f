"""The loader: valid designs, line numbers, key paths, and the messages for wrong values."""

from __future__ import annotations

import pytest
from conftest import EXAMPLES, WEBHOOK

from designkit.core.errors import DesignFileError
from designkit.core.loader import format_key_path, load_design, load_design_text, parse_key_path


def problems(text: str) -> list:
    with pytest.raises(DesignFileError) as info:
        load_design_text(text, "d.yaml")
    return info.value.problems


def test_every_example_loads(example):
    doc = load_design(example)
    assert doc.design.name
    assert len(doc.digest) == 64


def test_line_numbers_point_at_the_key():
    doc = load_design(WEBHOOK)
    lines = WEBHOOK.read_text().splitlines()
    for index, endpoint in enumerate(doc.design.api.endpoints):
        line = doc.line_of(("api", "endpoints", index, "auth"))
        assert lines[line - 1].strip().startswith("auth:"), (endpoint.id, line)
    # a key that is absent falls back to its nearest ancestor that is present
    missing = doc.line_of(("api", "endpoints", 0, "no_such_key"))
    assert lines[missing - 1].strip().startswith("- id: ingestWebhook")


def test_key_paths_round_trip():
    path = ("api", "endpoints", 3, "parameters", 0, "in")
    assert format_key_path(path) == "api.endpoints[3].parameters[0].in"
    assert parse_key_path("api.endpoints[3].parameters[0].in") == path


def test_unknown_key_suggests_the_right_one():
    [p] = problems("name: x\napi:\n  endpoints:\n    - method: GET\n      path: /a\n      auht: public\n")
    assert (p.line, p.key_path) == (6, "api.endpoints[0].auht")
    assert "unknown key 'auht'" in p.message
    assert "did you mean 'auth'" in p.fix


def test_comma_inside_flow_mapping_is_explained():
    [p] = problems("name: x\nscope:\n  requirements:\n    - {text: fast, cheap and safe}\n")
    assert p.key_path == "scope.requirements[0].cheap and safe"
    assert "quote that value" in p.fix


def test_wrong_values_name_what_to_write():
    text = ("name: x\napi:\n  endpoints:\n    - {method: FETCH, path: /a}\n    - {method: GET, path: b}\n"
            "reliability:\n  failure_policies:\n    - {target: db, timeout_ms: fast}\n")
    found = {p.key_path: p for p in problems(text)}
    assert "did you mean 'PATCH'" in found["api.endpoints[0].method"].fix or \
        "write one of" in found["api.endpoints[0].method"].fix
    assert found["api.endpoints[1].path"].fix == "write /b"
    assert "whole number" in found["reliability.failure_policies[0].timeout_ms"].message
    assert [p.line for p in found.values()] == sorted(p.line for p in found.values())


def test_missing_required_key():
    [p] = problems("name: x\napi:\n  endpoints:\n    - method: GET\n")
    assert p.key_path == "api.endpoints[0].path" and p.line == 4
    assert "required key 'path' is missing" in p.message


def test_duplicate_key_is_an_error():
    [p] = problems("name: x\nname: y\n")
    assert p.line == 2 and "duplicate key 'name'" in p.message


def test_anchors_and_merge_keys_work():
    doc = load_design_text("name: x\napi:\n  endpoints:\n"
                           "    - &base {method: GET, path: /a, auth: public, public_justification: health probe}\n"
                           "    - {<<: *base, path: /b}\n", "d.yaml")
    a, b = doc.design.api.endpoints
    assert (a.path, b.path, b.auth, b.method) == ("/a", "/b", "public", "GET")


def test_every_problem_is_reported_at_once():
    text = "name: x\nscope: {tier: Z}\napi: {endpoints: [{method: GET}]}\nbogus: 1\n"
    assert {p.key_path for p in problems(text)} == {"scope.tier", "api.endpoints[0].path", "bogus"}


def test_examples_load_identically_with_the_safe_loader():
    """Our event-based reader yields the same data as PyYAML's safe_load."""
    import yaml

    from designkit.core.loader import parse_yaml

    for path in EXAMPLES:
        text = path.read_text()
        data, _ = parse_yaml(text, str(path))
        assert data == yaml.safe_load(text)


def test_array_keys_only_on_arrays():
    [p] = problems("name: x\ndata_model:\n  entities:\n    - name: A\n      fields:\n"
                   "        - {name: tags, type: string, max_items: 3}\n")
    assert (p.line, p.key_path) == (6, "data_model.entities[0].fields[0]")
    assert "only apply to `type: array`" in p.message and "Value error" not in p.message
    [p] = problems("name: x\napi:\n  endpoints:\n    - method: GET\n      path: /a\n"
                   "      parameters: [{name: t, type: array, items: string, min_items: 5, max_items: 2}]\n")
    assert p.key_path == "api.endpoints[0].parameters[0]" and "larger than max_items" in p.message


def test_plain_scalars_follow_yaml_1_2_core():
    """Country codes, yes/no/on/off, 1:30 and 1_000 stay text; 1.2 numbers and booleans resolve."""
    from designkit.core.loader import parse_yaml

    data, _ = parse_yaml("a: [SE, NO, DK, FI, yes, No, on, OFF, y, 1:30, 1_000, '017']\n"
                         "b: [true, False, ~, null, 017, 0o17, 0x1f, 1e3, .5, -.inf]\n"
                         "no: key\n", "t.yaml")
    assert data["a"] == ["SE", "NO", "DK", "FI", "yes", "No", "on", "OFF", "y", "1:30", "1_000", "017"]
    assert data["b"] == [True, False, None, None, 17, 15, 31, 1000.0, 0.5, float("-inf")]
    assert data["no"] == "key"  # a key `no:` is the text "no", not False


def test_an_enum_of_country_codes_keeps_no_as_text():
    doc = load_design_text("name: x\ndata_model:\n  entities:\n    - name: A\n      fields:\n"
                           "        - {name: country, type: enum, enum: [SE, NO, DK, FI]}\n", "d.yaml")
    assert doc.design.data_model.entities[0].fields[0].enum == ["SE", "NO", "DK", "FI"]


def test_a_file_of_many_unknown_keys_lists_the_first_and_counts_the_rest():
    text = "name: x\n" + "".join(f"k{i}: 1\n" for i in range(5000))
    with pytest.raises(DesignFileError) as caught:
        load_design_text(text, "d.yaml")
    assert len(caught.value.problems) == 50
    assert caught.value.problems[0].line == 2  # the first ones in the file, in file order
    assert "4,950 more" in caught.value.format()


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/urandom", "fifo"])
def test_a_device_or_fifo_is_refused_without_reading_it(tmp_path, special):
    import os

    from designkit.core.loader import load_design

    if special == "fifo":
        special = tmp_path / "design.yaml"
        os.mkfifo(special)  # nothing writes to it: reading it would wait forever
    with pytest.raises(DesignFileError, match="not a regular file"):
        load_design(special)
