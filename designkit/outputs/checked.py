"""A design loaded and checked once, saved for the steps of a batch run to share.

``designkit run`` loads and checks the design once and saves the result to a file that only
this user can read (in the run's private temporary folder); every step notebook reads it back
instead of loading and checking the design again. It is read back only while the design file
still has the digest it was loaded with: a design edited since is loaded afresh.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path


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
