"""The suppression rules of a publication, read from YAML and checked like a catalogue.

One rule for every indicator (``default``), overridden field by field per indicator
(``indicators``). The shipped file (``default_rules.yaml``) hides counts of 1-4 and rates
over fewer than 10 persons; ``--rules FILE`` or ``KAOPING_SUPPRESSION`` names another, and
a data model may carry its offices' rules as its ``suppression:`` section.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from kaoping.catalogue.typecheck import did_you_mean
from kaoping.publication.suppression import SuppressionRule
from kaoping.yamltext import line_at, parse, syntax_error

__all__ = ["DEFAULT_RULES", "RulesError", "SuppressionRules", "load_rules"]

DEFAULT_RULES = Path(__file__).with_name("default_rules.yaml")


class _Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KAOPING_")

    #: the publication's suppression rules (``KAOPING_SUPPRESSION``); unset, the shipped ones
    suppression: Path | None = None


class SuppressionRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default: SuppressionRule = Field(default_factory=SuppressionRule)
    indicators: dict[str, dict[str, Any]] = Field(default_factory=dict)
    #: the file the rules came from, for the note under a published table
    source: str = "default"

    def for_indicator(self, indicator_id: str) -> SuppressionRule:
        override = self.indicators.get(indicator_id)
        if not override:
            return self.default
        return SuppressionRule(**{**self.default.model_dump(), **override})


class RulesError(ValueError):
    """A rules file that cannot be used; the message names file, line, field."""


def load_rules(
    path: Path | str | None = None, *, indicators: Iterable[str] = ()
) -> SuppressionRules:
    """The rules in ``path``, else in ``KAOPING_SUPPRESSION``'s file, else the active data
    model's ``suppression:`` section, else the shipped file.

    ``indicators``, when given, are the catalogue's ids: a rule for any other id is an
    error (a typo would silently leave an indicator under the default rule)."""
    file = Path(path) if path is not None else _Settings().suppression
    if file is None:
        from kaoping.model.selection import active

        model = active()
        if model.suppression is not None:
            return rules_from(dict(model.suppression), f"{model.source} (suppression:)",
                              {}, indicators, prefix=("suppression",))
        file = DEFAULT_RULES
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"{file}: cannot read the suppression rules ({exc.strerror})") from exc
    try:
        data, lines, _ = parse(text)
    except yaml.YAMLError as exc:
        message, line = syntax_error(exc)
        raise RulesError(f"{file}:{line}: {message}" if line else f"{file}: {message}") from exc
    data = data or {}
    if not isinstance(data, dict):
        raise RulesError(f"{file}: expected a mapping with `default` and `indicators`")
    return rules_from(data, str(file), lines, indicators)


def rules_from(
    data: dict[str, Any],
    source: str,
    lines: dict[Any, int],
    indicators: Iterable[str] = (),
    *,
    prefix: tuple[str, ...] = (),
) -> SuppressionRules:
    """Rules from a mapping (a rules file's, or a model's ``suppression:`` section),
    every mistake named by ``source``, line (where known) and field."""
    def where(loc: tuple[Any, ...]) -> str:
        line = line_at(lines, loc) if lines else None
        return f"{source}:{line}" if line else source

    problems: list[str] = []
    try:
        rules = SuppressionRules(**data, source=source)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            field = ".".join(str(p) for p in (*prefix, *loc))
            given = err.get("input")
            problems.append(f"{where(loc)}: field `{field}`: {err['msg']}; got {given!r}")
        raise RulesError("\n".join(problems)) from exc
    known = list(indicators)
    for ind in rules.indicators:
        at = where(("indicators", ind))
        if known and ind not in known:
            hint = did_you_mean(ind, known)
            problems.append(f"{at}: indicator `{ind}` is not in the catalogue{hint}")
            continue
        try:
            rules.for_indicator(ind)
        except ValidationError as exc:
            for err in exc.errors():
                valid = ", ".join(SuppressionRule.model_fields)
                problems.append(
                    f"{at}: indicator `{ind}`: field `{'.'.join(map(str, err['loc']))}`: "
                    f"{err['msg']} (fields: {valid}); got {err.get('input')!r}"
                )
    if problems:
        raise RulesError("\n".join(problems))
    return rules
