"""Compiled regular expressions kept beside the bytecode, for the start of ``designkit check``.

A check compiles about a hundred and twenty regular expressions, most of them as modules are
imported (PyYAML's reader and resolver, the rules' patterns, the standard library's): a tenth
of its start-up, spent in ``re``'s parser and compiler, which are written in Python. What they
produce is a list of integers that ``_sre.compile`` turns into a pattern object in microseconds.
:func:`primed` keeps those lists in a file and, before the imports, puts the pattern objects
made from them in ``re``'s own cache, where ``re.compile`` looks first; the first run (or a run
that meets a pattern the file does not hold) writes the file when it ends.

Never stale: an entry is found by the pattern's text and flags, and the code a pattern compiles
to depends on nothing else but the Python that compiles it, which names the file (its version,
build and the ``_sre`` magic number). Never wrong: an entry is written only when the pattern
rebuilt from it is equal to the one ``re`` compiled (patterns compare by their compiled code),
so a Python whose ``re`` works otherwise writes nothing. Kept like a ``.pyc`` (as
``core/compiled.py`` keeps the model's validator): in this folder's ``__pycache__`` (honouring
``PYTHONPYCACHEPREFIX``), not written when Python writes no bytecode, trusted no more than the
bytecode beside it. Anything unexpected (no file, a damaged one, a folder that cannot be
written) leaves ``re`` to compile as it always does.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import re
import sys

_PREFIX = "re-patterns."
_MAX_ENTRIES = 1000      # a file that keeps growing (patterns made from data) starts again


def _cache_file() -> str | None:
    try:
        import _sre
        from importlib.util import cache_from_source

        tag = f"{sys.version}|{sys.implementation.cache_tag}|{_sre.MAGIC}|{_sre.CODESIZE}"
        folder = os.path.dirname(cache_from_source(__file__))
    except Exception:  # no cache tag (bytecode caching off in this Python), no _sre: no cache
        return None
    digest = 0
    for char in tag.encode():          # a stable name without importing hashlib (2 ms)
        digest = (digest * 131 + char) % (1 << 61)
    return os.path.join(folder, f"{_PREFIX}{digest:016x}.marshal")


def _read(path: str) -> list:
    try:
        with open(path, "rb") as fh:
            entries = marshal.loads(fh.read())
    except Exception:  # missing, partial or damaged: compile as usual
        return []
    return entries if isinstance(entries, list) else []


def _rebuild(entry):
    """The pattern object an entry describes (``_sre.compile`` is what ``re.compile`` ends in)."""
    import _sre

    pattern, _, final_flags, code, groups, groupindex = entry
    indexgroup = [None] * (groups + 1)
    for name, index in groupindex.items():
        indexgroup[index] = name
    return _sre.compile(pattern, final_flags, code, groups, groupindex, tuple(indexgroup))


def _prime(entries: list) -> set:
    """Put the patterns rebuilt from ``entries`` into ``re``'s cache; return their keys."""
    primed = set()
    cache = re._cache
    for entry in entries:
        try:
            key = (type(entry[0]), entry[0], entry[1])
            if key not in cache:
                cache[key] = _rebuild(entry)
            primed.add(key)
        except Exception:  # an entry this Python cannot use: re compiles that one itself
            continue
    return primed


def _entry(key, compiled):
    """What rebuilds ``compiled`` (the pattern ``re`` made for ``key``), or None."""
    from re import _compiler, _parser

    kind, pattern, flags = key
    if kind not in (str, bytes) or not isinstance(flags, int):
        return None
    parsed = _parser.parse(pattern, flags)
    code = [int(op) for op in _compiler._code(parsed, flags)]   # some are int subclasses
    groupindex = dict(parsed.state.groupdict)
    entry = (pattern, flags, flags | parsed.state.flags, code, parsed.state.groups - 1, groupindex)
    rebuilt = _rebuild(entry)
    if rebuilt != compiled or dict(rebuilt.groupindex) != dict(compiled.groupindex):
        return None
    return entry


def _write(path: str, old: list, primed: set) -> None:
    new = []
    for key, compiled in list(re._cache.items()):
        if key not in primed:
            with contextlib.suppress(Exception):
                entry = _entry(key, compiled)
                if entry is not None:
                    new.append(entry)
    if not new:
        return
    entries = (old if len(old) + len(new) <= _MAX_ENTRIES else []) + new
    try:
        payload = marshal.dumps(entries)
        from .files import atomic_write

        os.makedirs(os.path.dirname(path), exist_ok=True)
        atomic_write(path, payload)
        os.chmod(path, os.stat(__file__).st_mode & 0o666)   # readable as the bytecode is
        for name in os.listdir(os.path.dirname(path)):
            if name.startswith(_PREFIX) and name != os.path.basename(path):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(os.path.dirname(path), name))
    except Exception:  # a read-only install: no cache, same patterns
        return


@contextlib.contextmanager
def primed():
    """Within: ``re`` finds the patterns earlier runs compiled ready made. On leaving, those this
    run compiled itself are added to the file (unless Python writes no bytecode)."""
    if not isinstance(getattr(re, "_cache", None), dict):
        yield
        return
    path = _cache_file()
    entries = _read(path) if path else []
    keys = _prime(entries)
    try:
        yield
    finally:
        if path and not sys.dont_write_bytecode and len(re._cache) > len(keys):
            _write(path, entries, keys)
