"""The OTM export: Open Threat Model 0.2.0 JSON of the derived threat model.

The official OTM JSON Schema is not published on PyPI or npm, so these tests check the structure
the 0.2.0 specification requires (required keys and their types, parents that exist, references
that resolve) rather than validating against a vendored schema file.
"""

from __future__ import annotations

import json

import pytest
from conftest import EXAMPLES, WEBHOOK

from designkit.core.loader import load_design
from designkit.outputs.exporters import export, exporters
from designkit.outputs.exporters.otm import build_otm
from designkit.threats import build_threat_model


def _otm(path=WEBHOOK):
    return build_otm(load_design(path).design)


def _number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_otm_has_the_structure_the_specification_requires(path):
    doc = _otm(path)
    assert doc["otmVersion"] == "0.2.0"
    assert isinstance(doc["project"]["name"], str) and isinstance(doc["project"]["id"], str)
    for r in doc["representations"]:
        assert {"name", "id", "type"} <= set(r)
    zones = {z["id"] for z in doc["trustZones"]}
    assert all(_number(z["risk"]["trustRating"]) and z["name"] for z in doc["trustZones"])
    assets = {a["id"] for a in doc["assets"]}
    for a in doc["assets"]:
        assert all(_number(a["risk"][k]) for k in ("confidentiality", "integrity", "availability"))
    threats = {t["id"] for t in doc["threats"]}
    assert len(threats) == len(doc["threats"])
    for t in doc["threats"]:
        assert t["name"] and _number(t["risk"]["impact"]) and "likelihood" in t["risk"]
    mitigations = {m["id"] for m in doc["mitigations"]}
    assert all(m["name"] and _number(m["riskReduction"]) for m in doc["mitigations"])

    components = {c["id"] for c in doc["components"]}
    instances = []
    for c in doc["components"]:
        assert {"id", "name", "type", "parent"} <= set(c)
        assert list(c["parent"]) == ["trustZone"] and c["parent"]["trustZone"] in zones
        assert set(c.get("assets", {}).get("stored", [])) <= assets
        instances += c["threats"]
    for f in doc["dataflows"]:
        assert {"id", "name", "source", "destination"} <= set(f)
        assert f["source"] in components and f["destination"] in components
        assert isinstance(f["bidirectional"], bool) and set(f["assets"]) <= assets
        instances += f["threats"]
    assert sorted(i["threat"] for i in instances) == sorted(threats)   # each threat attached once
    for i in instances:
        assert i["state"] in ("Exposed", "Mitigated", "Accepted", "NotApplicable")
        assert all(m["mitigation"] in mitigations and m["state"] in ("Implemented", "Required", "Recommended")
                   for m in i["mitigations"])
    json.dumps(doc)   # plain JSON all the way down


def test_otm_states_the_provider_spoofing_threat_as_mitigated_by_signature_verification():
    doc = _otm()
    stripe = next(c for c in doc["components"] if c["id"] == "provider.stripe")
    assert stripe["parent"] == {"trustZone": "third-party"}
    spoof = next(i for i in stripe["threats"] if i["threat"] == "provider.stripe/S")
    assert spoof == {"threat": "provider.stripe/S", "state": "Mitigated",
                     "mitigations": [{"mitigation": "signature-verification", "state": "Implemented"}]}
    accepted = next(i for c in doc["components"] for i in c["threats"] if i["threat"] == "store.rate-limit-cache/I")
    assert accepted["state"] == "Accepted"


def test_otm_marks_missing_required_mitigations_as_required():
    doc = _otm(WEBHOOK.parents[1] / "incomplete-draft" / "design.yaml")
    db = next(c for c in doc["components"] if c["id"] == "store.db")
    disclosure = next(i for i in db["threats"] if i["threat"] == "store.db/I")
    assert disclosure["state"] == "Exposed"
    assert {"mitigation": "encryption-at-rest", "state": "Required"} in disclosure["mitigations"]
    assert "data-pii" in db["assets"]["stored"]


def test_otm_is_a_registered_exporter_and_a_standard_artifact(tmp_path):
    assert "otm" in exporters.kinds()
    (path,) = export("otm", load_design(WEBHOOK), tmp_path / "tm.otm.json")
    model = build_threat_model(load_design(WEBHOOK).design)
    assert len(json.loads(path.read_text())["threats"]) == len(model.threats)
