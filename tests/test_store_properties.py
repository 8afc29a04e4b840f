"""Property: the fast region path and the whole-file path of the editor are the same edit.

Hypothesis draws random sequences of set / append / remove on a commented design; the same
sequence is applied by an editor that works in regions and by one that always round-trips the
whole file (``regions=False``). Both must give text that means the same data and keeps the same
comment lines; where one refuses an edit, so must the other.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis.configuration import set_hypothesis_home_dir

# Hypothesis keeps caches in ./.hypothesis by default (already when this module is collected):
# tests write only under tmp.
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="designkit-hypothesis-"))

from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from designkit.core.errors import EditError  # noqa: E402
from designkit.core.store import Append, DesignEditor, Remove, Set  # noqa: E402

DESIGN = """\
# A small design with comments everywhere an edit could disturb them.
designkit: 1
name: props   # end-of-line comment on a top-level key

scope:
  summary: Property test design.
  tier: B          # assumed
  use_cases:
    - First use case.
    # between use cases
    - Second use case.
    - Third use case.   # trailing comment

api:
  endpoints:
    # resource 0
    - id: listThings
      method: GET
      path: /v1/things
      auth: user-oidc
      rate_limit: &shared {limit: 20/second, key: user}
      errors: [not_found]
    - id: getThing
      method: GET
      path: /v1/things/{id}
      auth: user-oidc   # who may read
      rate_limit: *shared
    # resource 1
    - id: createThing
      method: POST
      path: /v1/things
      auth: user-oidc
      rate_limit: *shared
      errors:
        - validation_failed
    - id: deleteThing
      method: DELETE
      path: /v1/things/{id}
      auth: operator-oidc

# the end
validation:
  ci_hooks:
    - {name: tests, when: pull-request}
"""

LISTS = {("scope", "use_cases"): 3, ("api", "endpoints"): 4}
SCALARS = {
    ("scope", "tier"): st.sampled_from(["A", "B", "C"]),
    ("scope", "summary"): st.sampled_from(["Changed.", "Another summary"]),
    ("name",): st.sampled_from(["props", "renamed"]),
}
ENDPOINT_FIELDS = {
    ("auth",): st.sampled_from(["public", "user-oidc", "operator-oidc"]),
    ("handler",): st.sampled_from(["ThingHandler", "Other"]),
    ("rate_limit", "limit"): st.sampled_from(["5/second", "100/minute"]),
    ("errors",): st.lists(st.sampled_from(["not_found", "conflict"]), max_size=2),
}


@st.composite
def edits(draw) -> list:
    out = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["scalar", "endpoint", "append", "remove", "clear"]))
        if kind == "scalar":
            path = draw(st.sampled_from(sorted(SCALARS)))
            out.append(Set(path, draw(SCALARS[path])))
        elif kind == "endpoint":
            field = draw(st.sampled_from(sorted(ENDPOINT_FIELDS)))
            i = draw(st.integers(-1, 4))
            out.append(Set(("api", "endpoints", i, *field), draw(ENDPOINT_FIELDS[field])))
        elif kind == "append":
            path = draw(st.sampled_from(sorted(LISTS) + [("validation", "ci_hooks")]))
            value = {"id": f"new{len(out)}", "method": "GET", "path": f"/v1/new/{len(out)}",
                     "auth": "public"} if path == ("api", "endpoints") else \
                {"name": "lint", "when": "push"} if path == ("validation", "ci_hooks") else \
                f"Use case {len(out)}."
            out.append(Append(path, value))
        elif kind == "remove":
            path = draw(st.sampled_from(sorted(LISTS)))
            out.append(Remove(path + (draw(st.integers(0, LISTS[path] - 1)),)))
        else:
            i = draw(st.integers(0, 3))
            out.append(Set(("api", "endpoints", i, draw(st.sampled_from(["errors", "rate_limit"]))), None))
    return out


def comment_lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if "#" in line]


def outcome(path: Path, sequence: list, *, regions: bool) -> tuple[str, object]:
    editor = DesignEditor.open(path, regions=regions)
    try:
        editor.apply(sequence)
    except EditError as exc:
        return "refused", type(exc)
    return "edited", editor.render()


@pytest.fixture(scope="module")
def design(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("props") / "design.yaml"
    path.write_text(DESIGN)
    return path


@settings(max_examples=int(os.environ.get("STORE_PROPERTY_EXAMPLES", "60")), deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=edits())
# cases Hypothesis found: a removed item's comments (before it, after it, after the list's new
# last item) were dropped by one path and kept by the other
@example(sequence=[Remove(("api", "endpoints", 1))])
@example(sequence=[Remove(("api", "endpoints", 2))])
@example(sequence=[Remove(("scope", "use_cases", 0))] * 3)
# emptying a list whose first item had a comment above it wrote `validation: ci_hooks:` (invalid)
@example(sequence=[Remove(("api", "endpoints", 0))] * 4)
@example(sequence=[Set(("scope", "summary"), "Changed."), Remove(("scope", "use_cases", 1)),
                   Remove(("scope", "use_cases", 1))])
def test_region_path_and_whole_file_path_give_the_same_file(design: Path, sequence: list):
    fast = outcome(design, sequence, regions=True)
    whole = outcome(design, sequence, regions=False)
    assert fast[0] == whole[0], (fast, whole)
    if fast[0] == "refused":
        return
    assert yaml.safe_load(fast[1]) == yaml.safe_load(whole[1])
    assert comment_lines(fast[1]) == comment_lines(whole[1])


def test_the_region_path_is_taken_and_the_whole_file_path_is_not(design: Path):
    """Guard the property above against comparing the whole-file path with itself."""
    fast = DesignEditor.open(design)
    fast.apply([Set(("api", "endpoints", 3, "auth"), "public")])
    whole = DesignEditor.open(design, regions=False)
    whole.apply([Set(("api", "endpoints", 3, "auth"), "public")])
    assert (fast.mode, whole.mode) == ("regions", "whole file")
    assert fast.render() == whole.render()


def test_removing_every_endpoint_saves_a_file_that_loads(tmp_path: Path):
    """The last endpoint removed (its list had a comment above the first item) leaves `endpoints: []`
    and the sections after it as they were: the file saves and loads back."""
    from designkit.core.loader import load_design
    from designkit.core.store import edit_design

    path = tmp_path / "design.yaml"
    path.write_text(DESIGN)
    edit_design(path, [Remove(("api", "endpoints", 0))] * 4)
    saved = load_design(path)
    assert saved.design.api.endpoints == [] and [h.name for h in saved.design.validation.ci_hooks] == ["tests"]
    assert "# the end" in path.read_text() and "endpoints: []" in path.read_text()
