"""Writing YAML: libyaml's emitter when it is there, several times faster than PyYAML's own.

The spec and the OpenAPI file of a 1,000-endpoint design are a few MB; with the pure-Python
emitter writing them took most of the report step.

A :class:`FlowMap` is written on one line (``{name: id, type: uuid}``), as the examples write
fields; ``literal_blocks=True`` writes text with line breaks as ``|`` blocks, for files a person
edits next (an imported design).
"""

from __future__ import annotations

from typing import Any

import yaml

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class FlowMap(dict):
    """A small mapping written on one line: ``{name: id, type: uuid}``."""


class _FlowDumper(_Dumper):
    pass


class _BlockTextDumper(_FlowDumper):
    pass


def _flow_map(dumper, value: FlowMap):
    return dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=True)


def _text(dumper, value: str):
    return dumper.represent_scalar("tag:yaml.org,2002:str", value,
                                   style="|" if "\n" in value else None)


_FlowDumper.add_representer(FlowMap, _flow_map)
_BlockTextDumper.add_representer(str, _text)


def dump_yaml(data: Any, *, width: int = 100, literal_blocks: bool = False) -> str:
    """Block-style YAML, keys in the order given, Unicode kept as is."""
    return yaml.dump(data, Dumper=_BlockTextDumper if literal_blocks else _FlowDumper,
                     sort_keys=False, allow_unicode=True, width=width, default_flow_style=False)
