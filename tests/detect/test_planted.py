"""The detectors find the gaming the generator planted, and little else.

Ground truth is :func:`kaoping.synth.gaming_plan`, which names the organs each pattern was
planted in; a detection counts as true when its organ carries its pattern. Precision and
recall are printed per detector (pytest -s shows them).
"""

from __future__ import annotations

import duckdb
import pytest

from kaoping.detect import detect
from kaoping.synth import gaming_plan

from .conftest import SEED

#: detector -> (the generator's pattern, the periods whose ends or changes it shows in)
CASES = {
    "rush": ("rush", ("2019", "2020")),
    "relabel": ("relabel", ("2020",)),
    "hold_back": ("hold_back", ("2019", "2019-H1", "2020-H1")),
    "perfection": ("perfect", ("2019", "2020")),
}


def _flagged(con: duckdb.DuckDBPyConnection, detector: str, period: str) -> set[str]:
    return {d.organ_code for d in detect(con, period, detectors=[detector])}


@pytest.mark.parametrize("detector", list(CASES))
def test_detector_finds_the_planted_organs(
    planted: duckdb.DuckDBPyConnection, detector: str
) -> None:
    pattern, periods = CASES[detector]
    truth = gaming_plan(SEED).planted(pattern)
    hits = flags = 0
    for period in periods:
        found = _flagged(planted, detector, period)
        hits += len(found & truth)
        flags += len(found)
    recall = hits / (len(truth) * len(periods))
    precision = hits / flags if flags else 0.0
    print(f"{detector}: precision {precision:.0%} recall {recall:.0%} over {periods}")
    assert recall >= 0.75
    assert precision >= 0.8


def test_nothing_planted_raises_almost_nothing(clean: duckdb.DuckDBPyConnection) -> None:
    alarms = []
    for detector, (_, periods) in CASES.items():
        for period in periods:
            alarms += [(detector, period, o) for o in sorted(_flagged(clean, detector, period))]
    print(f"false alarms on honest data: {len(alarms)} {alarms}")
    assert len(alarms) <= 2
