"""What the imports of ``designkit check`` compile, kept beside the bytecode for the next start.

Importing the model, the loader and the rules compiles three kinds of things every time, which
the ``.pyc`` files do not keep: about a hundred and twenty regular expressions (PyYAML's reader
and resolver, the rules' patterns, the standard library's); the methods ``dataclasses`` writes
as source text for each of some eighty dataclasses (``__init__``, ``__repr__``, ``__eq__`` ...:
345 small functions); and the 735 annotations of pydantic-core's ``TypedDict`` classes, which
``typing`` compiles one by one. Together more than a quarter of the start-up, spent in ``re``'s
parser (written in Python) and in ``compile``. :func:`primed` keeps what they produce in a
file: a pattern's compiled code, which ``_sre.compile`` turns into a pattern object in
microseconds, and code objects, which ``marshal`` stores as it stores a ``.pyc``. Within it,
``re``'s own cache holds the patterns (``re.compile`` looks there first), and the ``exec`` of
``dataclasses`` and the ``compile`` of ``typing`` are given the stored code object for a source
text they have seen; the first run, or one that compiles something the file does not hold, adds
it to the file when the block ends.

Never stale: an entry is found by its source (a pattern's text and flags, a method's text), and
what that compiles to depends on nothing but the Python that compiles it, which names the file
(version, build, bytecode magic number, ``_sre`` magic number). Never wrong: a pattern is kept
only when the pattern rebuilt from the entry is equal to the one ``re`` compiled (patterns
compare by their compiled code), so a Python whose ``re`` works otherwise keeps none. Kept like
a ``.pyc`` (as ``core/compiled.py`` keeps the model's validator): in this folder's
``__pycache__`` (honouring ``PYTHONPYCACHEPREFIX``), not written when Python writes no
bytecode, trusted no more than the bytecode beside it. Only what the block compiles is kept
(the imports: no pattern made from a design's text). Anything unexpected (no file, a damaged
one, a folder that cannot be written) leaves ``re`` and ``dataclasses`` to compile as always.
"""

# No ``from __future__`` import here: the compiles below must inherit no flags, as those of
# ``typing`` and ``dataclasses`` inherit none.
import contextlib
import dataclasses
import marshal
import os
import re
import sys
import typing

_PREFIX = "startup."
_MAX_ENTRIES = 4000      # a file that keeps growing (code that changes often) starts again


def _cache_file() -> str | None:
    try:
        import _sre
        from importlib.util import MAGIC_NUMBER, cache_from_source

        tag = (f"{sys.version}|{sys.implementation.cache_tag}|{MAGIC_NUMBER.hex()}|{_sre.MAGIC}|"
               f"{_sre.CODESIZE}|{sys.flags.optimize}")
        folder = os.path.dirname(cache_from_source(__file__))
    except Exception:  # no cache tag (bytecode caching off in this Python), no _sre: no cache
        return None
    digest = 0
    for char in tag.encode():          # a stable name without importing hashlib (2 ms)
        digest = (digest * 131 + char) % (1 << 61)
    return os.path.join(folder, f"{_PREFIX}{digest:016x}.marshal")


def _read(path: str) -> tuple[list, dict]:
    try:
        with open(path, "rb") as fh:
            patterns, codes = marshal.loads(fh.read())
    except Exception:  # missing, partial or damaged: compile as usual
        return [], {}
    if not isinstance(patterns, list) or not isinstance(codes, dict):
        return [], {}
    return patterns, codes


# --------------------------------------------------------------------------- regular expressions


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


def _new_patterns(primed: set) -> list:
    new = []
    for key, compiled in list(re._cache.items()):
        if key not in primed:
            with contextlib.suppress(Exception):
                entry = _entry(key, compiled)
                if entry is not None:
                    new.append(entry)
    return new


# --------------------------------------------------------------------------- compiled source


class _Compiler:
    """``compile`` for ``typing`` and ``exec`` for ``dataclasses``: the stored code object for a
    source text already seen, else what the builtin compiles (with no ``__future__`` flags to
    inherit, here as there)."""

    def __init__(self, codes: dict):
        self.codes = codes
        self.new: dict = {}

    def _code(self, source: str, filename: str, mode: str):
        key = (source, filename, mode)
        code = self.codes.get(key)
        if code is None:
            code = self.new[key] = compile(source, filename, mode)
        return code

    def compile(self, source, filename, mode, *args, **kwargs):
        if args or kwargs or not isinstance(source, str):
            return compile(source, filename, mode, *args, **kwargs)
        return self._code(source, filename, mode)

    def exec(self, source, globals=None, locals=None):
        if isinstance(source, str):
            source = self._code(source, "<string>", "exec")
        return exec(source, globals, locals)


# --------------------------------------------------------------------------- the block


def _writable(folder: str) -> bool:
    """Whether the cache can be written (a read-only install: the entries are not even made)."""
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def _write(path: str, patterns: list, codes: dict, new_patterns: list, new_codes: dict) -> None:
    if len(patterns) + len(codes) + len(new_patterns) + len(new_codes) > _MAX_ENTRIES:
        patterns, codes = [], {}
    try:
        payload = marshal.dumps((patterns + new_patterns, {**codes, **new_codes}))
        from .files import atomic_write

        atomic_write(path, payload)
        os.chmod(path, os.stat(__file__).st_mode & 0o666)   # readable as the bytecode is
        for name in os.listdir(os.path.dirname(path)):
            if name.startswith(_PREFIX) and name != os.path.basename(path):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(os.path.dirname(path), name))
    except Exception:  # a read-only install: no cache, same results
        return


@contextlib.contextmanager
def primed():
    """Within: ``re``, ``dataclasses`` and ``typing`` find ready made what earlier runs compiled. On leaving,
    what this block compiled itself is added to the file (unless Python writes no bytecode)."""
    path = _cache_file()
    if (path is None or not isinstance(getattr(re, "_cache", None), dict) or "exec" in vars(dataclasses)
            or "compile" in vars(typing)):
        yield
        return
    patterns, codes = _read(path)
    keys = _prime(patterns)
    compiler = _Compiler(codes)
    # a module global comes before the builtin of that name
    dataclasses.exec, typing.compile = compiler.exec, compiler.compile
    try:
        yield
    finally:
        del dataclasses.exec, typing.compile
        if not sys.dont_write_bytecode and _writable(os.path.dirname(path)):
            new_patterns = _new_patterns(keys) if len(re._cache) > len(keys) else []
            if new_patterns or compiler.new:
                _write(path, patterns, codes, new_patterns, compiler.new)
