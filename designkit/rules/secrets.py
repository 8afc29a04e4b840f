"""Secret detection: no secret values anywhere in the design file (values as written and as decoded, comments).

What a secret looks like (the detectors and the anchored scanner) is in ``secret_patterns``; this
module walks the file and says where each one stands: the key path of the value holding it and
its line, or the line of the comment.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator

from pydantic import BaseModel

from . import seeds
from .base import Hit, KeyPath, rule
from .secret_patterns import Found, entropy, first_kind, scan


def secret_kind(text: str) -> str | None:
    """What kind of secret value ``text`` contains (e.g. "a GitHub token"), or None."""
    return first_kind(text) if text else None


def _random_looking(text: str, min_len: int) -> bool:
    return (len(text) >= min_len and any(c.isdigit() for c in text) and any(c.isalpha() for c in text)
            and entropy(text) >= 3.0)


def looks_like_secret(text: str | None) -> bool:
    """A known secret pattern, or one long random-looking token where a location belongs."""
    if not text:
        return False
    if secret_kind(text):
        return True
    token = text.strip()
    return " " not in token and ":" not in token and "/" not in token and _random_looking(token, 20) \
        and entropy(token) >= 3.5


def _strings(model: BaseModel, path: KeyPath = ()) -> Iterator[tuple[KeyPath, str]]:
    """Every text value of the design with its key path (aliases as written in the file)."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        key = info.alias or name
        yield from _values(value, path + (key,))


def _values(value, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, BaseModel):
        yield from _strings(value, path)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _values(item, path + (i,))


@rule("SEC006", "security.no-secret-values", "error", step="security", seed=seeds.NO_SECRETS,
      checklist="security-observability", risk="high", tiers={"C": "error"})
def no_secret_values(ctx):
    """No secret value appears anywhere in the design file, comments included.

    Why: The design file lives in source control; a key, token, private key or password written
    in it is leaked to everyone with read access, forever (history keeps it).
    Fix: Remove the value, rotate it now (it is exposed), and name where it is kept instead:
    `security.secrets: [{name: ..., kind: vault, ref: kv/...}]`.
    Plan: In the security step, replace every secret value with a secret-store reference and rotate it.
    Bad:
        stores: [{name: db, kind: postgresql, purpose: "postgres://app:hunter2@db:5432/app"}]
    Good:
        stores: [{name: db, kind: postgresql, purpose: Orders}]
        secrets: [{name: db-password, kind: vault, ref: database/creds/app}]
    """
    text = _file_text(ctx)
    if text is None:      # a design built in memory: its values are all there is to scan
        for kp, value in _strings(ctx.design):
            for found in scan(value):
                yield Hit(kp, f"{found.detector.label} ({found.masked()}) is written in the design file")
        return
    # One anchored pass over the file's text finds what a reader sees; the decoded values are
    # scanned too where YAML escapes (``"ghp\\x5f..."``) could hide a secret from that pass.
    found = scan(text)
    escaped = _escaped_lines(text)
    if not found and not escaped:
        return
    owners = _Owners(ctx)
    reported: set[tuple[int, str]] = set()
    lines = text.split("\n")
    for f in found:
        reported.add((f.line, f.detector.id))
        kp = owners.holding(f.line, f.secret)
        if kp is not None:
            yield owners.hit(kp, f, f.line)
            continue
        raw = lines[f.line - 1] if f.line <= len(lines) else ""
        where = "a comment on" if _in_comment(raw, f.secret) else "the text on"
        yield Hit(owners.nearest(f.line), f"{f.detector.label} ({f.masked()}) is written in {where} line {f.line}",
                  fix="delete it, rotate the exposed secret, and keep only a secret-store reference",
                  line=f.line)
    seen: set[KeyPath] = set()
    for line in escaped:
        for kp, value in owners.values_from(line):
            if kp in seen:
                continue
            seen.add(kp)
            for f in scan(value):
                at = owners.line_of_decoded(kp, f.secret, lines, line)
                if (at, f.detector.id) not in reported:
                    reported.add((at, f.detector.id))
                    yield owners.hit(kp, f, at)


def _escaped_lines(text: str) -> list[int]:
    """1-based lines holding a backslash, where a double-quoted YAML value may hide text."""
    out: list[int] = []
    pos, line, at = text.find("\\"), 1, 0
    while pos >= 0:
        line += text.count("\n", at, pos)
        at = pos
        if not out or out[-1] != line:
            out.append(line)
        nxt = text.find("\n", pos)
        pos = text.find("\\", nxt) if nxt >= 0 else -1
    return out


def _in_comment(raw: str, secret: str) -> bool:
    at = raw.find(secret[:12])
    hash_at = raw.find("#")
    while hash_at >= 0 and hash_at > 0 and not raw[hash_at - 1].isspace():
        hash_at = raw.find("#", hash_at + 1)
    return 0 <= hash_at <= at


class _Owners:
    """Which key path's value a line of the file belongs to (built only when there is a finding)."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.by_line: dict[int, list[KeyPath]] = {}
        for key_path, line in ctx.document.lines.items():
            self.by_line.setdefault(line, []).append(key_path)
        for kps in self.by_line.values():
            kps.sort(key=len, reverse=True)       # deepest first
        self.sorted_lines = sorted(self.by_line)

    def _at_or_before(self, line: int) -> int | None:
        i = bisect_right(self.sorted_lines, line)
        return self.sorted_lines[i - 1] if i else None

    def nearest(self, line: int) -> KeyPath:
        at = self._at_or_before(line)
        return self.by_line[at][0] if at is not None else ()

    def values_from(self, line: int) -> Iterator[tuple[KeyPath, str]]:
        """The text values that begin on ``line``, or else the one a continuation line belongs to."""
        at = line if line in self.by_line else self._at_or_before(line)
        for kp in self.by_line.get(at, ()) if at is not None else ():
            value = _value_at(self.ctx.design, kp)
            if isinstance(value, str):
                yield kp, value

    def holding(self, line: int, secret: str) -> KeyPath | None:
        for kp, value in self.values_from(line):
            if secret in value:
                return kp
        return None

    def line_of_decoded(self, kp: KeyPath, secret: str, lines: list[str], fallback: int) -> int:
        """The line a secret found in a decoded value stands on (its start when escapes hide it)."""
        first = self.ctx.line_of(kp) or fallback
        probe = secret[:8]
        nxt = bisect_right(self.sorted_lines, first)
        last = self.sorted_lines[nxt] if nxt < len(self.sorted_lines) else len(lines) + 1
        for number in range(first, min(last, len(lines) + 1)):
            if probe in lines[number - 1]:
                return number
        return fallback

    def hit(self, kp: KeyPath, f: Found, line: int) -> Hit:
        message = f"{f.detector.label} ({f.masked()}) is written in the design file"
        return Hit(kp, message, line=None if line == self.ctx.line_of(kp) else line)


def _field_names(cls: type[BaseModel], cache: dict = {}) -> dict[str, str]:  # noqa: B006 (a cache)
    names = cache.get(cls)
    if names is None:
        names = cache[cls] = {(info.alias or name): name for name, info in cls.model_fields.items()}
    return names


def _value_at(node, kp: KeyPath):
    """The model's value at a key path of the file (aliases as written), or None."""
    for part in kp:
        if isinstance(part, int):
            if not isinstance(node, list) or not 0 <= part < len(node):
                return None
            node = node[part]
        elif isinstance(node, BaseModel):
            name = _field_names(type(node)).get(part)
            if name is None:
                return None
            node = getattr(node, name)
        else:
            return None
    return node


def _file_text(ctx) -> str | None:
    if ctx.document.text:  # what the loader read; the disk is only a fallback
        return ctx.document.text
    path = ctx.document.path
    try:
        return path.read_text(encoding="utf-8-sig") if path.is_file() else None
    except (OSError, UnicodeDecodeError):
        return None
