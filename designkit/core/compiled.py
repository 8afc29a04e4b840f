"""The design model's validator, compiled once and kept beside the model's bytecode.

The model classes are declared with ``defer_build`` (see ``model.Section``): pydantic collects
their fields when the module is imported but generates no validator until one is used. The
validators ``designkit check`` needs are the one for :class:`~designkit.core.model.Design` and
those of the few models it makes itself (``_prebuilt``). Generating their core schemas (every
section, walked through pydantic's schema machinery) took about 60 ms of every run, half of
what building the model cost. The core schema is plain data,
dicts that name the model classes and validator functions, so it pickles; the validator pydantic
builds from the unpickled schema is the one it would have built itself.

The pickle is a cache, kept like a ``.pyc``: in the same ``__pycache__`` folder as the model's
bytecode (``importlib.util.cache_from_source``, so ``PYTHONPYCACHEPREFIX`` is honoured), not
written when Python writes no bytecode (``-B``, ``PYTHONDONTWRITEBYTECODE``), and trusted no
more than the ``.pyc`` beside it (whoever can write one can write the other). Its name carries
a digest of every source file in ``designkit/core``, the designkit, pydantic, pydantic-core
and Python versions: any change to the model or to the libraries names another file, so a stale
schema is never read. Anything unexpected (no file, a file that does not unpickle, a folder that
cannot be written) falls back to pydantic's own build. pydantic plugins are not consulted for
these validators (they are for any model built the ordinary way).
"""

from __future__ import annotations

import hashlib
import importlib.util
import pickle
import sys
from pathlib import Path

import pydantic
import pydantic_core

from . import model

_PREFIX = "model.core-schema."


def _prebuilt() -> list[type[pydantic.BaseModel]]:
    """The models whose validators validating a design runs: the design itself, the audit scope
    a validator of its own (``model._flag_or_scope``) validates, and every model a field's
    ``default_factory`` makes (a section missing from the file is built by calling its class)."""
    wanted = {model.Design, model.AuditScope}
    for cls in vars(model).values():
        if isinstance(cls, type) and issubclass(cls, pydantic.BaseModel):
            for info in cls.model_fields.values():
                made = info.default_factory
                if isinstance(made, type) and issubclass(made, pydantic.BaseModel):
                    wanted.add(made)
    # In the order the module defines them, the design last: a model is built after the models
    # it holds, so pydantic reuses their schemas instead of generating them again.
    return [cls for cls in vars(model).values()
            if isinstance(cls, type) and cls in wanted and cls is not model.Design] + [model.Design]


def _cache_path() -> Path | None:
    source = Path(model.__file__)
    try:
        pyc = Path(importlib.util.cache_from_source(str(source)))
        digest = hashlib.sha256()
        for path in sorted(source.parent.glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    except (NotImplementedError, OSError, ValueError):
        return None
    from .. import __version__

    for part in (__version__, pydantic.VERSION, pydantic_core.__version__, sys.version):
        digest.update(part.encode() + b"\0")
    return pyc.parent / f"{_PREFIX}{digest.hexdigest()[:24]}.pickle"


def _read(path: Path) -> dict | None:
    try:
        schemas = pickle.loads(path.read_bytes())
    except Exception:  # missing, partial or from an incompatible build: build it instead
        return None
    return schemas if isinstance(schemas, dict) and "Design" in schemas else None


def _write(path: Path, schemas: dict) -> None:
    if sys.dont_write_bytecode:
        return
    try:
        payload = pickle.dumps(schemas, protocol=pickle.HIGHEST_PROTOCOL)
        from .files import atomic_write

        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, payload)
        path.chmod(Path(model.__file__).stat().st_mode & 0o666)   # readable as the .pyc is
        for old in path.parent.glob(_PREFIX + "*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except Exception:  # a read-only install, an unpicklable validator: no cache, same result
        return


def _ready(cls) -> bool:
    return cls.__pydantic_complete__ or isinstance(cls.__dict__.get("__pydantic_validator__"),
                                                   pydantic_core.SchemaValidator)


def prepare_design_validator() -> None:
    """Make ``Design.model_validate`` ready, from the cached core schemas when there are some."""
    if _ready(model.Design):
        return
    path = _cache_path()
    cached = _read(path) if path is not None else None
    if cached is None:
        from pydantic._internal._config import ConfigWrapper

        schemas = {}
        for cls in _prebuilt():
            cls.model_rebuild()   # pydantic's own build of the deferred model
            config = ConfigWrapper(cls.model_config, check=False).core_config(title=cls.__name__)
            schemas[cls.__name__] = (cls.__pydantic_core_schema__, config)
        if path is not None:
            _write(path, schemas)
        return
    for name, (schema, config) in cached.items():
        cls = getattr(model, name)
        if not _ready(cls):
            cls.__pydantic_core_schema__ = schema
            cls.__pydantic_validator__ = pydantic_core.SchemaValidator(schema, config)
