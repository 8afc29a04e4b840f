"""Writing YAML: libyaml's emitter when it is there, several times faster than PyYAML's own.

The spec and the OpenAPI file of a 1,000-endpoint design are a few MB; with the pure-Python
emitter writing them took most of the report step.
"""

from __future__ import annotations

from typing import Any

import yaml

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump_yaml(data: Any, *, width: int = 100) -> str:
    """Block-style YAML, keys in the order given, Unicode kept as is."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=width,
                     default_flow_style=False)
