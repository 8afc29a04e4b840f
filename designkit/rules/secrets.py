"""Secret detection: no secret values anywhere in the design file (values and comments)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator

from pydantic import BaseModel

from . import seeds
from .base import Hit, KeyPath, rule

# (what it is, pattern). Each is specific enough that a match in a design file is a real value.
_PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")),
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b")),
    ("an AWS secret access key", re.compile(r"(?i)aws.{0,20}secret.{0,20}[=:]\s*['\"]?[A-Za-z0-9/+=]{40}\b")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("a GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("a Stripe key", re.compile(r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("a JSON Web Token", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("an npm token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
)
_URL_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@]+:([^\s/@]+)@", re.IGNORECASE)
_ASSIGNED = re.compile(
    r"(?i)\b(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token|client[_-]?secret)\s*[=:]\s*['\"]?([^\s'\",;]{8,})")
_REFERENCE = re.compile(r"^(\$\{?|<|\{\{?|%\(|\*{3,}|x{3,}|changeme|redacted|vault:|env:|secret:)", re.IGNORECASE)


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _random_looking(text: str, min_len: int) -> bool:
    return (len(text) >= min_len and any(c.isdigit() for c in text) and any(c.isalpha() for c in text)
            and _entropy(text) >= 3.0)


# Literal text each pattern needs (any one of them), so a pattern's regex runs only when one is
# present: substring tests are far cheaper than a regex scan of a whole design file.
_ANCHORS: dict[str, tuple[str, ...]] = {
    "a private key": ("PRIVATE KEY-----",),
    "an AWS access key id": ("AKIA", "ASIA", "AGPA", "AIDA", "AROA"),
    "a GitHub token": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    "a GitLab token": ("glpat-",),
    "a Slack token": ("xox",),
    "a Stripe key": ("k_live_", "k_test_"),
    "a Google API key": ("AIza",),
    "a JSON Web Token": ("eyJ",),
    "an npm token": ("npm_",),
}
# the same, for the case-insensitive patterns, tested on the lower-cased text
_LOWER_ANCHORS: dict[str, tuple[str, ...]] = {
    "an AWS secret access key": ("aws",),
    "assigned": ("passw", "pwd", "secret", "apikey", "api_key", "api-key", "accesstoken",
                 "access_token", "access-token"),
}


def secret_kind(text: str) -> str | None:
    """What kind of secret value ``text`` contains, or None."""
    lowered = text.lower()
    for kind, pattern in _PATTERNS:
        anchors = _ANCHORS.get(kind)
        if anchors is not None and not any(a in text for a in anchors):
            continue
        lower = _LOWER_ANCHORS.get(kind)
        if lower is not None and not any(a in lowered for a in lower):
            continue
        if pattern.search(text):
            return kind
    for match in (_URL_PASSWORD.finditer(text) if "://" in text else ()):
        if not _REFERENCE.match(match.group(1)) and match.group(1).lower() not in ("password", "pass", "pw"):
            return "a password in a connection URL"
    assigned = any(a in lowered for a in _LOWER_ANCHORS["assigned"])
    for match in (_ASSIGNED.finditer(text) if assigned else ()):
        if not _REFERENCE.match(match.group(1)) and _random_looking(match.group(1), 8):
            return "an assigned password or key"
    return None


def looks_like_secret(text: str | None) -> bool:
    """A known secret pattern, or one long random-looking token where a location belongs."""
    if not text:
        return False
    if secret_kind(text):
        return True
    token = text.strip()
    return " " not in token and ":" not in token and "/" not in token and _random_looking(token, 20) \
        and _entropy(token) >= 3.5


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
    `security.secrets: [{name: ..., store: vault:kv/...}]`.
    Plan: In the security step, replace every secret value with a secret-store reference and rotate it.
    Bad:
        stores: [{name: db, kind: postgresql, purpose: "postgres://app:hunter2@db:5432/app"}]
    Good:
        stores: [{name: db, kind: postgresql, purpose: Orders}]
        secrets: [{name: db-password, store: "vault:database/creds/app"}]
    """
    text = _file_text(ctx)
    # One pass over the file's text first: a clean file (the usual case) costs one regex scan,
    # and only a file with a match is walked value by value for exact key paths.
    if text is not None and not secret_kind(text):
        return
    for kp, value in _strings(ctx.design):
        kind = secret_kind(value)
        if kind:
            yield Hit(kp, f"{kind} is written in the design file (value not shown)")
    if text is not None and "#" in text:
        yield from _comment_hits(ctx, text)


def _file_text(ctx) -> str | None:
    if ctx.document.text:  # what the loader read; the disk is only a fallback
        return ctx.document.text
    path = ctx.document.path
    try:
        return path.read_text(encoding="utf-8-sig") if path.is_file() else None
    except (OSError, UnicodeDecodeError):
        return None


def _comment_hits(ctx, text: str) -> Iterator[Hit]:
    """Secrets in YAML comments, which the model never sees."""
    by_line: dict[int, KeyPath] = {}
    for key_path, line in ctx.document.lines.items():
        if len(key_path) >= len(by_line.get(line, ())):
            by_line[line] = key_path
    last: KeyPath = ()
    for number, line in enumerate(text.splitlines(), start=1):
        last = by_line.get(number, last)
        hash_at = line.find("#")
        if hash_at < 0 or (hash_at > 0 and not line[hash_at - 1].isspace()):
            continue
        kind = secret_kind(line[hash_at:])
        if kind:
            yield Hit(last, f"{kind} is written in a comment on line {number} (value not shown)",
                      fix="delete the comment, rotate the exposed secret, and keep only a secret-store reference",
                      line=number)
