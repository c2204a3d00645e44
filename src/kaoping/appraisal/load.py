"""Load appraisal schemes from YAML: the two shipped defaults and the user's own files.

A scheme file is one mapping (see docs/appraisal.md). It is parsed into
:class:`~kaoping.appraisal.scheme.Scheme` and then checked against the indicator
catalogue and the data model (:mod:`kaoping.appraisal.validate`). Every problem found is
reported together, each with the file, line, place and field, and a suggestion where a
name is close to a valid one -- the way the catalogue reports its own.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from kaoping.appraisal.errors import SchemeError, SchemeProblem
from kaoping.appraisal.scheme import METHODS, Scheme
from kaoping.appraisal.validate import validate_scheme
from kaoping.catalogue.models import Catalogue
from kaoping.catalogue.typecheck import did_you_mean
from kaoping.yamltext import line_at, parse, syntax_error  # the catalogue's YAML reading

__all__ = [
    "DEFAULT_SCHEMES",
    "SCHEME_DIR",
    "check_scheme",
    "default_scheme",
    "load_scheme",
    "scheme_from_text",
]

SCHEME_DIR = Path(__file__).parent / "schemes"

#: short name -> shipped file; ``load_scheme("organs")`` reads the default organ scheme
DEFAULT_SCHEMES: dict[str, Path] = {
    "organs": SCHEME_DIR / "grassroots_organs.yaml",
    "prosecutors": SCHEME_DIR / "prosecutors.yaml",
}

PathT = tuple[str | int, ...]
_PEERS = ("peer_max", "peer_mean", "peer_median")


def default_scheme(kind: str = "organ", catalogue: Catalogue | None = None) -> Scheme:
    """The shipped scheme for ``kind`` ("organ" / "organs" or "prosecutor" / "prosecutors")."""
    name = kind if kind.endswith("s") else kind + "s"
    if name not in DEFAULT_SCHEMES:
        raise KeyError(f"no default scheme for {kind!r}; use 'organ' or 'prosecutor'")
    return load_scheme(DEFAULT_SCHEMES[name], catalogue)


def load_scheme(source: Path | str, catalogue: Catalogue | None = None) -> Scheme:
    """Read and validate a scheme: a file path, or the name of a default ("organs").

    Raises :class:`SchemeError` listing every problem. ``catalogue`` defaults to the
    indicator catalogue (``kaoping.catalogue.load_catalogue()``).
    """
    path = DEFAULT_SCHEMES.get(str(source), Path(source))
    scheme, problems = check_scheme(path, catalogue)
    if problems or scheme is None:
        raise SchemeError(problems)
    return scheme


def check_scheme(
    path: Path, catalogue: Catalogue | None = None
) -> tuple[Scheme | None, list[SchemeProblem]]:
    """The scheme in ``path`` and every problem of it (the scheme is None if any)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        known = ", ".join(DEFAULT_SCHEMES)
        return None, [SchemeProblem(str(path), f"no such file (default schemes: {known})")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [SchemeProblem(str(path), f"cannot read the file ({exc}); save it as UTF-8")]
    return scheme_from_text(text, str(path), catalogue)


def scheme_from_text(
    text: str, file: str = "<scheme>", catalogue: Catalogue | None = None
) -> tuple[Scheme | None, list[SchemeProblem]]:
    """Parse and validate scheme YAML ``text``; ``file`` names it in problems."""
    try:
        data, lines, _ = parse(text)
    except yaml.YAMLError as exc:
        message, line = syntax_error(exc)
        return None, [SchemeProblem(file, message, line=line)]
    if not isinstance(data, dict):
        return None, [SchemeProblem(file, "a scheme file is one mapping (id, subjects, "
                                          "dimensions, grades, ...)", line=1)]

    def problem(path: PathT, message: str) -> SchemeProblem:
        return SchemeProblem(
            file, message, where=_where(data, path), field=_field(path),
            line=line_at(lines, path),
        )

    try:
        scheme = Scheme.model_validate(data)
    except ValidationError as exc:
        return None, _pydantic_problems(exc, problem)
    if catalogue is None:
        from kaoping.catalogue import load_catalogue

        catalogue = load_catalogue()
    problems = [problem(i.path, i.message) for i in validate_scheme(scheme, catalogue)]
    return (None if problems else scheme), problems


# --- places and fields -----------------------------------------------------------------

_PLACES = {
    "dimensions": "dimension",
    "indicators": "indicator",
    "grades": "grade",
    "items": "item",
    "types": "case type",
}


def _where(data: Any, path: PathT) -> str | None:
    """"dimension `quality` › indicator `acquittal_rate`" for a path into the scheme."""
    parts: list[str] = []
    node = data
    for i, key in enumerate(path):
        child = node.get(key) if isinstance(node, dict) else (
            node[key] if isinstance(node, list) and isinstance(key, int) and key < len(node)
            else None
        )
        prev = path[i - 1] if i else None
        if isinstance(key, int) and isinstance(prev, str) and prev in _PLACES:
            name = None
            if isinstance(child, dict):
                name = child.get("indicator") if prev == "indicators" else child.get("id")
            place = _PLACES[prev]
            if prev == "items" and i >= 2 and path[i - 2] in ("bonus", "deduction"):
                place = str(path[i - 2])
            parts.append(f"{place} `{name}`" if name else f"{place} #{key + 1}")
        node = child
    return " › ".join(parts) or None


def _field(path: PathT) -> str | None:
    tail = [str(p) for p in path if not isinstance(p, int)]
    while tail and tail[-1] in _PLACES:
        tail.pop()
    return ".".join(tail[-2:]) if tail else None


# --- pydantic errors made friendly ------------------------------------------------------


def _model_at(path: PathT) -> Any:
    """The model class a path points into (method tags choose the indicator item class)."""
    current: Any = Scheme
    for part in path:
        if isinstance(part, int):
            continue
        if isinstance(part, str) and part in METHODS:
            current = METHODS[part]
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(part)
        if info is None:
            return None
        current = _inner(info.annotation)
    return current


def _inner(annotation: Any) -> Any:
    """``list[X]`` / ``X | None`` / ``Annotated[...]`` -> ``X`` (None for unions of models)."""
    while True:
        origin = typing.get_origin(annotation)
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if origin in (list, dict):
            annotation = args[-1]
        elif origin is typing.Annotated or (
            args and origin is not typing.Literal and len(args) == 1
        ):
            annotation = args[0]
        else:
            return annotation


def _clean(loc: Sequence[str | int]) -> PathT:
    """The error location as a path into the YAML: union-branch names dropped."""
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and (part in METHODS or part in ("float",)
                                      or part.startswith(("literal[", "function-"))):
            continue
        out.append(part)
    return tuple(out)


def _friendly(err: Any) -> tuple[PathT, str]:
    loc = _clean(err["loc"])
    kind, given = err["type"], err.get("input")
    name = str(loc[-1]) if loc else "scheme"
    if kind == "extra_forbidden":
        model = _model_at(tuple(err["loc"])[:-1])
        valid = list(model.model_fields) if isinstance(model, type) and issubclass(
            model, BaseModel) else []
        return loc, f"unknown field `{name}`{did_you_mean(name, valid)}" + (
            f" (fields here: {', '.join(valid)})" if valid else ""
        )
    if kind == "missing":
        return loc, f"required field `{name}` is missing"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        methods = list(METHODS)
        tag = given.get("method") if isinstance(given, dict) else None
        got = f"'{tag}' is not a scoring method" if tag else "`method` is missing"
        hint = did_you_mean(str(tag), methods, quote="'") if tag else ""
        return (*loc, "method"), f"{got}{hint} (methods: {', '.join(methods)})"
    if name == "target" and kind in ("float_parsing", "literal_error"):
        hint = did_you_mean(str(given), _PEERS, quote="'")
        return loc, ("target must be a number or one of 'peer_max', 'peer_mean', "
                     f"'peer_median'; got {given!r}{hint}")
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        options = [o.strip(" '") for o in expected.replace(" or ", ", ").split(",")]
        hint = did_you_mean(str(given), options, quote="'")
        return loc, f"'{given}' is not a valid `{name}`{hint} (valid: {expected})"
    if name == "id" and kind == "string_pattern_mismatch":
        return loc, (f"'{given}' is not a valid id: use lower-case letters, digits and "
                     "underscores, starting with a letter")
    return loc, f"{err['msg']}; got {given!r}"


def _pydantic_problems(exc: ValidationError, problem: Any) -> list[SchemeProblem]:
    out: list[SchemeProblem] = []
    seen: set[PathT] = set()
    for err in exc.errors():
        path, message = _friendly(err)
        if path in seen and err["type"] in ("float_parsing", "literal_error"):
            continue  # one message for "number or keyword" unions
        seen.add(path)
        out.append(problem(path, message))
    out.sort(key=lambda p: p.line or 0)
    return out
