"""``designkit diff``: the check catalogue against its fixtures, the formats, git revisions, levels."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import EXAMPLES, ROOT, WEBHOOK, run_cli

import designkit
from designkit.core.loader import load_design_text
from designkit.diff import CheckDefinitionError, CheckRegistry, check, registry, run_diff
from designkit.diff.docs import render_diff_markdown

FIXTURES = ROOT / "tests" / "diff_fixtures"
SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
_CASE_KEYS = {"check", "expect", "name", "old", "new", "changes"}


def _cases():
    for path in sorted(FIXTURES.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            yield path.stem, case


def _document(data: dict, file: str):
    data = {"name": "x", **data}
    return load_design_text(yaml.safe_dump(data, sort_keys=False), file)


def _diff(case):
    return run_diff(_document(case["old"], "old.yaml"), _document(case["new"], "new.yaml"))


# --------------------------------------------------------------------------- the catalogue


@pytest.mark.parametrize("case", [pytest.param(c, id=f"{c['check']}-{c['expect']}-{c['name']}")
                                  for _, c in _cases()])
def test_fixture_case(case):
    assert set(case) == _CASE_KEYS, set(case) ^ _CASE_KEYS
    codes = {c.code for c in _diff(case).changes}
    assert (case["check"] in codes) == (case["expect"] == "fire")
    assert codes == set(case["changes"]), f"reported {sorted(codes)}"


def test_every_check_has_a_case_that_fires_it_and_one_that_does_not():
    seen: dict[str, set[str]] = {}
    for _, case in _cases():
        assert case["check"] in registry, f"fixture names no check: {case['check']}"
        assert case["expect"] in ("fire", "quiet")
        seen.setdefault(case["check"], set()).add(case["expect"])
    missing = [c.code for c in registry if seen.get(c.code) != {"fire", "quiet"}]
    assert not missing, f"checks without both a firing and a quiet fixture: {missing}"


def test_the_catalogue_is_large_and_documented():
    assert len(registry) >= 60
    assert {c.level for c in registry} == {"breaking", "warning", "info"}
    for c in registry:
        assert c.title.endswith(".") and c.rationale and c.fix, c.code


def test_the_registry_refuses_duplicates_and_undocumented_checks():
    reg = CheckRegistry()

    @check("DIFF900", "some-change", "info", area="data")
    def documented(ctx):
        """A change.

        Why: it matters.
        Fix: do this.
        """
        return []

    reg.register(documented)
    with pytest.raises(CheckDefinitionError, match="already registered"):
        reg.register(documented)

    @check("DIFF901", "undocumented", "info", area="data")
    def bare(ctx):
        """Only a title."""
        return []

    with pytest.raises(CheckDefinitionError, match="rationale, fix"):
        reg.register(bare)
    with pytest.raises(designkit.RegistryError, match="unknown diff check 'DIFF999'"):
        reg.get("DIFF999")


def test_docs_diff_md_is_generated_from_the_registry():
    committed = (ROOT / "docs" / "diff.md").read_text(encoding="utf-8")
    assert committed == render_diff_markdown(), (
        "docs/diff.md is stale; regenerate it with: make diff-doc")
    out = subprocess.run([designkit_python(), "-m", "designkit.diff", "--markdown"], capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout
    assert out == committed and "### DIFF001 `endpoint-removed`" in out


def designkit_python() -> str:
    import sys
    return sys.executable


# --------------------------------------------------------------------------- whole designs


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_a_design_against_itself_has_no_changes(path):
    assert designkit.diff(path, path).changes == []


def _mutated_webhook(tmp_path: Path) -> Path:
    """The webhook example without its health check, listEvents' cursor cut to 100, ingestion made public."""
    data = yaml.safe_load(WEBHOOK.read_text(encoding="utf-8"))
    eps = data["api"]["endpoints"]
    replay = next(e for e in eps if e["id"] == "replayEvent")
    replay["path"] = "/v1/events/{id}/replay"           # a renamed path parameter: the same endpoint
    replay["parameters"][0]["name"] = "id"
    listing = next(e for e in eps if e["id"] == "listEvents")
    next(p for p in listing["parameters"] if p["name"] == "cursor")["max_length"] = 100
    ingest = next(e for e in eps if e["id"] == "ingestWebhook")
    ingest["auth"] = "public"
    eps.remove(next(e for e in eps if e["id"] == "health"))
    path = tmp_path / "design.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_a_realistic_change_is_classified_and_located(tmp_path):
    new = _mutated_webhook(tmp_path)
    result = designkit.diff(WEBHOOK, new)
    by_code = {c.code: c for c in result.changes}
    assert set(by_code) == {"DIFF001", "DIFF022", "DIFF027", "DIFF036", "DIFF061"}
    removed = by_code["DIFF001"]
    assert removed.level == "breaking" and "GET /healthz (health)" in removed.message
    assert removed.old.file == str(WEBHOOK) and removed.old.key_path == "api.endpoints[3]"
    assert WEBHOOK.read_text().splitlines()[removed.old.line - 1].strip() == "- id: health"
    narrowed = by_code["DIFF036"]
    assert narrowed.new.key_path.endswith(".max_length") and "from 200 to 100" in narrowed.message
    assert "3 breaking API change(s) (DIFF001, DIFF036, DIFF061) but the version is still v1" in by_code["DIFF022"].message
    assert result.counts() == {"breaking": 3, "warning": 1, "info": 1}
    assert [c.level for c in result.changes] == sorted((c.level for c in result.changes),
                                                       key=["breaking", "warning", "info"].index)


# --------------------------------------------------------------------------- the command


@pytest.mark.parametrize(("fail_on", "code"), [("never", 0), ("breaking", 1), ("warning", 1)])
def test_fail_on_sets_the_exit_code(tmp_path, fail_on, code):
    new = _mutated_webhook(tmp_path)
    assert run_cli("diff", WEBHOOK, new, "--fail-on", fail_on).returncode == code


def test_fail_on_breaking_passes_a_compatible_change(tmp_path):
    data = yaml.safe_load(WEBHOOK.read_text(encoding="utf-8"))
    data["api"]["endpoints"][1]["deprecated"] = True
    new = tmp_path / "design.yaml"
    new.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    run = run_cli("diff", WEBHOOK, new, "--fail-on", "breaking")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "info DIFF006 endpoint-deprecated: GET /v1/events (listEvents) is now deprecated" in run.stdout


def test_text_names_file_line_level_and_fix(tmp_path):
    new = _mutated_webhook(tmp_path)
    out = run_cli("diff", WEBHOOK, new).stdout
    assert out.splitlines()[0].endswith(": 3 breaking, 1 warning, 1 info")
    line = next(x for x in out.splitlines() if "DIFF061" in x)
    assert line.startswith(f"{new}:") and "breaking DIFF061 auth-removed:" in line
    assert "fix: Restore the auth scheme" in out


def test_json_lists_every_change_with_both_locations(tmp_path):
    new = _mutated_webhook(tmp_path)
    data = json.loads(run_cli("diff", WEBHOOK, new, "--format", "json").stdout)
    assert data["counts"] == {"breaking": 3, "warning": 1, "info": 1}
    renamed = next(c for c in data["changes"] if c["code"] == "DIFF027")
    assert renamed["old"]["key_path"].startswith("api.endpoints[2].parameters[0]")
    assert renamed["new"]["file"] == str(new) and renamed["new"]["line"] > 1


def test_sarif_is_valid_2_1_0_and_points_into_the_new_design(tmp_path):
    new = _mutated_webhook(tmp_path)
    log = json.loads(run_cli("diff", WEBHOOK, new, "--format", "sarif").stdout)
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert len(rules) == len(registry)
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
    removed = next(r for r in run["results"] if r["ruleId"] == "DIFF001")
    loc = removed["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == str(new) and removed["level"] == "error"
    # A removal points at the list it left in the new design.
    assert new.read_text().splitlines()[loc["region"]["startLine"] - 1].strip() == "endpoints:"


def test_markdown_is_a_pull_request_comment(tmp_path):
    new = _mutated_webhook(tmp_path)
    out = run_cli("diff", WEBHOOK, new, "--format", "markdown").stdout
    assert out.startswith("### designkit diff: 3 breaking, 1 warning, 1 info")
    rows = [x for x in out.splitlines() if x.startswith("| **")]
    assert len(rows) == 5 and rows[0].startswith("| **breaking** |")
    assert "<summary>How to fix</summary>" in out and "DIFF027" not in out.split("How to fix")[1]


def test_bad_input_names_the_file_and_line_and_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\napi:\n  endpoints:\n    - {method: FETCH, path: /a}\n", encoding="utf-8")
    run = run_cli("diff", WEBHOOK, bad)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert f"{bad}:4: api.endpoints[0].method" in run.stderr
    assert run_cli("diff", tmp_path / "missing.yaml", WEBHOOK).returncode == 2


# --------------------------------------------------------------------------- git revisions


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    if shutil.which("git") is None:
        pytest.fail("git is needed for designkit diff REV:PATH")
    root = tmp_path / "repo"
    (root / "svc").mkdir(parents=True)
    _git(root, "init", "-q")
    _git(root, "config", "user.email", "t@example.com")
    _git(root, "config", "user.name", "t")
    shutil.copy(WEBHOOK, root / "svc" / "design.yaml")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "first")
    return root


def test_a_git_revision_is_read_from_the_files_own_repository(repo, tmp_path):
    design = repo / "svc" / "design.yaml"
    data = yaml.safe_load(design.read_text())
    data["api"]["endpoints"] = [e for e in data["api"]["endpoints"] if e["id"] != "health"]
    design.write_text(yaml.safe_dump(data, sort_keys=False))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = run_cli("diff", f"HEAD:{design}", design, "--fail-on", "breaking", cwd=elsewhere)
    assert run.returncode == 1, run.stderr
    assert f"HEAD:{design}:" in run.stdout and "DIFF001 endpoint-removed: GET /healthz (health)" in run.stdout
    # The old side's lines are the committed file's lines.
    line = int(run.stdout.split(f"HEAD:{design}:")[1].split(":")[0])
    assert WEBHOOK.read_text().splitlines()[line - 1].strip() == "- id: health"
    relative = run_cli("diff", "HEAD:svc/design.yaml", "svc/design.yaml", cwd=repo)
    assert relative.returncode == 0 and "1 breaking" in relative.stdout


def test_a_bad_revision_is_one_line_and_exit_2(repo):
    run = run_cli("diff", "NOPE~3:svc/design.yaml", "svc/design.yaml", cwd=repo)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith("error: cannot read NOPE~3:svc/design.yaml from git:")


# --------------------------------------------------------------------------- levels from the design


def test_the_new_design_overrides_a_checks_level(tmp_path):
    new = _mutated_webhook(tmp_path)
    new.write_text(new.read_text() + "diff:\n  levels: {DIFF001: warning, auth-removed: info, DIFF036: info}\n")
    result = designkit.diff(WEBHOOK, new)
    levels = {c.code: (c.level, c.default_level) for c in result.changes}
    assert levels["DIFF001"] == ("warning", "breaking") and levels["DIFF061"] == ("info", "breaking")
    assert run_cli("diff", WEBHOOK, new, "--fail-on", "breaking").returncode == 0
    assert run_cli("diff", WEBHOOK, new, "--fail-on", "warning").returncode == 1


def test_an_unknown_check_in_levels_is_the_files_error(tmp_path):
    new = tmp_path / "design.yaml"
    new.write_text(WEBHOOK.read_text() + "diff:\n  levels:\n    DIFF999: info\n")
    run = run_cli("diff", WEBHOOK, new)
    assert run.returncode == 2
    assert f"{new}:" in run.stderr and "diff.levels.DIFF999: no diff check is called 'DIFF999'" in run.stderr
    bad_level = tmp_path / "level.yaml"
    bad_level.write_text(WEBHOOK.read_text() + "diff: {levels: {DIFF001: fatal}}\n")
    assert run_cli("diff", WEBHOOK, bad_level).returncode == 2


def test_the_public_function_takes_documents_and_the_package_stays_importable():
    document = designkit.load_design(WEBHOOK)
    result = designkit.diff(document, document)
    assert isinstance(result, designkit.DiffResult) and result.fails("warning") is False
    import designkit.diff as package
    assert package.registry is registry and designkit.diff(WEBHOOK, WEBHOOK).counts()["breaking"] == 0
