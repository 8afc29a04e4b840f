"""Durations and rates as people write them in design files, read into numbers rules can compare.

A duration is ``72h``, ``3 days``, ``1 hour 30 minutes``, ``1h30m``, ``90s``, ``2 weeks`` or an
ISO 8601 duration (``P3D``, ``PT5M``, ``P1DT12H``). Months count as 30 days and years as 365,
which is what retry windows, TTLs and retention periods mean in practice. A rate is
``100/minute``, ``5 per second``, ``20/s`` or ``300 rpm``.

``parse_duration`` reads a whole value and raises ``ValueError`` with a sentence that says what
is accepted (the model turns it into a load error with file, line and key). ``leading_duration``
reads the duration a free-text value starts with (``"7 days (providers retry for 3)"``), for
fields that are prose.
"""

from __future__ import annotations

import datetime as dt
import re

_SECONDS = {
    "ms": 0.001, "millisecond": 0.001, "milliseconds": 0.001,
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "wk": 604800, "week": 604800, "weeks": 604800,
    "mo": 2592000, "month": 2592000, "months": 2592000,
    "y": 31536000, "yr": 31536000, "year": 31536000, "years": 31536000,
}
_UNIT = "|".join(sorted(_SECONDS, key=len, reverse=True))
_PART = re.compile(rf"(\d+(?:\.\d+)?)\s*({_UNIT})(?![a-z])", re.IGNORECASE)
_JOINER = re.compile(r"^(\s|,|and\b)*$", re.IGNORECASE)
_ISO = re.compile(r"^P(?!$)(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?"
                  r"(?:T(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$",
                  re.IGNORECASE)
_ISO_UNITS = ("y", "mo", "w", "d", "h", "m", "s")

DURATION_HELP = "a duration such as 72h, 3 days, 1 hour 30 minutes or P3D"


def _words(text: str) -> tuple[float, int] | None:
    """Seconds in the run of ``<number> <unit>`` parts at the start of ``text``, and where it ends."""
    total, end = 0.0, 0
    for match in _PART.finditer(text):
        if not _JOINER.match(text[end:match.start()]):
            break
        total += float(match.group(1)) * _SECONDS[match.group(2).lower()]
        end = match.end()
    return (total, end) if end else None


def _iso(text: str) -> float | None:
    match = _ISO.match(text)
    if match is None:
        return None
    return sum(float(v) * _SECONDS[u] for v, u in zip(match.groups(), _ISO_UNITS, strict=True) if v)


def parse_duration(text: str) -> dt.timedelta:
    """The duration ``text`` states as a whole; ValueError (saying what is accepted) otherwise."""
    value = (text or "").strip()
    seconds = _iso(value)
    if seconds is None:
        found = _words(value)
        if found is not None and found[1] == len(value):
            seconds = found[0]
    if seconds is None:
        raise ValueError(f"{text!r} is not a duration; write {DURATION_HELP}")
    return dt.timedelta(seconds=seconds)


def leading_duration(text: str | None) -> dt.timedelta | None:
    """The duration a free-text value starts with (``"7 days, then purged"`` -> 7 days), or None."""
    value = (text or "").strip()
    if not value:
        return None
    head = value.split()[0].rstrip(",;.")
    seconds = _iso(head)
    if seconds is None:
        found = _words(value)
        seconds = found[0] if found else None
    return None if seconds is None else dt.timedelta(seconds=seconds)


def format_duration(delta: dt.timedelta) -> str:
    """``3 days``, ``5 minutes``, ``36 hours``: the largest whole unit, for messages."""
    seconds = delta.total_seconds()
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds:g} seconds"


_RATE = re.compile(rf"^\s*(\d+(?:\.\d+)?)\s*(?:/|per\b)\s*(\d+(?:\.\d+)?)?\s*({_UNIT})\b", re.IGNORECASE)
_RATE_SHORT = {"rps": 1, "rpm": 60, "rph": 3600, "qps": 1}
_RATE_SUFFIX = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(rps|rpm|rph|qps)\b", re.IGNORECASE)


def parse_rate(text: str | None) -> float | None:
    """Requests per second a rate limit allows (``100/minute`` -> 1.67), or None when unreadable."""
    value = text or ""
    match = _RATE.match(value)
    if match:
        count, per, unit = match.groups()
        return float(count) / (float(per or 1) * _SECONDS[unit.lower()])
    match = _RATE_SUFFIX.match(value)
    if match:
        return float(match.group(1)) / _RATE_SHORT[match.group(2).lower()]
    return None
