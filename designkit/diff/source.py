"""Where the two sides of a diff come from: a design file, or ``REV:PATH`` read from git.

``HEAD~1:design.yaml`` is read with ``git show`` run in the directory of ``design.yaml`` (so the
path is the file's, from wherever the command runs, and git finds the file's own repository).
A path that exists as a file is always a file, even with a colon in its name.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ..core.errors import DesignFileError, UsageError
from ..core.loader import MAX_BYTES, DesignDocument, load_design, load_design_text

GIT_TIMEOUT = 60


def split_revision(spec: str) -> tuple[str, str] | None:
    """``'HEAD~1:design.yaml'`` -> ``('HEAD~1', 'design.yaml')``; None for a plain path."""
    if Path(spec).exists() or ":" not in spec:
        return None
    rev, _, path = spec.partition(":")
    if not rev or not path:
        return None
    return rev, path


def read_revision(rev: str, path: str) -> str:
    """The text of ``path`` as it was at ``rev``; a UsageError (one line) when git cannot give it."""
    spec = f"{rev}:{path}"
    git = shutil.which("git")
    if git is None:
        raise UsageError(f"cannot read {spec}: git is not installed; give two design files instead")
    p = Path(path)
    where = p.parent if p.parent.is_dir() else Path.cwd()
    inside = f"./{p.name}" if p.parent.is_dir() else f"./{path}"
    try:
        done = subprocess.run([git, "-C", str(where), "show", f"{rev}:{inside}"], capture_output=True,
                              timeout=GIT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise UsageError(f"cannot read {spec}: git show took longer than {GIT_TIMEOUT} s") from None
    if done.returncode != 0:
        reason = next((x.strip() for x in done.stderr.decode("utf-8", "replace").splitlines() if x.strip()),
                      f"git exited with {done.returncode}")
        raise UsageError(f"cannot read {spec} from git: {reason}")
    raw = done.stdout
    if len(raw) > MAX_BYTES:
        raise UsageError(f"cannot read {spec}: {len(raw) / 1e6:.0f} MB is larger than a design file may be")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DesignFileError.single(spec, f"is not UTF-8 text (bad byte at offset {exc.start})",
                                     fix="give a YAML design file") from None


def load_side(side) -> tuple[DesignDocument, str]:
    """A loaded design and the name it goes by in the diff, from a document, a path or ``REV:PATH``."""
    if isinstance(side, DesignDocument):
        return side, str(side.path)
    spec = str(side)
    revision = split_revision(spec)
    if revision is None:
        return load_design(spec), spec
    return load_design_text(read_revision(*revision), spec), spec
