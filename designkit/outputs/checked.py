"""A design loaded and checked once, saved for the steps of a batch run to share.

``designkit run`` loads and checks the design once and saves the result to a file that only
this user can read (in the run's private temporary folder); every step notebook reads it back
instead of loading and checking the design again. It is read back only while the design file
still has the digest it was loaded with: a design edited since is loaded afresh.

What the steps and the outputs derive from the design alike is made once too: ``shared`` saves
it next to the ``checked`` file, under the design's digest, for the other processes of the run:
the design as plain data (each step writes its section; in a kernel the first dump builds the
model's serializers, 0.2 s) and the latency budget chart (matplotlib: a second to import).
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def save_checked(document, result, path: str | Path) -> Path:
    """Save a loaded ``DesignDocument`` and its ``CheckResult`` to ``path``."""
    path = Path(path)
    with open(path, "wb") as f:
        pickle.dump((document.digest, document, result), f, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def load_checked(path: str | Path, design_path: str | Path):
    """``(document, result)`` saved at ``path``, or None when there is none or the design file
    no longer has the saved digest."""
    try:
        with open(path, "rb") as f:
            digest, document, result = pickle.load(f)
        current = hashlib.sha256(Path(design_path).read_bytes()).hexdigest()
    except (OSError, pickle.UnpicklingError, EOFError, ValueError):
        return None
    return (document, result) if digest and digest == current else None


def shared(checked: str | Path, digest: str, key: str, make: Callable[[], T]) -> T:
    """``make()``, made once in a batch run: the first process of the run that needs it (a step's
    kernel, or the runner) saves it next to the run's ``checked`` file under the design's
    ``digest``; the others read it back. Outside a run (no ``checked``) it is simply made."""
    if not checked or not digest:
        return make()
    path = Path(checked).with_name(f"{key}.pickle")
    try:
        with open(path, "rb") as f:
            saved, value = pickle.load(f)
        if saved == digest:
            return value
    except (OSError, pickle.UnpicklingError, EOFError, ValueError):
        pass
    value = make()
    partial = path.with_name(f"{path.name}.{os.getpid()}")
    try:  # whole or not at all: a process reading it meanwhile sees no file, not half of one
        with open(partial, "wb") as f:
            pickle.dump((digest, value), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)
    except OSError:  # the run's folder is gone: there is nobody left to share it with
        pass
    return value


def latency_budget_svg(design, checked: str | Path = "", digest: str = "") -> str | None:
    """The latency budget chart of ``design`` (``outputs.capacity_plot``), made once in a run."""
    def make():
        from ..capacity import capacity_model
        from .capacity_plot import latency_budget_svg

        return latency_budget_svg(capacity_model(design))
    return shared(checked, digest, "latency-budget", make)


def design_dump(document, checked: str | Path = "") -> dict:
    """The design as plain data (JSON types, aliases, defaults left out), made once in a run."""
    return shared(checked, document.digest, "design-dump",
                  lambda: document.design.model_dump(mode="json", by_alias=True, exclude_defaults=True))
