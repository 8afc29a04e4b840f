"""Writing outputs without destroying anything: the design itself, or a file designkit did not write.

Every output folder keeps a manifest, ``.designkit-manifest.json``: for each file designkit wrote
there, its path (relative to the folder), its SHA-256 and which command wrote it. Before a file
is written, :class:`OutputGuard` checks it:

* the design file (or anything that is the same file, through a link) is never overwritten,
  not even with ``--force``;
* a file that exists and is not in the manifest, or that changed since designkit wrote it, is
  a file a person wrote: refused unless ``force`` (``--force`` on the command line).

A run also takes the folder itself (:func:`run_lock`, an ``fcntl`` lock on the folder, released
when the process ends however it ends), so a second run into the same folder is refused instead
of mixing two designs' artifacts, and :meth:`OutputGuard.clear_previous_run` removes what the
last run wrote, so a stale artifact is never listed as this run's output.

Manifest updates take a short lock of their own (``.designkit-manifest.lock``): a run's report
notebook (another process) records its files while the run holds the folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import DesignKitError
from .files import atomic_write

MANIFEST = ".designkit-manifest.json"
MANIFEST_LOCK = ".designkit-manifest.lock"
HIDDEN = (MANIFEST, MANIFEST_LOCK)
_PENDING = ".run-in-progress"  # a manifest entry while a run writes (no file has this name)


class OutputRefusedError(DesignKitError):
    """An output would overwrite the design file or a file designkit did not write."""


class OutputFolderBusyError(DesignKitError):
    """Another designkit run is writing into the same output folder."""


def output_error(path: str | Path, exc: OSError, *, what: str = "write") -> DesignKitError:
    """One line for an OSError met while writing an output: the path, the reason, the fix."""
    reason = exc.strerror or exc.__class__.__name__
    where = path  # not exc.filename: that may be the temporary file beside it
    if isinstance(exc, FileExistsError):
        reason, fix = "a file of that name is in the way", "choose another path with -o"
    elif isinstance(exc, PermissionError):
        fix = "choose a folder you can write to with -o"
    elif isinstance(exc, FileNotFoundError):
        fix = "check the folder exists, or choose another with -o"
    elif isinstance(exc, (NotADirectoryError, IsADirectoryError)):
        fix = "a file and a folder share that name; choose another path with -o"
    else:
        fix = "choose another path with -o"
    return DesignKitError(f"{where}: cannot {what} ({reason}); {fix}")


def file_digest(path: Path) -> str | None:
    try:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


class OutputGuard:
    """Checks and records every file designkit writes under one output folder.

    ``protect`` lists the input files (the design) that no output may replace. ``by`` says which
    command writes (``run``, ``export``, ``check``, ``schema``), so a run clears only its own files.
    """

    def __init__(self, root: str | Path, *, protect: Iterable[str | Path] = (), force: bool = False,
                 by: str = "export", input_name: str = "the design file"):
        self.root = Path(root)
        self.input_name = input_name  # what ``protect`` holds, as the refusal names it
        self.protect = [Path(p) for p in protect if p]
        self.force = force
        self.by = by

    # ------------------------------------------------------------------ manifest

    @contextlib.contextmanager
    def _manifest(self, *, write: bool) -> Iterator[dict]:
        lock_path = self.root / MANIFEST_LOCK
        try:
            handle = open(lock_path, "a+b") if write or lock_path.exists() else None
        except OSError as exc:
            raise output_error(self.root, exc) from None
        try:
            if handle is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            files = self._read_manifest()
            yield files
            if write:
                text = json.dumps({"written_by": "designkit; lists the files it may overwrite here",
                                   "files": dict(sorted(files.items()))}, indent=1) + "\n"
                try:
                    atomic_write(self.root / MANIFEST, text.encode("utf-8"))
                except OSError as exc:
                    raise output_error(self.root / MANIFEST, exc) from None
        finally:
            if handle is not None:
                handle.close()  # releases the lock

    def _read_manifest(self) -> dict[str, dict]:
        try:
            data = json.loads((self.root / MANIFEST).read_text(encoding="utf-8"))
            files = data["files"]
            return {str(k): v for k, v in files.items() if isinstance(v, dict)}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}  # no manifest (or a broken one): nothing here is known to be designkit's

    def _key(self, path: Path) -> str | None:
        try:
            return Path(os.path.abspath(path)).relative_to(os.path.abspath(self.root)).as_posix()
        except ValueError:
            return None

    # ------------------------------------------------------------------ checks

    def check(self, path: str | Path, files: dict | None = None) -> None:
        """Raise OutputRefusedError when writing ``path`` would destroy something."""
        path = Path(path)
        for design in self.protect:
            if _same_file(path, design) or os.path.abspath(path) == os.path.abspath(design):
                raise OutputRefusedError(
                    f"{path}: refusing to overwrite {self.input_name} itself; write the output "
                    "somewhere else with -o")
        if path.is_dir():
            raise OutputRefusedError(f"{path}: is a folder; give a file path with -o")
        if not (path.exists() or path.is_symlink()) or self.force:
            return
        if files is None:
            with self._manifest(write=False) as files:
                pass
        entry = files.get(self._key(path) or "")
        if entry is None:
            raise OutputRefusedError(
                f"{path}: exists and designkit did not write it; refusing to overwrite it "
                "(choose another path with -o, or pass --force)")
        if entry.get("sha256") != file_digest(path):
            raise OutputRefusedError(
                f"{path}: changed since designkit wrote it; refusing to overwrite the edit "
                "(move it away, or pass --force)")

    def check_all(self, paths: Iterable[str | Path]) -> None:
        """Check several paths against one read of the manifest (before writing any)."""
        if self.by == "run":
            self._adopt_earlier_version_outputs()
        with self._manifest(write=False) as files:
            for path in paths:
                self.check(path, files)

    # ------------------------------------------------------------------ writing

    def write_text(self, path: str | Path, text: str) -> Path:
        """Check, write atomically (UTF-8), and record ``path`` in the manifest."""
        return self.write_many({Path(path): text})[0]

    def write_many(self, texts: dict[Path, str]) -> list[Path]:
        """Check every path first, then write each and record them all: nothing half-refused."""
        self.check_all(texts)
        written = []
        for path, text in texts.items():
            path = Path(path)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(path, text.encode("utf-8"))
            except OSError as exc:
                raise output_error(path, exc) from None
            written.append(path)
        self.record(written)
        return written

    def record(self, paths: Iterable[str | Path]) -> None:
        """Record files designkit has just written (their current digests) in the manifest."""
        paths = list(paths)
        if not paths:
            return
        with self._manifest(write=True) as files:
            for path in paths:
                key, digest = self._key(Path(path)), file_digest(Path(path))
                if key is not None and digest is not None:
                    files[key] = {"sha256": digest, "by": self.by}

    def clear_previous_run(self) -> list[str]:
        """Remove the files the last run wrote here and left unchanged; return their names.

        A file changed since (someone edited it) is kept and forgotten: from now on it is theirs.
        The design file is never removed.
        """
        removed = []
        with self._manifest(write=True) as files:
            for key, entry in list(files.items()):
                if entry.get("by") != "run":
                    continue
                path = self.root / key
                del files[key]
                if any(_same_file(path, d) for d in self.protect):
                    continue
                if file_digest(path) == entry.get("sha256"):
                    with contextlib.suppress(OSError):
                        path.unlink()
                        removed.append(key)
        return removed

    def _adopt_earlier_version_outputs(self) -> None:
        """A run folder written before manifests existed (its findings.json or run.json names
        the design it came from, and there is no manifest), or by a run that was killed before
        it could record its files (the manifest still marks it pending): its run outputs are
        designkit's."""
        if (self.root / MANIFEST).exists():
            if self._read_manifest().get(_PENDING):
                self.adopt(_run_area(self.root))
            return
        for marker in ("findings.json", "run.json"):
            try:
                data = json.loads((self.root / marker).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(data, dict) and "design" in data:
                self.adopt(_run_area(self.root))
                return

    def mark_run(self, pending: bool) -> None:
        """Mark a run as under way (its files are recorded when it ends) or ended."""
        with self._manifest(write=True) as files:
            if pending:
                files[_PENDING] = {"by": "run-in-progress"}
            else:
                files.pop(_PENDING, None)

    def adopt(self, paths: Iterable[str | Path]) -> None:
        """``--force`` on a run: take over existing files in the run's output area."""
        self.record(p for p in paths if Path(p).is_file()
                    and not any(_same_file(Path(p), d) for d in self.protect))


@contextlib.contextmanager
def run_lock(folder: str | Path) -> Iterator[None]:
    """Hold ``folder`` for one run; a second run into it is refused at once (not queued)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        raise output_error(folder, exc, what="create the output folder") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputFolderBusyError(
                f"{folder}: another designkit run is writing into this folder; wait for it to "
                "finish, or choose another folder with -o") from None
        yield
    finally:
        os.close(fd)  # releases the lock


def guarded_write(path: str | Path, text: str, *, protect: Iterable[str | Path] = (),
                  force: bool = False, by: str = "export") -> Path:
    """Write one output file through a guard on its own folder (``check -o``, ``schema -o``)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(path.parent, exc, what="create the output folder") from None
    return OutputGuard(path.parent, protect=protect, force=force, by=by).write_text(path, text)




# What a run writes into its output folder: these files, and everything under these folders.
RUN_FILES = ("run.json", "spec.yaml", "checklist.md", "report.html", "findings.json")
RUN_FOLDERS = ("notebooks", "steps", "artifacts")


def _run_area(folder: Path) -> list[Path]:
    found = [folder / name for name in RUN_FILES if (folder / name).exists() or (folder / name).is_symlink()]
    for sub in RUN_FOLDERS:
        if (folder / sub).is_dir():
            found += sorted(p for p in (folder / sub).rglob("*") if p.is_file() or p.is_symlink())
    return found


@contextlib.contextmanager
def run_outputs(folder: str | Path, design: str | Path, *, force: bool = False) -> Iterator[OutputGuard]:
    """Hold ``folder`` for one run of ``design``: refuse what the run would destroy, clear the
    last run's files, and record what this run wrote (whether it finishes or not)."""
    folder = Path(folder)
    with run_lock(folder):
        guard = OutputGuard(folder, protect=[design], force=force, by="run")
        guard.check_all(_run_area(folder))          # the design is refused even with force
        guard.clear_previous_run()
        if force:                          # take over what is left, so this run may replace it
            guard.adopt(_run_area(folder))
        guard.mark_run(pending=True)
        try:
            yield guard
        finally:
            guard.record(p for p in _run_area(folder) if p.is_file())
            guard.mark_run(pending=False)


__all__ = ["MANIFEST", "RUN_FILES", "RUN_FOLDERS", "OutputFolderBusyError", "OutputGuard",
           "OutputRefusedError", "guarded_write", "output_error", "run_lock", "run_outputs"]
