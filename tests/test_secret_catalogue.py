"""The secret scan (SEC006) against a catalogue of planted secrets and innocent look-alikes.

``tests/data/secrets/planted.yaml`` is a loadable design whose lines ending in
``# planted: KIND`` each hold a fake, pattern-valid secret of that kind (several kinds when the
marker lists several); ``innocent.yaml`` holds ids, digests, placeholders, references and prose
that look like secrets and are not. Every planted secret must be reported at its line with its
kind, and nothing else; nothing in the innocent file may be reported.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from designkit.core.loader import load_design, load_design_text
from designkit.rules import run_checks
from designkit.rules.secret_patterns import DETECTORS, scan

DATA = Path(__file__).resolve().parent / "data" / "secrets"
_MARKER = re.compile(r"# (planted|innocent): ([a-z0-9-]+(?: [a-z0-9-]+)*)\s*$")
_LABELS = {d.label: d.id for d in DETECTORS}


def _markers(path: Path, which: str) -> set[tuple[int, str]]:
    out = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        m = _MARKER.search(line)
        if m and m.group(1) == which:
            out.update((number, kind) for kind in m.group(2).split())
    return out


def _sec006(path: Path):
    result = run_checks(load_design(path), today=dt.date(2026, 12, 1))
    return [f for f in result.findings if f.code == "SEC006"]


def _kind(message: str) -> str:
    label = next((lbl for lbl in _LABELS if message.startswith(lbl + " (")), None)
    assert label, f"a finding names its kind first: {message}"
    return _LABELS[label]


def test_the_catalogue_is_large_and_varied():
    planted = _markers(DATA / "planted.yaml", "planted")
    assert len(planted) >= 150 and len({k for _, k in planted}) >= 25
    assert len(_markers(DATA / "innocent.yaml", "innocent")) >= 100
    # every detector has planted examples, so a new detector cannot ship untested
    assert {d.id for d in DETECTORS} <= {k for _, k in planted}


def test_every_planted_secret_is_found_at_its_line_with_its_kind():
    path = DATA / "planted.yaml"
    found = {(f.line, _kind(f.message)) for f in _sec006(path)}
    expected = _markers(path, "planted")
    assert sorted(expected - found) == [], "missed"
    assert sorted(found - expected) == [], "reported where nothing was planted"


def test_no_innocent_look_alike_is_reported():
    findings = _sec006(DATA / "innocent.yaml")
    assert [(f.line, f.message) for f in findings] == []


def test_findings_never_show_a_secret_in_full():
    path = DATA / "planted.yaml"
    messages = [f.message for f in _sec006(path)]
    secrets = [f.secret for f in scan(path.read_text(encoding="utf-8"))]
    assert len(secrets) > 100
    for secret in (s for s in secrets if len(s) >= 8):    # shorter ones are words of the labels
        assert not any(secret in m for m in messages), secret[:6]
    for message in messages:
        assert re.search(r"\(.*\d+ characters, value not shown\)", message), message


@pytest.mark.parametrize("escaped", [
    r'"ghp\x5faB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"',
    r'"gh\u0070_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"',
    r'"{\"api_key\": \"9c1f4e7a2b8d5c3f6e0a1b4d7c2e5f8a\"}"',
])
def test_a_yaml_escape_does_not_hide_a_secret(escaped):
    text = f"name: x\nscope:\n  use_cases:\n    - plain text\n    - {escaped}\n"
    result = run_checks(load_design_text(text), today=dt.date(2026, 12, 1))
    (finding,) = [f for f in result.findings if f.code == "SEC006"]
    assert (finding.key_path, finding.line) == ("scope.use_cases[1]", 5)


@pytest.mark.parametrize(("text", "kind"), [
    ("postgres://user:pass@db/app", "url-password"),
    ("postgres://user:changeme@db/app", "url-password"),
    ("postgres://user:${DB_PASSWORD}@db/app", None),
    ("postgres://db.internal/app", None),
    ("the password is Hunter2!x", "password-prose"),
    ("the password is hashed with argon2id", None),
    ("password: kv/app/db", None),
    ("Authorization: Bearer 9c1f4e7a2b8d5c3f6e0a1b4d7c2e", "bearer-token"),
    ("Authorization: Bearer <token>", None),
    ("key id AKIAQWERTYUIOPASDFGH, aws secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws-access-key-id"),
    ("commit 9fceb02d0ae598e95dc970b74767f19372d61af8 on aws", None),
])
def test_contextual_secrets_and_their_look_alikes(text, kind):
    found = scan(text)
    assert (found[0].detector.id if found else None) == kind
