"""A small real warehouse and its reports, built once per test session.

30,000 generated suspects over 2019-2020, imported and computed for a handful of
indicators of 2020 (enough for several families, year-on-year changes, ranks and
warnings), then the reports of a province for 2020-H1 in both languages.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from tests.helpers import build_warehouse
from typer.testing import CliRunner

import kaoping
from kaoping.cli import app
from kaoping.narrative import briefing

PROVINCE = "440000"  # Guangdong: about twenty municipal organs below it
PERIOD = "2020-H1"
INDICATORS = (
    "persons_arrest_approved",
    "non_arrest_rate",
    "persons_prosecuted",
    "non_prosecution_rate",
    "minor_conditional_non_prosecution_rate",
    "pretrial_detention_rate",
    "avg_prosecution_review_days",
    "case_proceeding_ratio",
    "suggestions_issued",
)


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("reports"), persons=30_000, seed=20200630,
                           indicators=INDICATORS)


@dataclass
class Built:
    """The reports of the province for 2020-H1, each built on first use and kept.

    Built lazily so that a failure in the briefing does not hide the workbook's results.
    """

    warehouse: Path
    folder: Path
    files: dict[tuple[str, str], Path] = field(default_factory=dict)
    seconds: dict[tuple[str, str], float] = field(default_factory=dict)
    #: the day each report was written on: it carries that day as its 成文日期, and a
    #: suite that runs past midnight must not expect the next day's date in it
    days: dict[tuple[str, str], date] = field(default_factory=dict)

    def __getitem__(self, key: tuple[str, str]) -> Path:
        from kaoping.reports import write_report

        if key not in self.files:
            fmt, lang = key
            started = time.perf_counter()
            self.days[key] = date.today()
            # the province's 700-odd prosecutors are graded on the fly, as the reports'
            # grade table and chart are checked (a briefing's own bound is 500)
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(briefing, "TRANSIENT_AT_MOST", 10_000)
                self.files[key] = write_report(
                    self.warehouse,
                    organ=PROVINCE,
                    period=PERIOD,
                    fmt=fmt,  # type: ignore[arg-type]
                    lang=lang,  # type: ignore[arg-type]
                    out=self.folder / f"report-{lang}.{fmt}",
                )
            self.seconds[key] = time.perf_counter() - started
        return self.files[key]


@pytest.fixture(scope="session")
def reports(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    return Built(warehouse, tmp_path_factory.mktemp("built"))


def show(warehouse: Path, indicator: str, organ: str, period: str = PERIOD) -> dict[str, Any]:
    """``kaoping show --json``, run through the CLI."""
    result = CliRunner().invoke(
        app,
        ["show", indicator, "--organ", organ, "--period", period, "--json", "--db", str(warehouse)],
    )
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.stdout)
    return out


@pytest.fixture(scope="session")
def child_organ(warehouse: Path) -> str:
    """An organ directly below the province with a non-arrest rate this period."""
    with kaoping.Warehouse(warehouse) as wh:
        frame = wh.values("non_arrest_rate", PERIOD, parent=PROVINCE)
    ranked = frame[frame["rank_in_parent"].notna()]
    return str(ranked.iloc[0]["subject"])
