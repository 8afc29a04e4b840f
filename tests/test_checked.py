"""The load, check and derived values a batch run makes once and its steps share (outputs/checked.py)."""

from __future__ import annotations

from designkit.core.loader import load_design
from designkit.core.steps import get_step
from designkit.outputs.checked import design_dump, load_checked, save_checked, shared
from designkit.rules import run_checks


def test_the_shared_check_is_read_back_only_while_the_design_is_unchanged(design, tmp_path):
    document = load_design(design)
    checked = run_checks(document)
    path = save_checked(document, checked, tmp_path / "checked.pickle")
    loaded, result = load_checked(path, design)
    assert loaded.design == document.design and result == checked
    design.write_text(design.read_text() + "\n# edited since\n")
    assert load_checked(path, design) is None


def test_a_shared_value_is_made_once_per_design_version(tmp_path):
    checked = tmp_path / "checked.pickle"
    made = []

    def make():
        made.append(1)
        return {"n": len(made)}

    assert shared(checked, "digest-1", "thing", make) == {"n": 1}
    assert shared(checked, "digest-1", "thing", make) == {"n": 1}       # read back, not made again
    assert shared(checked, "digest-2", "thing", make) == {"n": 2}       # the design changed: made anew
    assert shared("", "digest-2", "thing", make) == {"n": 3}            # outside a run: always made
    assert len(made) == 3


def test_a_step_result_is_the_same_from_the_shared_dump(design, tmp_path):
    from designkit.jupyter.notebook import open_step

    document = load_design(design)
    checked = save_checked(document, run_checks(document), tmp_path / "checked.pickle")
    design_dump(document, checked)                      # what the runner does before the steps start
    for step in ("scope", "api", "reliability"):
        alone = open_step(step, design, tmp_path / "a").step_result()
        in_run = open_step(step, design, tmp_path / "b", checked=checked).step_result()
        assert in_run == alone and in_run[get_step(step).section]
