"""Load a design file safely and precisely.

The YAML is read event by event (libyaml when available) into plain Python data, recording
the line of every key and list item. Doing it ourselves, rather than ``yaml.safe_load``, gives
three guarantees in one linear pass: no tag can construct a Python object (only the core YAML
tags are accepted), an alias bomb is refused before it expands, and deep nesting is refused
before anything recurses. Plain scalars are resolved by the YAML 1.2 core schema
(:func:`resolve_plain`), not PyYAML's YAML 1.1 rules: ``NO``, ``yes``, ``on``, ``1:30`` and
``1_000`` stay text (a country code list ``[SE, NO, DK]`` is three strings). A file holds one
YAML document; a second one is an error, not silently the design. The data is then validated
by the pydantic model; each validation error becomes one Problem (``core.problems``) naming file, line, key path
and the fix (the first ``MAX_PROBLEMS`` of them, then how many more).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import DesignFileError
from .keypath import KeyPath, format_key_path, parse_key_path
from .model import Design
from .problems import kind_of, validate_data

MAX_BYTES = 64 * 1024 * 1024      # far above any real design; the 10,000-endpoint bench is ~8 MB
MAX_DEPTH = 64                    # a design nests about 8 deep; anything deeper is an attack or a typo
DEPTH_MESSAGE = f"nesting is deeper than {MAX_DEPTH} levels"
DEPTH_FIX = "a design file nests a few levels; check the indentation"
MAX_NODES = 5_000_000             # total nodes after alias expansion (billion-laughs guard)
EAGER_LINES_MAX_CHARS = 2_000_000  # about 3,000 endpoints: above, the line map is built on demand

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_CORE = "tag:yaml.org,2002:"

# The YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution), plus the
# ISO date/timestamp form YAML 1.1 had (``date: 2024-05-01``), which no text is mistaken for.
_CORE_RULES = [
    ("null", re.compile(r"(?:~|null|Null|NULL|)\Z")),
    ("bool", re.compile(r"(?:true|True|TRUE|false|False|FALSE)\Z")),
    ("int", re.compile(r"(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)\Z")),
    ("float", re.compile(r"(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                         r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z")),
    ("timestamp", re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}"
                 r":[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?\Z")),
]


def resolve_plain(text: str) -> tuple[str, Any]:
    """A plain (unquoted) scalar's tag name and value under the YAML 1.2 core schema."""
    first = text[:1]
    if first and not (first.isdigit() or first in "-+.~nNtTfF"):
        return "str", text  # most text: no rule can match, skip the patterns
    for name, pattern in _CORE_RULES:
        if pattern.match(text):
            if name == "null":
                return name, None
            if name == "bool":
                return name, text.lower() == "true"
            if name == "int":
                if text.startswith(("0o", "0x")):
                    return name, int(text[2:], 8 if text[1] == "o" else 16)
                return name, int(text, 10)
            if name == "float":
                lowered = text.lower()
                if lowered.endswith((".inf", ".nan")):
                    return name, float(lowered.replace(".", ""))
                return name, float(text)
            return name, None  # timestamp: constructed by PyYAML below
    return "str", text
_ALLOWED_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")}


class LineMap(Mapping):
    """Key path -> line of a design's text, worked out the first time a line is asked for.

    Used for designs larger than ``EAGER_LINES_MAX_CHARS``. Checking a design needs no line
    until there is something to report: a large clean design never pays for the map, which at
    10,000 endpoints is 341,000 key paths, a tenth of the parse time and 37 MB held beside the
    model. One with findings pays one extra pass over the YAML events (:func:`scan_lines`),
    without building the data again (at 1,000 endpoints that pass would cost 0.05 s against
    0.007 s for recording lines during the parse, hence the eager map for smaller designs).
    """

    __slots__ = ("_text", "_file", "_map")

    def __init__(self, text: str, file: str):
        self._text, self._file, self._map = text, file, None

    def _lines(self) -> dict[KeyPath, int]:
        if self._map is None:
            self._map = scan_lines(self._text, self._file)
        return self._map

    def __getitem__(self, key_path: KeyPath) -> int:
        return self._lines()[key_path]

    def get(self, key_path, default=None):
        return self._lines().get(key_path, default)

    def __contains__(self, key_path) -> bool:
        return key_path in self._lines()

    def __iter__(self):
        return iter(self._lines())

    def __len__(self) -> int:
        return len(self._lines())


@dataclass
class DesignDocument:
    """A loaded design: the typed model plus where each key stands in the file."""

    path: Path
    design: Design
    lines: Mapping[KeyPath, int] = field(default_factory=dict)
    digest: str = ""      # sha256 of the bytes loaded, so a save can tell the file changed since
    text: str = ""        # the YAML text as loaded (the secret scan reads comments from it)

    def line_of(self, key_path: KeyPath) -> int | None:
        """Line of ``key_path``, or of its nearest ancestor present in the file."""
        path = tuple(key_path)
        while path:
            line = self.lines.get(path)
            if line is not None:
                return line
            path = path[:-1]
        return self.lines.get((), 1)


# --------------------------------------------------------------------------- reading


def read_text(path: str | Path, *, what: str = "design file") -> tuple[str, bytes]:
    """Read a file as UTF-8 text, refusing what is not a readable text file."""
    p = Path(path)
    shown = str(path)
    try:
        if p.is_dir():
            inside = p / "design.yaml"
            hint = f"give the file itself, e.g. {inside}" if inside.exists() else "give the path of a YAML file"
            raise DesignFileError.single(shown, f"is a directory, not a {what}", fix=hint)
        info = p.stat()
        if not stat.S_ISREG(info.st_mode):  # a device (/dev/zero), a FIFO (would hang), a socket
            kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else
                    "a socket" if stat.S_ISSOCK(info.st_mode) else "a device")
            raise DesignFileError.single(shown, f"is {kind}, not a regular file",
                                         fix=f"save the {what} as a file and give its path")
        size = info.st_size
    except FileNotFoundError:
        raise DesignFileError.single(
            shown, "no such file",
            fix="check the path; `designkit new NAME` writes a starter design file") from None
    except PermissionError:
        raise DesignFileError.single(shown, "permission denied", fix="make the file readable") from None
    except OSError as exc:
        raise DesignFileError.single(shown, f"cannot be read ({exc.strerror})") from None
    if size > MAX_BYTES:
        raise DesignFileError.single(
            shown, f"is {size / 1e6:.0f} MB; a {what} is at most {MAX_BYTES // 2**20} MiB",
            fix="split the file, or check that this is the file you meant")
    try:
        # O_NONBLOCK: should the file be swapped for a FIFO after the check, open does not hang.
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)  # a cap, whatever size the file claimed
    except OSError as exc:
        raise DesignFileError.single(shown, f"cannot be read ({exc.strerror})") from None
    if len(raw) > MAX_BYTES:
        raise DesignFileError.single(
            shown, f"is more than {MAX_BYTES // 2**20} MiB; a {what} is at most that",
            fix="split the file, or check that this is the file you meant")
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise DesignFileError.single(
            shown, f"holds binary data (a NUL byte at offset {nul}), not YAML text",
            line=raw.count(b"\n", 0, nul) + 1, fix=f"give a YAML {what}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DesignFileError.single(
            shown, f"is not UTF-8 text (bad byte at offset {exc.start})",
            line=raw.count(b"\n", 0, exc.start) + 1, fix="save the file as UTF-8") from None
    return text, raw


def parse_yaml(text: str, file: str, *, lines: bool = True) -> tuple[Any, dict[KeyPath, int] | None]:
    """Parse YAML text into plain data and a map from key path to line (1-based).

    ``lines=False`` skips the map (None is returned in its place): loading a design for a check
    asks for it later, through :class:`LineMap`, only if something must be reported.
    """
    builder = _Builder(file, record_lines=lines)
    loader = _Loader(text)
    try:
        _feed_all(loader.get_event, builder)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        msg = " ".join(x for x in (exc.context, exc.problem) if x) or "not valid YAML"
        if "nesting depth" in msg:
            # libyaml (PyYAML >= 6.0.3) stops very deep flow nesting itself, before our own
            # depth check sees it: report it as the same refusal.
            builder._fail(DEPTH_MESSAGE, line or 0, fix=DEPTH_FIX)
        raise DesignFileError.single(
            file, f"YAML syntax error: {msg}", line=line, key_path=format_key_path(builder.path()),
            fix="check indentation and quoting on this line and the one above") from None
    except yaml.YAMLError as exc:
        raise DesignFileError.single(file, f"YAML error: {exc}", fix="check the file is YAML") from None
    finally:
        loader.dispose()
    return builder.result, builder.lines


def _feed_all(next_event, builder: _Builder) -> None:
    """Feed every event to ``builder``, taking the commonest ones on a short path here.

    Most events are untagged, unanchored scalars whose text the builder has already resolved
    once (keys, types, enum values), and the starts and ends of untagged, unanchored mappings
    and lists: this loop adds those to the open mapping or list itself, as ``_Builder.feed``
    would, and hands every other event (and any of these that needs a check: a repeated key,
    the node or depth limit, a merge key, the top level) to ``feed``. Half the parse time.
    """
    feed, stack, lines, plain = builder.feed, builder.stack, builder.lines, builder.plain
    scalar_event, map_start, seq_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    map_end, seq_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
    while True:
        ev = next_event()
        if ev is None:
            return
        kind = ev.__class__
        if kind is map_end or kind is seq_end:
            # a finished mapping or list, as the value of its parent's open key or item
            if len(stack) < 2 or stack[-1].merges or stack[-1].anchor:
                feed(ev)
                continue
            parent = stack[-2]
            if parent.kind == "map":
                key = parent.key
                if key is _NO_KEY or key is _MergeKey:
                    feed(ev)
                    continue
                parent.data[key] = stack.pop().data
                parent.key = _NO_KEY
            else:
                parent.data.append(stack.pop().data)
            continue
        if (kind is not scalar_event and kind is not map_start and kind is not seq_start) or not stack \
                or ev.tag is not None or ev.anchor is not None or builder.count >= MAX_NODES:
            feed(ev)     # aliases, document events, tags, anchors, the top level, the node limit
            continue
        top = stack[-1]
        if kind is not scalar_event:
            if len(stack) >= MAX_DEPTH:
                feed(ev)
                continue
            if top.kind == "map":
                key = top.key
                if key is _NO_KEY or key is _MergeKey:
                    feed(ev)
                    continue
                path = top.path + (key,)
            else:
                path = top.path + (len(top.data),)
            if lines is not None:
                lines.setdefault(path, ev.start_mark.line + 1)
            builder.count += 1
            stack.append(_Frame("map", {}, path, None, builder.count - 1) if kind is map_start
                         else _Frame("seq", [], path, None, builder.count - 1))
            continue
        if ev.style:
            value = ev.value
        else:
            value = plain.get(ev.value, _MISSING)
            if value is _MISSING:   # a text not met before: resolved (and remembered) as feed would
                value = builder._scalar(ev, ev.start_mark.line + 1)
                if value is _MergeKey:
                    feed(ev)
                    continue
        key = top.key
        if top.kind == "map":
            if key is _NO_KEY:
                if value in top.data:
                    feed(ev)
                    continue
                if lines is not None:
                    lines.setdefault(top.path + (value,), ev.start_mark.line + 1)
                top.key = value
            elif key is _MergeKey:
                feed(ev)
                continue
            else:
                top.data[key] = value
                top.key = _NO_KEY
        else:
            data = top.data
            if lines is not None:
                lines.setdefault(top.path + (len(data),), ev.start_mark.line + 1)
            data.append(value)
        builder.count += 1


class _Frame:
    __slots__ = ("kind", "data", "key", "anchor", "start_count", "merges", "path")

    def __init__(self, kind, data, path, anchor, start_count):
        self.kind, self.data, self.path = kind, data, path
        self.key = _NO_KEY
        self.anchor, self.start_count = anchor, start_count
        self.merges: list[dict] = _NO_MERGES    # a list of its own once a merge key is met


_NO_KEY = object()
_MISSING = object()
_NO_MERGES: list[dict] = []    # shared and never appended to (see _add)


class _Builder:
    """Turns parser events into plain data, line numbers and limits (see module docstring)."""

    def __init__(self, file: str, *, record_lines: bool = True):
        self.file = file
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.count = 0
        self.result: Any = None
        self.lines: dict[KeyPath, int] | None = {(): 1} if record_lines else None
        self.plain: dict[str, Any] = {}   # plain scalar text -> value, for this document only
        self.documents = 0
        self.first_document_line = 1

    def path(self) -> KeyPath:
        if not self.stack:
            return ()
        top = self.stack[-1]
        if top.kind == "map":
            if top.key is _NO_KEY:
                return top.path
            return top.path + ("<<" if top.key is _MergeKey else top.key,)
        return top.path + (len(top.data),)

    def _fail(self, message: str, line: int, fix: str = "", key_path: KeyPath | None = None) -> None:
        path = self.path() if key_path is None else key_path
        shown = format_key_path(path[:12]) + ("..." if len(path) > 12 else "")
        raise DesignFileError.single(self.file, message, line=line, key_path=shown, fix=fix)

    def _bump(self, n: int, line: int) -> None:
        self.count += n
        if self.count > MAX_NODES:
            self._fail(f"the document expands to more than {MAX_NODES:,} values (alias expansion?)",
                       line, fix="remove the anchors/aliases that repeat large blocks")

    def feed(self, ev) -> None:
        kind = ev.__class__
        line = ev.start_mark.line + 1 if ev.start_mark else 0
        if kind is yaml.DocumentStartEvent:
            self.documents += 1
            if self.documents > 1:
                self._fail(f"a second YAML document starts here (after the one at line "
                           f"{self.first_document_line}); a file holds one document", line,
                           fix="remove the `---` line and what follows it, or move that part "
                               "to a file of its own", key_path=())
            self.first_document_line = line
        elif kind is yaml.ScalarEvent:  # by far the most common event: keep this path short
            self.count += 1
            if self.count > MAX_NODES:
                self._bump(0, line)
            self._add(self._scalar(ev, line), line, ev.anchor, self.count - 1)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            is_map = kind is yaml.MappingStartEvent
            self._check_tag(ev.tag, "map" if is_map else "seq", line)
            if len(self.stack) >= MAX_DEPTH:
                self._fail(DEPTH_MESSAGE, line, fix=DEPTH_FIX)
            self._bump(1, line)
            path = self.path()
            if self.stack:
                self._record_line(path, line)
            self.stack.append(_Frame("map" if is_map else "seq", {} if is_map else [], path,
                                     ev.anchor, self.count - 1))
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            frame = self.stack.pop()
            for merged in frame.merges:
                for k, v in merged.items():
                    frame.data.setdefault(k, v)
            self._add(frame.data, line, frame.anchor, frame.start_count, nested=True)
        elif kind is yaml.AliasEvent:
            if ev.anchor not in self.anchors:
                self._fail(f"alias *{ev.anchor} refers to no anchor", line,
                           fix=f"define &{ev.anchor} before using it")
            value, size = self.anchors[ev.anchor]
            self._bump(size, line)
            self._record_line(self.path(), line)
            self._add(value, line, None, 0, nested=True)

    def _check_tag(self, tag: str | None, kind: str, line: int) -> None:
        if tag and tag not in ("!", _CORE + kind):
            self._fail(f"YAML tag {tag} is not allowed in a design file", line,
                       fix="remove the tag; write plain YAML values")

    def _scalar(self, ev, line: int) -> Any:
        tag = ev.tag
        if tag is None:
            if ev.style:  # quoted or block scalar without a tag: always text
                return ev.value
            # Plain scalars repeat a lot (keys, types, enum values): resolve each text once.
            cached = self.plain.get(ev.value, _MISSING)
            if cached is not _MISSING:
                return cached
        if tag == "!":  # the non-specific tag: text
            return ev.value
        if tag is None:
            if ev.value == "<<" and self.stack and self.stack[-1].kind == "map" \
                    and self.stack[-1].key is _NO_KEY:
                return _MergeKey
            name, value = resolve_plain(ev.value)
            if name != "timestamp":
                # never "<<": as a key it is a merge, which a cached text would hide
                if len(ev.value) <= 40 and len(self.plain) < 100_000 and ev.value != "<<":
                    self.plain[ev.value] = value
                return value
            tag = _CORE + name
        if tag not in _ALLOWED_TAGS:
            self._fail(f"YAML tag {tag} is not allowed in a design file", line,
                       fix="remove the tag; write plain YAML values")
        node = yaml.ScalarNode(tag, ev.value, ev.start_mark, ev.end_mark, ev.style)
        try:
            value = _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, node)
            if ev.tag is None and not ev.style and len(ev.value) <= 40 and len(self.plain) < 100_000:
                self.plain[ev.value] = value
            return value
        except (ValueError, yaml.constructor.ConstructorError) as exc:
            self._fail(f"value {ev.value!r} is not a valid {tag.rsplit(':', 1)[-1]} ({exc})", line,
                       fix="quote the value to keep it as text")

    def _record_line(self, path: KeyPath, line: int) -> None:
        if self.lines is not None:
            self.lines.setdefault(path, line)

    def _add(self, value: Any, line: int, anchor: str | None, start_count: int, nested=False) -> None:
        if anchor:
            self.anchors[anchor] = (value, self.count - start_count)
        if not self.stack:
            self.result = value
            return
        top = self.stack[-1]
        if top.kind == "seq":
            if not nested:
                self._record_line(top.path + (len(top.data),), line)
            top.data.append(value)
        elif top.key is _NO_KEY:
            if isinstance(value, (dict, list)):
                self._fail("a mapping key must be a plain value", line, fix="use a text key")
            if value is not _MergeKey and value in top.data:
                self._fail(f"duplicate key {value!r}", line, key_path=top.path + (value,),
                           fix="keep one of the two entries; YAML would silently drop the first")
            top.key = value
            if value is not _MergeKey:
                self._record_line(top.path + (value,), line)
        else:
            if top.key is _MergeKey:
                merges = value if isinstance(value, list) else [value]
                if not all(isinstance(m, dict) for m in merges):
                    self._fail("a merge key (<<) takes a mapping or a list of mappings", line,
                               fix="merge an anchored mapping, e.g. `<<: *defaults`")
                top.merges = [*top.merges, *merges]
            else:
                top.data[top.key] = value
            top.key = _NO_KEY


class _MergeKey:  # sentinel for '<<' merge keys
    pass


def scan_lines(text: str, file: str) -> dict[KeyPath, int]:
    """The key path -> line map ``parse_yaml`` records, from a text it has already accepted,
    in one pass over the events that builds no data (a third cheaper than parsing again).

    Only keys are resolved (a key ``1`` is the number 1 in a key path); values are counted,
    not built. ``tests/test_loader_lines.py`` holds it to ``parse_yaml``'s map.
    """
    resolver = _Builder(file, record_lines=False)   # resolves key scalars as the parse did
    lines: dict[KeyPath, int] = {(): 1}
    stack: list[list] = []   # per open container: [path, is_map, key or _NO_KEY, items so far]
    anchored: dict[str, Any] = {}   # anchored scalars, for an alias used as a key
    scalar, alias = yaml.ScalarEvent, yaml.AliasEvent
    starts = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    loader = _Loader(text)
    try:
        while (ev := loader.get_event()) is not None:
            kind = ev.__class__
            if kind in ends:
                stack.pop()
                if not stack:
                    break
                kind = None      # a finished container: a value in its parent, as a scalar is
            elif kind is not scalar and kind is not alias and kind not in starts:
                continue         # stream and document events
            line = ev.start_mark.line + 1
            if not stack:        # the top-level container
                stack.append([(), kind is yaml.MappingStartEvent, _NO_KEY, 0])
                continue
            top = stack[-1]
            path, is_map, key = top[0], top[1], top[2]
            if is_map and key is _NO_KEY:           # a key of the open mapping
                if kind is alias:
                    key = anchored[ev.anchor]
                elif ev.tag is None and not ev.style and ev.value == "<<":
                    top[2] = _MergeKey
                    continue
                else:
                    key = resolver._scalar(ev, line)
                if kind is scalar and ev.anchor:
                    anchored[ev.anchor] = key
                lines.setdefault(path + (key,), line)
                top[2] = key
                continue
            here = path + (("<<" if key is _MergeKey else key) if is_map else top[3],)
            if kind in starts:
                lines.setdefault(here, line)
                stack.append([here, kind is yaml.MappingStartEvent, _NO_KEY, 0])
                continue
            if kind is scalar:
                if ev.anchor:
                    anchored[ev.anchor] = resolver._scalar(ev, line)
                if not is_map:
                    lines.setdefault(here, line)
            elif kind is alias:
                lines.setdefault(here, line)
            if is_map:
                top[2] = _NO_KEY
            else:
                top[3] += 1
    finally:
        loader.dispose()
    return lines


# --------------------------------------------------------------------------- validating


def load_design(path: str | Path) -> DesignDocument:
    """Load and validate a design file; raise DesignFileError naming file, line and key."""
    text, raw = read_text(path)
    digest = hashlib.sha256(raw).hexdigest()
    del raw   # not held while the design loads (at 10,000 endpoints it is 6 MB)
    return load_design_text(text, str(path), digest=digest)


def load_design_text(text: str, file: str = "<design>", *, digest: str = "") -> DesignDocument:
    """Validate design YAML given as text (``file`` is the name used in messages)."""
    with gc_paused():
        return _load_design_text(text, file, digest)


@contextlib.contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while a design is read and validated (or an export of
    a large design builds its document: the same pattern, see outputs/exporters/asyncapi.py).

    Loading allocates hundreds of thousands of containers and frees none of them, so every
    collection the allocations trigger finds nothing, and each full one walks everything built
    so far: at 10,000 endpoints that is a third of the validation time. Reference counting
    still frees what is dropped; the collector resumes (if it was on) when the load ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load_design_text(text: str, file: str, digest: str) -> DesignDocument:
    # Lines are recorded while parsing up to EAGER_LINES_MAX_CHARS (a tenth more parse time,
    # and no second pass when there is something to report); a larger design works them out
    # only when asked (see LineMap): there the map's memory is what counts.
    eager = len(text) <= EAGER_LINES_MAX_CHARS
    data, lines = parse_yaml(text, file, lines=eager)
    if data is None:
        raise DesignFileError.single(file, "the file is empty", line=1,
                                     fix="start from `designkit new NAME`, which writes every section")
    if not isinstance(data, dict):
        raise DesignFileError.single(file, f"the top level is a {kind_of(data)}, not a mapping of sections",
                                     line=1, fix="start the file with `name: my-service` and the sections")
    document = DesignDocument(Path(file), None, lines if eager else LineMap(text, file),  # type: ignore[arg-type]
                              digest, text)
    document.design = validate_data(data, document)
    return document


__all__ = ["DesignDocument", "LineMap", "format_key_path", "gc_paused", "load_design", "load_design_text",
           "parse_key_path", "parse_yaml", "read_text", "scan_lines", "validate_data"]
