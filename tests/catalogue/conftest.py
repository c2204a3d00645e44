"""Build small catalogue files for the tests: one good indicator, then one mistake at a time."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

GOOD: dict[str, Any] = {
    "id": "my_non_arrest_rate",
    "name_zh": "不捕率（自定义）",
    "name_en": "Non-arrest rate (own)",
    "definition_zh": "不批准逮捕人数除以作出批准或不批准逮捕决定的人数。",
    "definition_en": "Persons not approved for arrest over persons with an arrest decision.",
    "unit": "rate",
    "numerator": {
        "table": "persons",
        "filter": "arrest_decision = 'not_approved'",
        "date": "arrest_review_concluded",
    },
    "denominator": {
        "table": "persons",
        "filter": "arrest_decision in ('approved', 'not_approved')",
        "date": "arrest_review_concluded",
    },
    "direction": "higher_is_better",
    "reasonable_range": {"default": {"low": 0.1, "high": 0.6}, "by_level": {4: {"low": 0.05}}},
    "min_denominator": 20,
    "family": "arrest_review",
    "aspect": 4,
    "sentence_zh": "{period}，不捕率为{value}，同比{change}。",
}


def good(**changes: Any) -> dict[str, Any]:
    """A copy of GOOD; ``numerator__filter=...`` sets a nested field, ``None`` removes one."""
    out = copy.deepcopy(GOOD)
    for key, value in changes.items():
        *parents, last = key.split("__")
        target = out
        for p in parents:
            target = target[p]
        if value is None:
            target.pop(last, None)
        else:
            target[last] = value
    return out


@pytest.fixture
def indicator() -> Callable[..., dict[str, Any]]:
    """``indicator(**changes)``: the good indicator with some fields changed (see ``good``)."""
    return good


@pytest.fixture
def write_catalogue(tmp_path: Path) -> Callable[..., Path]:
    def write(*indicators: dict[str, Any], name: str = "mine.yaml") -> Path:
        path = tmp_path / name
        text = yaml.safe_dump({"indicators": list(indicators)}, allow_unicode=True, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return write
