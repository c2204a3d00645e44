"""The suppression rules of a publication, read from YAML and checked like a catalogue.

One rule for every indicator (``default``), overridden field by field per indicator
(``indicators``). The shipped file (``default_rules.yaml``) hides counts of 1-4 and rates
over fewer than 10 persons; ``KAOPING_SUPPRESSION`` or ``--rules FILE`` names another.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from kaoping.catalogue.load import _line, _line_map
from kaoping.catalogue.typecheck import did_you_mean
from kaoping.publication.suppression import SuppressionRule

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
    """The rules in ``path`` (else ``KAOPING_SUPPRESSION``, else the shipped file).

    ``indicators``, when given, are the catalogue's ids: a rule for any other id is an
    error (a typo would silently leave an indicator under the default rule)."""
    file = Path(path) if path is not None else (_Settings().suppression or DEFAULT_RULES)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"{file}: cannot read the suppression rules ({exc.strerror})") from exc
    try:
        data = yaml.safe_load(text) or {}
        node = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{file}:{mark.line + 1}" if mark is not None else str(file)
        raise RulesError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    lines = _line_map(node) if node is not None else {}
    if not isinstance(data, dict):
        raise RulesError(f"{file}: expected a mapping with `default` and `indicators`")
    problems: list[str] = []
    try:
        rules = SuppressionRules(**data, source=str(file))
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            line = _line(lines, loc)
            field = ".".join(str(p) for p in loc)
            given = err.get("input")
            problems.append(f"{file}:{line}: field `{field}`: {err['msg']}; got {given!r}")
        raise RulesError("\n".join(problems)) from exc
    known = list(indicators)
    for ind in rules.indicators:
        line = _line(lines, ("indicators", ind))
        if known and ind not in known:
            hint = did_you_mean(ind, known)
            problems.append(f"{file}:{line}: indicator `{ind}` is not in the catalogue{hint}")
            continue
        try:
            rules.for_indicator(ind)
        except ValidationError as exc:
            for err in exc.errors():
                valid = ", ".join(SuppressionRule.model_fields)
                problems.append(
                    f"{file}:{line}: indicator `{ind}`: field `{'.'.join(map(str, err['loc']))}`: "
                    f"{err['msg']} (fields: {valid}); got {err.get('input')!r}"
                )
    if problems:
        raise RulesError("\n".join(problems))
    return rules
