"""What a check's imports compile comes from a cache, and behaves as if compiled.

``designkit.core.startcache`` keeps the compiled code of the patterns imported modules make and
of the methods ``dataclasses`` writes, and uses them on the next start. The subprocess tests run the real
entry point with the cache under ``PYTHONPYCACHEPREFIX`` in tmp; the in-process ones point the
cache at a file in tmp and purge ``re``'s cache around each use.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import typing

import pytest
from conftest import EXAMPLES

from designkit.core import startcache


def _check(tmp_path, example, *, cache: bool) -> tuple[str, list]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    if cache:
        env["PYTHONPYCACHEPREFIX"] = str(tmp_path / "pycache")
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.run([sys.executable, "-m", "designkit", "check", str(example), "--format", "json",
                           "--fail-on", "never"], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, sorted((tmp_path / "pycache").rglob("startup.*"))


@pytest.mark.parametrize("example", EXAMPLES[:2], ids=lambda p: p.parent.name)
def test_check_reports_the_same_with_the_cache(tmp_path, example):
    plain, none = _check(tmp_path, example, cache=False)
    assert none == []                                           # -B: nothing written
    first, written = _check(tmp_path, example, cache=True)      # compiles, then writes the cache
    assert len(written) == 1
    stamp = written[0].stat().st_mtime_ns
    second, kept = _check(tmp_path, example, cache=True)        # reads it, writes nothing
    assert kept == written and kept[0].stat().st_mtime_ns == stamp
    assert first == plain and second == plain


PATTERNS = [(r"(?P<key>[a-z_]+)\s*[:=]\s*(?P<value>\S+)", re.IGNORECASE),
            (r"[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]", 0),
            (rb"^\x00?(ab|cd)+$", re.MULTILINE),
            (r"(?x) \d+ (?:\.\d+)?  # a number, test_startcache", 0)]


@pytest.fixture()
def cache_file(tmp_path, monkeypatch):
    path = tmp_path / "pycache" / "startup.test.marshal"
    monkeypatch.setattr(startcache, "_cache_file", lambda: str(path))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    re.purge()
    yield path
    re.purge()


def _compile_all():
    with startcache.primed():
        return [re.compile(p, f) for p, f in PATTERNS]


def test_patterns_from_the_cache_equal_compiled_ones(cache_file):
    compiled = _compile_all()
    assert cache_file.is_file()
    re.purge()
    with startcache.primed():
        ready = {key for key in re._cache}
        again = [re.compile(p, f) for p, f in PATTERNS]
    assert all((type(p), p, int(f)) in ready for p, f in PATTERNS)   # there before any compile
    for new, old in zip(again, compiled, strict=True):
        assert new == old and new is not old        # equal compiled code, made from the file
        assert new.groupindex == old.groupindex and new.flags == old.flags
    assert again[0].match("Name = x").group("value") == "x"
    assert again[1].search("ok\x07") and not again[1].search("ok")
    assert again[2].match(b"\x00abcd") and not again[2].match(b"ab\x00")


def test_nothing_is_written_without_bytecode(cache_file, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    _compile_all()
    assert not cache_file.exists()


def test_a_pattern_that_does_not_rebuild_equal_is_not_kept(cache_file, monkeypatch):
    from re import _compiler, _parser

    real = _compiler._code
    other = real(_parser.parse("other"), 0)
    with startcache.primed():
        [re.compile(p, f) for p, f in PATTERNS]
        # what the cache would keep for the first pattern now differs from what re compiled
        monkeypatch.setattr(_compiler, "_code", lambda p, flags: other if p.state.groups == 3 else real(p, flags))
    monkeypatch.setattr(_compiler, "_code", real)
    re.purge()
    with startcache.primed():
        ready = set(re._cache)
    assert (str, PATTERNS[0][0], int(PATTERNS[0][1])) not in ready     # its rebuild differed
    assert (str, PATTERNS[1][0], 0) in ready


def test_a_damaged_cache_is_ignored_and_rewritten(cache_file):
    cache_file.parent.mkdir(parents=True)
    cache_file.write_bytes(b"\x00not marshal")
    compiled = _compile_all()
    assert cache_file.read_bytes() != b"\x00not marshal"
    re.purge()
    assert _compile_all() == compiled


def _point():
    with startcache.primed():
        @dataclasses.dataclass(frozen=True)
        class Point:
            x: int
            y: int = 0
            tags: list = dataclasses.field(default_factory=list)

        Point.ref = typing.ForwardRef("dict[str, Point] | None")   # typing compiles it
    return Point


def test_dataclass_methods_and_annotations_from_the_cache_work_as_compiled(cache_file, monkeypatch):
    first = _point()
    assert cache_file.is_file()
    compiled = []
    monkeypatch.setattr(startcache, "compile", lambda *a, **k: compiled.append(a) or compile(*a, **k),
                        raising=False)
    second = _point()
    assert compiled == []                          # every method came from the file
    assert "exec" not in vars(dataclasses) and "compile" not in vars(typing)   # themselves again
    for cls in (first, second):
        p = cls(1, tags=["a"])
        assert (p.x, p.y, p.tags) == (1, 0, ["a"]) and p == cls(1, 0, ["a"]) and p != cls(2)
        assert repr(p).endswith("Point(x=1, y=0, tags=['a'])") and hash(cls(1, 2, None)) == hash(cls(1, 2, None))
        with pytest.raises(dataclasses.FrozenInstanceError):
            p.x = 3
        assert typing._eval_type(cls.ref, {"Point": cls}, None) == dict[str, cls] | None
    assert second.__init__.__code__ == first.__init__.__code__
    assert second.ref.__forward_code__ == first.ref.__forward_code__


def test_no_entries_are_made_where_the_cache_cannot_be_written(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(startcache, "_cache_file", lambda: str(blocker / "pycache" / "startup.x.marshal"))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    made = []
    monkeypatch.setattr(startcache, "_new_patterns", lambda keys: made.append(keys) or [])
    re.purge()
    try:
        patterns = _compile_all()
    finally:
        re.purge()
    assert made == [] and blocker.read_text() == "not a folder"
    assert patterns[0].match("a: b").group("value") == "b"
