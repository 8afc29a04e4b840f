"""The judgment corpus: realistic designs a reviewer passes, and single defects the rules must find.

``tests/judgment/*.yaml`` are four designs of different shapes, each complete enough that a senior
reviewer finds nothing wrong; the check must agree (0 findings: anything else is noise).
``tests/judgment/manifest.yaml`` plants one defect at a time into a copy of one of them (a small
patch: set, remove or append at a key path) and names the rule (or rules, any of which will do)
and the key path a finding must point at. The test applies each patch under tmp, runs the check,
and asserts the defect is found there.

Key paths are written as findings write them (``api.endpoints[3].rate_limit``), and list items may
also be picked by a field, so the manifest survives edits to the designs:
``api.endpoints[id=checkout].rate_limit``, ``persistence.stores[name=orders-db].replicas``.

Run as a script to measure recall (found / planted) and noise (findings per good design):
``python tests/test_judgment.py`` (``-v`` lists every miss and every noisy finding).
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "judgment"
MANIFEST = CORPUS / "manifest.yaml"
DESIGNS = ("checkout", "documents", "telemetry", "ledger")

_STEP = re.compile(r"([^.\[\]]+)|\[([^\]]+)\]")


# --------------------------------------------------------------------------- key paths and patches


def _steps(path: str) -> list[str | int | tuple[str, str]]:
    """``a.b[2].c[name=x]`` -> ``["a", "b", 2, "c", ("name", "x")]``."""
    out: list[str | int | tuple[str, str]] = []
    for name, index in _STEP.findall(path):
        if name:
            out.append(name)
        elif "=" in index:
            key, _, value = index.partition("=")
            out.append((key.strip(), value.strip()))
        else:
            out.append(int(index))
    return out


def resolve(data, path: str) -> str:
    """The key path with every ``[field=value]`` turned into the index it names in ``data``."""
    parts: list[str] = []
    node = data
    for step in _steps(path):
        if isinstance(step, tuple):
            key, value = step
            matches = [i for i, item in enumerate(node or []) if isinstance(item, dict) and str(item.get(key)) == value]
            if len(matches) != 1:
                raise LookupError(f"{path}: {len(matches)} items with {key}={value}")
            step = matches[0]
        if isinstance(step, int):
            parts.append(f"[{step}]")
            node = node[step] if isinstance(node, list) and step < len(node) else None
        else:
            parts.append(("." if parts else "") + step)
            node = node.get(step) if isinstance(node, dict) else None
    return "".join(parts)


def _parent(data, path: str):
    steps = _steps(resolve(data, path))
    node = data
    for step in steps[:-1]:
        node = node[step]
    return node, steps[-1]


def apply_patch(data: dict, ops: list[dict]) -> dict:
    """A copy of ``data`` with each ``{set: path, value: v}``, ``{remove: path}`` or
    ``{append: path, value: v}`` applied in order; a path that does not exist is an error, so a
    patch cannot silently do nothing."""
    data = copy.deepcopy(data)
    for op in ops:
        if "set" in op:
            parent, last = _parent(data, op["set"])
            if isinstance(parent, dict) and last not in parent and not op.get("new", False):
                raise KeyError(f"set {op['set']}: no such key (add `new: true` to create it)")
            parent[last] = op["value"]
        elif "remove" in op:
            parent, last = _parent(data, op["remove"])
            if isinstance(parent, dict) and last not in parent:
                raise KeyError(f"remove {op['remove']}: no such key")
            del parent[last]
        elif "append" in op:
            parent, last = _parent(data, op["append"])
            parent[last].append(op["value"])
        else:
            raise ValueError(f"unknown patch operation {op}")
    return data


def _points_at(found: str, expected: str) -> bool:
    return found == expected or found.startswith(expected + ".") or found.startswith(expected + "[")


# --------------------------------------------------------------------------- running the corpus


def good_design(name: str) -> dict:
    return yaml.safe_load((CORPUS / f"{name}.yaml").read_text(encoding="utf-8"))


def manifest() -> list[dict]:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))["defects"]


def check_data(data: dict, where: Path):
    """Findings of the check on ``data`` written to ``where`` (a real file, as a user has one)."""
    from designkit.core.loader import load_design
    from designkit.rules import run_checks

    where.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return run_checks(load_design(where)).findings


def judge(defect: dict, tmp: Path) -> tuple[bool, str, list]:
    """(found?, the expected key path, the findings) for one planted defect."""
    good = good_design(defect["design"])
    patched = apply_patch(good, defect["patch"])
    try:
        expected = resolve(patched, defect["expect"]["at"])
    except LookupError:        # the patch removed the item the path names: name it as it was
        expected = resolve(good, defect["expect"]["at"])
    findings = check_data(patched, tmp / f"{defect['id']}.yaml")
    rules = set(defect["expect"]["rules"])
    hit = any(f.code in rules and _points_at(f.key_path, expected) for f in findings)
    return hit, expected, findings


def measure(tmp: Path, verbose: bool = False) -> dict:
    noise = {name: check_file(name, tmp) for name in DESIGNS}
    found, missed = [], []
    for defect in manifest():
        try:
            hit, expected, findings = judge(defect, tmp)
        except Exception as exc:    # a patch the old model cannot load counts as missed
            hit, expected, findings = False, f"({type(exc).__name__}: {exc})", []
        (found if hit else missed).append((defect, expected, findings))
    if verbose:
        for name, findings in noise.items():
            for f in findings:
                print(f"NOISE {name}: {f.code} {f.key_path}: {f.message}")
        for defect, expected, findings in missed:
            codes = sorted({f"{f.code}@{f.key_path}" for f in findings})
            print(f"MISSED {defect['id']} ({defect['what']}): want {defect['expect']['rules']} at {expected}; got {codes}")
    planted = len(found) + len(missed)
    return {"planted": planted, "found": len(found), "recall": len(found) / planted if planted else 0.0,
            "noise": {k: len(v) for k, v in noise.items()},
            "noise_per_design": sum(len(v) for v in noise.values()) / len(DESIGNS)}


# --------------------------------------------------------------------------- the tests


def test_manifest_is_well_formed():
    from designkit.rules import registry

    defects = manifest()
    codes = set(registry.codes())
    ids = [d["id"] for d in defects]
    assert len(ids) == len(set(ids)), "defect ids repeat"
    assert len(defects) >= 40
    assert {d["design"] for d in defects} == set(DESIGNS), "every design carries planted defects"
    for d in defects:
        assert set(d) <= {"id", "design", "what", "patch", "expect"}, d["id"]
        assert d["what"] and d["patch"] and d["expect"]["rules"] and d["expect"]["at"], d["id"]
        assert set(d["expect"]["rules"]) <= codes, f"{d['id']} names an unknown rule"


def check_file(name: str, tmp: Path):
    """Findings of the check on a good design's file exactly as written (flow style, comments)."""
    from designkit.core.loader import load_design
    from designkit.rules import run_checks

    path = tmp / f"{name}.yaml"
    path.write_text((CORPUS / f"{name}.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return run_checks(load_design(path)).findings


def test_good_designs_have_no_findings(tmp_path):
    for name in DESIGNS:
        findings = check_file(name, tmp_path)
        assert not findings, f"{name}: " + "; ".join(f"{f.code} {f.key_path}: {f.message}" for f in findings)


def test_patches_change_the_design():
    """A patch that leaves the design as it was would make its defect test meaningless."""
    for d in manifest():
        good = good_design(d["design"])
        assert apply_patch(good, d["patch"]) != good, d["id"]


def pytest_generate_tests(metafunc):
    if "defect" in metafunc.fixturenames:
        metafunc.parametrize("defect", [d for d in manifest()], ids=[d["id"] for d in manifest()])


def test_planted_defect_is_found_at_its_path(defect, tmp_path):
    hit, expected, findings = judge(defect, tmp_path)
    assert hit, (f"{defect['what']}: no {'/'.join(defect['expect']['rules'])} finding at {expected}; got "
                 + "; ".join(f"{f.code} {f.key_path}" for f in findings))


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        result = measure(Path(tmp), verbose="-v" in sys.argv)
    print(f"recall {result['found']}/{result['planted']} = {result['recall']:.0%}; "
          f"noise {sum(result['noise'].values())} findings on {len(DESIGNS)} good designs "
          f"({result['noise_per_design']:.2f} per design: {result['noise']})")


def test_good_designs_reach_the_ddl_whole(tmp_path):
    """0 findings must mean the generated schema is whole: every table of a relational store, the
    idempotency-key tables included, is created by the DDL (a ledger once passed while its DDL left
    the idempotency table out)."""
    from designkit.core.loader import load_design
    from designkit.core.model import RELATIONAL_STORE_KINDS
    from designkit.outputs.exporters.sql import render_sql

    for name in DESIGNS:
        path = tmp_path / f"{name}.yaml"
        path.write_text((CORPUS / f"{name}.yaml").read_text(encoding="utf-8"), encoding="utf-8")
        design = load_design(path).design
        kinds = {s.name: s.kind for s in design.persistence.stores}
        wanted = {t.name for t in design.persistence.tables if kinds.get(t.store) in RELATIONAL_STORE_KINDS}
        wanted |= {s.table for s in design.persistence.idempotency}
        created = set(re.findall(r"CREATE TABLE (\w+)", render_sql(design)))
        assert wanted and wanted <= created, f"{name}: the DDL leaves out {sorted(wanted - created)}"
