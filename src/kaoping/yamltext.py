"""YAML read with the line of every key, for definition files whose errors name a line.

The catalogue and the data model are both YAML written by hand; a mistake must be
reported with the line it sits on, and a key written twice (which YAML resolves silently,
keeping the last) must be reported at all.
"""

from __future__ import annotations

import types
import typing
from typing import Any

import yaml

#: a path into a YAML document: mapping keys and sequence indices
Path_ = tuple[str | int, ...]

#: libyaml's parser when PyYAML was built with it: the same safe loader, ten times faster
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def line_map(
    node: yaml.Node, path: Path_ = (), out: dict[Path_, int] | None = None
) -> dict[Path_, int]:
    """Path of every key/item in a composed YAML tree -> its 1-based line."""
    out = {} if out is None else out
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            if isinstance(key, str) and key.isdigit():
                key_path: Path_ = (*path, int(key))
            else:
                key_path = (*path, key)
            out[key_path] = key_node.start_mark.line + 1
            line_map(value_node, key_path, out)
            out[key_path] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            line_map(item, (*path, i), out)
    return out


def line_at(lines: dict[Path_, int], path: Path_) -> int | None:
    """The line of ``path``, or of its nearest ancestor the map knows."""
    for n in range(len(path), -1, -1):
        if path[:n] in lines:
            return lines[path[:n]]
    return None


def duplicate_keys(node: yaml.Node | None) -> list[tuple[str, int]]:
    """Keys repeated within one mapping: YAML keeps the last silently, hiding the first."""
    if isinstance(node, yaml.MappingNode):
        out: list[tuple[str, int]] = []
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                out.append((key, key_node.start_mark.line + 1))
            seen.add(key)
            out.extend(duplicate_keys(value_node))
        return out
    if isinstance(node, yaml.SequenceNode):
        return [dup for item in node.value for dup in duplicate_keys(item)]
    return []


def syntax_error(exc: yaml.YAMLError) -> tuple[str, int | None]:
    """A YAML syntax error as (message, line)."""
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    what = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    return f"not valid YAML: {what}" + (f" ({context})" if context else ""), line


def parse(text: str) -> tuple[Any, dict[Path_, int], yaml.Node | None]:
    """The document, its line map and its node tree; raises :class:`yaml.YAMLError`."""
    loader = LOADER(text)
    try:  # composed once, and the document constructed from that tree: half the parsing
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, (line_map(node) if node is not None else {}), node


def unwrap_optional(annotation: Any) -> Any:
    """``X | None`` -> ``X``."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def annotation_at(cls: Any, loc: Path_ | typing.Sequence[str | int]) -> Any:
    """The type a field at ``loc`` inside the pydantic model ``cls`` is declared with (a
    pydantic error gives the path; the message says what would be valid there)."""
    from pydantic import BaseModel

    current: Any = cls
    for part in loc:
        current = unwrap_optional(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(str(part))
            if info is None:
                return None
            current = info.annotation
        elif typing.get_origin(current) in (dict, list):
            current = typing.get_args(current)[-1]
        else:
            return None
    return unwrap_optional(current)
