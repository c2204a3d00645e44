"""Load indicator catalogues from YAML files: the default one and the user's own.

A catalogue file is a mapping with one key, ``indicators``, holding a list of indicators
(see ``docs/catalogue.md``). The default catalogue ships in ``kaoping/catalogue/default``;
users add files beside it by passing paths, or by pointing the environment variable
``KAOPING_CATALOGUE_DIR`` at one or more directories (separated by ``os.pathsep``) whose
``*.yaml`` files are read after the default ones.

Every file is read whole and every indicator checked, so that one run reports every
mistake with the file, line, indicator and field it sits in.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from kaoping.catalogue.errors import CatalogueError, Problem
from kaoping.catalogue.models import ASPECTS, Catalogue, Indicator
from kaoping.catalogue.typecheck import did_you_mean
from kaoping.catalogue.validate import validate_indicator, with_defaults
from kaoping.yamltext import (
    Path_,
    annotation_at,
    duplicate_keys,
    line_at,
    parse,
    syntax_error,
)

DEFAULT_DIR = Path(__file__).parent / "default"
ENV_DIR = "KAOPING_CATALOGUE_DIR"
TOP_LEVEL_KEYS = ("indicators",)


@dataclass
class FileResult:
    """What one file yielded: valid indicators (with their lines) and every problem."""

    file: str
    indicators: list[tuple[Indicator, int | None]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class CheckResult:
    """The outcome of reading some files, without raising."""

    catalogue: Catalogue
    problems: list[Problem]
    files: list[FileResult]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


# --- finding files ---------------------------------------------------------------------


def default_files() -> list[Path]:
    return sorted(DEFAULT_DIR.glob("*.yaml"))


def env_paths() -> list[Path]:
    value = os.environ.get(ENV_DIR, "")
    return [Path(p) for p in value.split(os.pathsep) if p.strip()]


def default_catalogue_applies() -> bool:
    """Whether the default catalogue fits the active data model: it counts the default
    model's tables, so it is read for that model and for those extending it (which keep
    every table of theirs), and left out for a model of its own, e.g. a US county
    office's, whose catalogue is the user's files alone."""
    from kaoping.model.selection import active, default_model

    return set(default_model().tables) <= set(active().tables)


def catalogue_files(
    paths: Sequence[Path] | None = None, *, include_default: bool | None = None
) -> list[Path]:
    """The files to read, in order: default ones, then ``paths`` (or ``$KAOPING_CATALOGUE_DIR``).

    ``include_default`` None reads the default files when they fit the active model
    (:func:`default_catalogue_applies`).

    Directories are expanded to their ``*.yaml`` / ``*.yml`` files; a file named twice is
    read once.
    """
    if include_default is None:
        include_default = default_catalogue_applies()
    wanted: list[Path] = default_files() if include_default else []
    for p in env_paths() if paths is None else paths:
        p = Path(p)
        if p.is_dir():
            wanted.extend(sorted([*p.glob("*.yaml"), *p.glob("*.yml")]))
        else:
            wanted.append(p)
    seen: set[Path] = set()
    out: list[Path] = []
    for p in wanted:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


# --- pydantic errors made friendly -----------------------------------------------------


def _annotation_at(loc: Sequence[str | int]) -> Any:
    """The type the field at ``loc`` (relative to an indicator) is declared with."""
    return annotation_at(Indicator, loc)


def _valid_fields(parent: Any) -> list[str]:
    if isinstance(parent, type) and issubclass(parent, BaseModel):
        return list(parent.model_fields)
    return []


def friendly(err: Any) -> tuple[Path_, str]:
    """A pydantic error as (field path, message saying what would be valid)."""
    loc: Path_ = tuple(p for p in err["loc"] if p != "[key]")
    kind, given = err["type"], err.get("input")
    name = str(loc[-1]) if loc else "indicator"
    if kind == "extra_forbidden":
        valid = _valid_fields(_annotation_at(loc[:-1]))
        hint = did_you_mean(name, valid)
        return loc, f"unknown field `{name}`{hint} (fields here: {', '.join(valid)})"
    if kind == "missing":
        return loc, f"required field `{name}` is missing"
    annotation = _annotation_at(loc)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        values = [str(m.value) for m in annotation]
        hint = did_you_mean(str(given), values, quote="'")
        return loc, f"'{given}' is not a valid `{name}`{hint} (valid values: {', '.join(values)})"
    if kind == "string_pattern_mismatch" and name == "id":
        return loc, (
            f"'{given}' is not a valid id: use lower-case letters, digits and underscores, "
            "starting with a letter (e.g. non_arrest_rate)"
        )
    if name == "aspect":
        listing = "; ".join(f"{k} {en}" for k, (_, en) in ASPECTS.items())
        return loc, f"aspect must be a whole number 1-5 ({listing}); got {given!r}"
    if name == "effective_from":
        why = str(err.get("ctx", {}).get("error", err["msg"]))
        return loc, (
            f"`effective_from` is a month (2020-04) or a date (2020-04-15): {why}; "
            f"got {given!r}"
        )
    if "[key]" in err["loc"]:
        return loc, f"`{name}` is not a level; by_level keys are the levels 1-4"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        valid = _valid_fields(annotation)
        return loc, f"`{name}` must be a mapping with the fields {', '.join(valid)}; got {given!r}"
    return loc, f"{err['msg']}; got {given!r}"


# --- reading one file ------------------------------------------------------------------


def load_file(path: Path) -> FileResult:
    """Read and check one catalogue file; never raises for problems in the file."""
    result = FileResult(str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        result.problems.append(Problem(result.file, "no such file"))
        return result
    except (OSError, UnicodeDecodeError) as exc:
        result.problems.append(
            Problem(result.file, f"cannot read the file ({exc}); save it as UTF-8")
        )
        return result
    try:
        data, lines, node = parse(text)
    except yaml.YAMLError as exc:
        message, line = syntax_error(exc)
        result.problems.append(Problem(result.file, message, line=line))
        return result
    result.problems.extend(
        Problem(
            result.file, f"key `{key}` appears twice in one mapping; the first is lost", line=line
        )
        for key, line in duplicate_keys(node)
    )
    for item, index in _items(result, data, lines):
        _load_indicator(result, item, index, lines)
    result.problems.sort(key=lambda p: p.line or 0)
    return result


def _items(result: FileResult, data: Any, lines: dict[Path_, int]) -> Iterable[tuple[Any, int]]:
    shape = "a catalogue file is a mapping with a list under `indicators:`"
    if not isinstance(data, dict):
        result.problems.append(
            Problem(result.file, f"{shape}; this file holds {type(data).__name__}", line=1)
        )
        return []
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            hint = did_you_mean(str(key), TOP_LEVEL_KEYS)
            result.problems.append(
                Problem(
                    result.file,
                    f"unknown top-level key `{key}`{hint}; {shape}",
                    field=str(key),
                    line=line_at(lines, (key,)),
                )
            )
    items = data.get("indicators")
    if not isinstance(items, list):
        result.problems.append(
            Problem(result.file, shape, field="indicators", line=line_at(lines, ("indicators",)))
        )
        return []
    return [(item, i) for i, item in enumerate(items)]


def _load_indicator(result: FileResult, item: Any, index: int, lines: dict[Path_, int]) -> None:
    base: Path_ = ("indicators", index)
    raw_id = item.get("id") if isinstance(item, dict) else None
    label = raw_id if isinstance(raw_id, str) else f"#{index + 1}"
    line = line_at(lines, base)

    def problem(path: Path_, message: str, severity: Any = "error") -> Problem:
        return Problem(
            result.file,
            message,
            indicator=label,
            field=".".join(str(p) for p in path) or None,
            line=line_at(lines, (*base, *path)),
            severity=severity,
        )

    if not isinstance(item, dict):
        result.problems.append(
            problem((), "an indicator is a mapping of fields (id, name_zh, ...)")
        )
        return
    try:
        ind = Indicator.model_validate(item)
    except ValidationError as exc:
        bad: list[Path_] = []
        for err in exc.errors():
            path, message = friendly(err)
            bad.append(path)
            result.problems.append(problem(path, message))
        # Check the rest too, so that one run reports every mistake of the indicator.
        salvaged = _salvage(item, bad)
        if salvaged is not None:
            for issue in validate_indicator(salvaged):
                result.problems.append(problem(issue.path, issue.message, issue.severity))
        return
    for issue in validate_indicator(ind):
        result.problems.append(problem(issue.path, issue.message, issue.severity))
    result.indicators.append((with_defaults(ind), line))


# Required text fields whose mistakes do not affect other rules: stand-ins keep checking.
_STAND_INS = {
    "id": "invalid_id",
    "name_zh": "-",
    "name_en": "-",
    "definition_zh": "-",
    "definition_en": "-",
    "family": "-",
}


def _salvage(item: dict[str, Any], bad: list[Path_]) -> Indicator | None:
    """``item`` without its faulty fields, if that still makes an indicator."""
    clean = copy.deepcopy(item)
    for path in bad:
        parent: Any = clean
        for part in path[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None
        if isinstance(parent, dict) and path and path[-1] in parent:
            del parent[path[-1]]
            if len(path) == 1 and path[0] in _STAND_INS:
                parent[path[0]] = _STAND_INS[path[0]]
    try:
        return Indicator.model_validate(clean)
    except ValidationError:
        return None


# --- the catalogue ---------------------------------------------------------------------


def check_files(
    paths: Sequence[Path] | None = None, *, include_default: bool | None = None
) -> CheckResult:
    """Read the catalogue files and report every problem, without raising.

    The returned catalogue holds the indicators that passed; duplicates keep the first.
    """
    files = [load_file(p) for p in catalogue_files(paths, include_default=include_default)]
    problems = [p for f in files for p in f.problems]
    seen: dict[str, str] = {}
    indicators: list[Indicator] = []
    for f in files:
        for ind, line in f.indicators:
            where = f"{f.file}:{line}" if line else f.file
            if ind.id in seen:
                problems.append(
                    Problem(
                        f.file,
                        f"duplicate id `{ind.id}`: already defined in {seen[ind.id]}; "
                        "ids must be unique across all catalogue files",
                        indicator=ind.id,
                        field="id",
                        line=line,
                    )
                )
                continue
            seen[ind.id] = where
            indicators.append(ind)
    warnings = [str(p) for p in problems if p.severity == "warning"]
    catalogue = Catalogue(indicators=indicators, sources=seen, warnings=warnings)
    return CheckResult(catalogue, problems, files)


def load_catalogue(
    paths: Sequence[Path] | None = None, *, include_default: bool | None = None
) -> Catalogue:
    """The indicator catalogue: the default one plus ``paths`` (or ``$KAOPING_CATALOGUE_DIR``).

    Raises :class:`CatalogueError` listing every error of every file. Warnings do not stop
    loading; they are kept in ``Catalogue.warnings``. For the default data model, a
    catalogue that loaded is kept compiled, keyed by its files' content
    (:mod:`kaoping.compiled`): the next process reads it back instead of checking it again.
    """
    from kaoping.compiled import compiled, file_digest
    from kaoping.model.selection import active, default_model

    def load() -> Catalogue:
        result = check_files(paths, include_default=include_default)
        if result.errors:
            raise CatalogueError(result.problems)
        return result.catalogue

    if active() is not default_model():  # checked against a model of the user's: not kept
        return load()
    try:
        inputs = file_digest(catalogue_files(paths, include_default=include_default))
    except OSError:  # a file that cannot be read: the loader names it
        return load()
    return compiled("catalogue", inputs, load)
