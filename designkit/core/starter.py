"""`designkit new`: a starter design file with every section and commented guidance."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from string import Template

from .errors import UsageError
from .loader import load_design_text
from .schema import SCHEMA_FILE

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


def starter_text(name: str, file: str = "design.yaml") -> str:
    """The starter design for ``name``; it loads cleanly and every section is present."""
    template = resources.files(__package__).joinpath("starter.yaml.tmpl").read_text(encoding="utf-8")
    return Template(template).substitute(name=name, file=file, schema_path=SCHEMA_FILE.as_uri())


def write_starter(name: str, output: Path | None = None, *, force: bool = False) -> Path:
    """Write the starter design file; refuse to overwrite an existing one unless ``force``."""
    if not _NAME.match(name):
        raise UsageError(f"name {name!r} must be lower-case letters, digits, '.', '_' or '-' "
                         "(e.g. payments-ledger)")
    path = output or Path(name) / "design.yaml"
    if path.exists() and not force:
        raise UsageError(f"{path} already exists; choose another path with -o, or pass --force")
    text = starter_text(name, str(path))
    load_design_text(text, str(path))  # the starter must always load; fail here, not in the user's hands
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
