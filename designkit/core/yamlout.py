"""Writing YAML: libyaml's emitter when it is there, several times faster than PyYAML's own.

The spec and the OpenAPI file of a 1,000-endpoint design are a few MB; with the pure-Python
emitter writing them took most of the report step.

A :class:`FlowMap` is written on one line (``{name: id, type: uuid}``), as the examples write
fields; ``literal_blocks=True`` writes text with line breaks as ``|`` blocks, for files a person
edits next (an imported design).

With libyaml, plain data (dicts, lists, text, numbers, booleans, None: the types the safe
representer writes, each object once) skips PyYAML's Python representer and serializer, which
took most of the time of writing a large file: the events they would make are made here in one
pass (one event object per distinct short text, kept) and handed to libyaml's emitter, which
does all the writing (styles, quoting, folding, escapes). Each scalar's implicit flags come from
the same resolver, so the text is the one ``yaml.dump`` writes, byte for byte
(``tests/test_yamlout.py`` holds the two to that). Anything else (other types, an object reached
twice, which the representer writes as an anchor and alias) is written by ``yaml.dump``.
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import yaml
from yaml.events import (
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import ScalarNode

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_FAST = _Dumper is not yaml.SafeDumper

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_QUOTE = "tag:designkit,2026:text-to-quote"   # any tag but str's: the emitter quotes the text


class FlowMap(dict):
    """A small mapping written on one line: ``{name: id, type: uuid}``."""


def _plain_reads_as_text(value: str) -> bool:
    """Whether designkit's loader (the YAML 1.2 core schema) reads ``value`` written plain as text."""
    from .loader import resolve_plain  # here: the loader imports the model, this module does not

    return resolve_plain(value)[0] == "str"


class _FlowDumper(_Dumper):
    def resolve(self, kind, value, implicit):
        """PyYAML's YAML 1.1 answer, and text that YAML 1.2 reads as a number quoted too.

        A plain scalar is written plain only when both rule sets read it as text: ``yes``,
        ``NO`` and ``1:30`` are quoted for YAML 1.1 readers (as PyYAML always did), and
        ``1e3`` or ``0o17``, text to YAML 1.1, are quoted because designkit's own loader and
        other YAML 1.2 readers take them for numbers.
        """
        tag = super().resolve(kind, value, implicit)
        if tag == _STR and kind is ScalarNode and implicit[0] and not _plain_reads_as_text(value):
            return _QUOTE
        return tag


class _BlockTextDumper(_FlowDumper):
    pass


def _flow_map(dumper, value: FlowMap):
    return dumper.represent_mapping(_MAP, value, flow_style=True)


def _text(dumper, value: str):
    return dumper.represent_scalar(_STR, value, style="|" if "\n" in value else None)


_FlowDumper.add_representer(FlowMap, _flow_map)
_BlockTextDumper.add_representer(str, _text)


def dump_yaml(data: Any, *, width: int = 100, literal_blocks: bool = False) -> str:
    """Block-style YAML, keys in the order given, Unicode kept as is."""
    dumper_class = _BlockTextDumper if literal_blocks else _FlowDumper
    if _FAST:
        try:
            return _dump_events(data, dumper_class, width, literal_blocks)
        except _Fallback:
            pass
    return yaml.dump(data, Dumper=dumper_class, sort_keys=False, allow_unicode=True, width=width,
                     default_flow_style=False)


class _Fallback(Exception):
    """The data holds something the fast path does not write the way ``yaml.dump`` does."""


# The events of short text scalars, kept per text (and style): keys, types and names come back
# thousands of times in a large file, and libyaml's emitter only reads an event. Long text
# (descriptions) is not kept, so that a long-lived kernel does not hold every text it wrote.
_TEXT_EVENTS: dict[str, ScalarEvent] = {}
_BLOCK_EVENTS: dict[str, ScalarEvent] = {}
_CACHE_MAX = 50_000
_CACHE_TEXT = 64
_RESOLVER = _FlowDumper(StringIO())   # its resolve(), the one both paths use
_MAP_START = MappingStartEvent(None, None, True, flow_style=False)
_FLOW_START = MappingStartEvent(None, None, True, flow_style=True)
_MAP_END = MappingEndEvent()
_SEQ_START = SequenceStartEvent(None, None, True, flow_style=False)
_SEQ_END = SequenceEndEvent()


def _text_event(value: str, literal_blocks: bool, long_texts: dict[str, ScalarEvent]) -> ScalarEvent:
    """The event ``represent_str`` and the serializer make of ``value``, made once per text
    (a long text once per call, in ``long_texts``)."""
    event = long_texts.get(value)
    if event is not None:
        return event
    block = literal_blocks and "\n" in value
    # implicit: written plain, does it read back as text (not "yes", "1:30", "null" ...)
    implicit = (_RESOLVER.resolve(ScalarNode, value, (True, False)) == _STR, True)
    # No tag: libyaml reads a scalar's tag only when neither implicit flag is set, and text is
    # always implicit when quoted (the same holds for the collections below).
    event = ScalarEvent(None, None, implicit, value, style="|" if block else None)
    if len(value) > _CACHE_TEXT:
        long_texts[value] = event
    else:
        cache = _BLOCK_EVENTS if literal_blocks else _TEXT_EVENTS
        if len(cache) < _CACHE_MAX:
            cache[value] = event
    return event


def _float_text(data: float) -> str:
    """As ``SafeRepresenter.represent_float`` writes it."""
    if data != data:
        return ".nan"
    if data == float("inf"):
        return ".inf"
    if data == -float("inf"):
        return "-.inf"
    value = repr(data).lower()
    if "." not in value and "e" in value:
        value = value.replace("e", ".0e", 1)
    return value


def _typed(tag: str, value: str) -> ScalarEvent:
    """A number, boolean or null: implicit as the serializer finds it (never as quoted text)."""
    return ScalarEvent(None, tag, (_RESOLVER.resolve(ScalarNode, value, (True, False)) == tag,
                                   False), value)


_TRUE = _typed("tag:yaml.org,2002:bool", "true")
_FALSE = _typed("tag:yaml.org,2002:bool", "false")
_NULL = _typed("tag:yaml.org,2002:null", "null")
_DOC_START = DocumentStartEvent(explicit=False)
_DOC_END = DocumentEndEvent(explicit=False)


def _int_event(value: int) -> ScalarEvent:
    event = _typed("tag:yaml.org,2002:int", str(value))
    if len(_INT_EVENTS) < _CACHE_MAX:
        _INT_EVENTS[value] = event
    return event


_INT_EVENTS: dict[int, ScalarEvent] = {}


def _dump_events(data: Any, dumper_class: type, width: int, literal_blocks: bool) -> str:
    """``data`` written through ``dumper_class``'s emitter from events made here; raises
    ``_Fallback`` (the half-written text is dropped) where ``yaml.dump`` must write it."""
    seen: set[int] = set()
    texts = _BLOCK_EVENTS if literal_blocks else _TEXT_EVENTS
    long_texts: dict[str, ScalarEvent] = {}
    stream = StringIO()
    dumper = dumper_class(stream, default_flow_style=False, allow_unicode=True, width=width,
                          sort_keys=False)
    emit = dumper.emit

    def walk(node: Any) -> None:
        kind = node.__class__
        if kind is str:
            event = texts.get(node)
            emit(event if event is not None else _text_event(node, literal_blocks, long_texts))
        elif kind is dict or kind is FlowMap:
            if id(node) in seen:
                raise _Fallback
            seen.add(id(node))
            emit(_FLOW_START if kind is FlowMap else _MAP_START)
            for key, value in node.items():
                # the commonest scalars (known text) here rather than through a call
                if key.__class__ is str and (event := texts.get(key)) is not None:
                    emit(event)
                else:
                    walk(key)
                if value.__class__ is str and (event := texts.get(value)) is not None:
                    emit(event)
                else:
                    walk(value)
            emit(_MAP_END)
        elif kind is list:
            if id(node) in seen:
                raise _Fallback
            seen.add(id(node))
            emit(_SEQ_START)
            for item in node:
                if item.__class__ is str and (event := texts.get(item)) is not None:
                    emit(event)
                else:
                    walk(item)
            emit(_SEQ_END)
        elif kind is bool:
            emit(_TRUE if node else _FALSE)
        elif kind is int:
            event = _INT_EVENTS.get(node)
            emit(event if event is not None else _int_event(node))
        elif kind is float:
            emit(_typed("tag:yaml.org,2002:float", _float_text(node)))
        elif node is None:
            emit(_NULL)
        else:
            raise _Fallback

    try:
        dumper.open()
        emit(_DOC_START)
        walk(data)
        emit(_DOC_END)
        dumper.close()
        return stream.getvalue()
    finally:
        # ``walk`` calls itself through its closure: a reference cycle that would hold the
        # emitter and its text until a garbage collection (which callers may have paused)
        walk = None  # type: ignore[assignment]  # noqa: F841
