"""The cached core schema of the design model validates exactly as pydantic's own build does.

Each run is a fresh process (the model classes are built once per process). The cache goes
under ``PYTHONPYCACHEPREFIX`` in tmp, where the model's bytecode goes too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import EXAMPLES

SCRIPT = r"""
import json, sys
from designkit.core.errors import DesignFileError
from designkit.core.loader import load_design_text
from designkit.rules import run_checks
out = []
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    document = load_design_text(text, path)
    result = run_checks(document)
    out.append([document.design.model_dump(mode="json"), [f.message for f in result.findings]])
tiny = load_design_text("name: tiny\n", "tiny.yaml")   # every section made by its default factory
out.append([tiny.design.model_dump(mode="json"), [f.message for f in run_checks(tiny).findings]])
bad = "name: x\nscope:\n  teir: A\n  tier: Q\napi:\n  endpoints:\n  - {method: GET, path: nope, audit: {records: [who]}}\n"
try:
    load_design_text(bad, "bad.yaml")
except DesignFileError as exc:
    out.append(exc.format())
print(json.dumps(out))
"""


def _run(tmp_path, *, cache: bool) -> tuple[str, list]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    if cache:
        env["PYTHONPYCACHEPREFIX"] = str(tmp_path / "pycache")
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.run([sys.executable, "-c", SCRIPT, *map(str, EXAMPLES)], env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    return proc.stdout, sorted((tmp_path / "pycache").rglob("model.core-schema.*.pickle"))


def test_cached_schema_validates_as_pydantic_builds_it(tmp_path):
    plain, none = _run(tmp_path, cache=False)
    assert none == []                                   # -B: nothing written
    first, written = _run(tmp_path, cache=True)         # builds, then writes the cache
    assert len(written) == 1
    stamp = written[0].stat().st_mtime_ns
    second, kept = _run(tmp_path, cache=True)           # reads the cache
    assert kept == written and kept[0].stat().st_mtime_ns == stamp
    assert first == plain and second == plain
    results = json.loads(plain)
    assert "unknown key 'teir'" in results[-1] and "'Q' is not allowed here" in results[-1]


def test_unreadable_cache_is_rebuilt(tmp_path):
    plain, _ = _run(tmp_path, cache=False)
    _, (path,) = _run(tmp_path, cache=True)
    path.write_bytes(b"not a pickle")
    again, (rewritten,) = _run(tmp_path, cache=True)
    assert again == plain
    assert rewritten == path and rewritten.read_bytes() != b"not a pickle"
