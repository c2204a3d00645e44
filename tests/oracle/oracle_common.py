"""What the oracle tests share: the catalogue read as plain YAML, and the periods checked."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import yaml

#: The periods every indicator is checked for: a year, a half, a quarter, a month, a
#: year-to-date range, and a quarter of the first year (whose year-earlier data are partial).
PERIODS = ("2020", "2020-H1", "2020-Q3", "2020-06", "2020-01..2020-09", "2019-Q4")
#: The periods prosecutors are checked for.
PROSECUTOR_PERIODS = ("2020", "2020-H1", "2020-01..2020-09")
#: The periods the roll-up invariants are checked for.
ROLLUP_PERIODS = ("2020", "2020-Q3", "2020-01..2020-09", "2019-Q4")


def default_catalogue() -> dict[str, dict[str, Any]]:
    """The default catalogue's indicators as plain YAML mappings, by id (no kaoping loader)."""
    out: dict[str, dict[str, Any]] = {}
    folder = files("kaoping.catalogue").joinpath("default")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith((".yaml", ".yml")):
            continue
        doc = yaml.safe_load(entry.read_text(encoding="utf-8"))
        for ind in doc["indicators"]:
            out[str(ind["id"])] = ind
    return out


CATALOGUE: dict[str, dict[str, Any]] = default_catalogue()
INDICATOR_IDS: tuple[str, ...] = tuple(CATALOGUE)
