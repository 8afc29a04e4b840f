"""Saving a design file: one writer at a time, to the real file, never onto a read-only one.

:func:`write_design` takes an exclusive lock (``fcntl.flock`` on ``.NAME.lock`` beside the
design) around "is the file still what the edits were based on?" -> write -> rename, so two
processes saving the same design cannot both pass the check and lose one save: the second one
is refused as stale and can redo its edit. A symlinked design is written at its target (the
link stays a link), and a read-only design is refused, not replaced.

:func:`restore_line_ends` gives the edited text the line ends the file had: CRLF stays CRLF,
and in a file that mixes them every untouched line keeps its own.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

from ..errors import DesignFileError, DesignKitError, StaleDesignError
from ..files import atomic_write

try:
    import fcntl
except ImportError:          # pragma: no cover - not on POSIX: saves are not serialised
    fcntl = None  # type: ignore[assignment]

LOCK_TIMEOUT = 30.0          # seconds to wait for another process's save to finish
_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def write_design(path: str | Path, payload: bytes, expected_digest: str) -> str:
    """Replace the design at ``path`` with ``payload`` if it still has ``expected_digest``.

    Returns the new digest. Raises StaleDesignError when the file changed since, and a
    DesignFileError naming the file when it cannot be written (read-only, no permission, disk
    full); nothing is written in any of these cases.
    """
    shown = str(path)
    target = Path(os.path.realpath(path))      # through a symlink: write the file it points to
    try:
        mode = target.stat().st_mode
    except OSError:
        raise StaleDesignError(shown) from None
    if not mode & 0o222 or not os.access(target, os.W_OK):
        raise DesignFileError.single(
            shown, "the file is read-only; nothing was saved",
            fix=f"make it writable (chmod u+w {shown}) if it is meant to be edited, then save again")
    try:
        with _locked(target, shown):
            refuse_if_stale(target, expected_digest, shown)
            atomic_write(target, payload)
    except OSError as exc:
        raise DesignFileError.single(
            shown, f"cannot be written ({exc.strerror or exc}); nothing was saved",
            fix="check the folder's permissions and free space, then save again") from None
    return digest(payload)


def refuse_if_stale(path: str | Path, expected_digest: str, shown: str | None = None) -> None:
    """Raise StaleDesignError unless the file at ``path`` still has ``expected_digest``."""
    try:
        current = Path(path).read_bytes()
    except OSError:
        raise StaleDesignError(shown or str(path)) from None
    if digest(current) != expected_digest:
        raise StaleDesignError(shown or str(path))


@contextlib.contextmanager
def _locked(target: Path, shown: str) -> Iterator[None]:
    """Hold the exclusive save lock of ``target`` (a ``.NAME.lock`` file beside it)."""
    if fcntl is None:
        yield
        return
    fd = os.open(target.parent / f".{target.name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise DesignKitError(
                        f"{shown}: another process has been saving this design for "
                        f"{LOCK_TIMEOUT:.0f} s; nothing was saved.\n    fix: wait for it to "
                        "finish (or stop it), then save again.") from None
                time.sleep(0.01)
        yield
    finally:
        os.close(fd)           # closing the descriptor releases the lock


def lines(text: str) -> list[str]:
    """``text`` split after each LF only (``str.splitlines`` also splits at CR, FF, U+2028 ...)."""
    return _LINE.findall(text)


def restore_line_ends(raw_text: str, old: str, new: str) -> str:
    """``new`` (LF line ends) with the line ends of ``raw_text``, whose LF form is ``old``.

    A file with one kind of line end gets it everywhere. In a file that mixes CRLF and LF, each
    line ``new`` keeps from ``old`` gets its own end back, and new lines take the end used most.
    """
    crlf = raw_text.count("\r\n")
    if not crlf:
        return new
    if crlf == raw_text.count("\n"):
        return new.replace("\n", "\r\n")
    raw_lines, old_lines, new_lines = lines(raw_text), lines(old), lines(new)
    common = "\r\n" if crlf * 2 >= raw_text.count("\n") else "\n"
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(raw_lines[i1:i2])
        else:
            out.extend(line[:-1] + common if line.endswith("\n") else line
                       for line in new_lines[j1:j2])
    return "".join(out)


__all__ = ["digest", "lines", "refuse_if_stale", "restore_line_ends", "write_design"]
