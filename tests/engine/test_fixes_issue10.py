"""What independent verification found wrong (issue 10), each pinned on a tiny warehouse.

The data (``PERSONS``, ``RETURNS``) is small enough to recount on paper; every expected
number below was worked out by hand from it, none copied from the engine's output.

Persons whose prosecution review was concluded, by year (the test tree of
:mod:`tests.engine.engine_data`)::

    2018  s1 110101 P1 Dec 20 P                 (1 record: a spill-over year)
    2019  a1 110101 P1 Mar  1 P    a2 110101 P1 Mar  2 NP
          a3 110102 P3 May  1 P    a4 110102 P3 Jun  1 P
          a5 120101 P4 Jul  1 P    a6 120101 P4 Aug  1 NP
          a7 110101 P2 Sep  1 P    a8 110101 P2 Dec  1 P
    2020  b1 110101 P1 Feb  1 P    b2 110101 P1 Mar  1 NP
          b3 110102 P3 Apr  1 P    b4 120101 P4 May  1 P
          b5 120101 P4 Nov  1 NP   b6 110101 P2 Dec  1 P

and twelve property returns registered in 2020 at 110101, one a month (``RETURNS``).
Records per year over every (table, date): 2018: 1, 2019: 8, 2020: 6 + 12 = 18; a
quarter of 18 is 4.5, so 2018 is a spill-over and the years computed are 2019 and 2020.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from tests.engine.engine_data import build_warehouse, count, person, rate
from tests.helpers import insert_rows
from typer.testing import CliRunner

import kaoping
from kaoping.catalogue.models import Indicator, Measure
from kaoping.cli import app
from kaoping.engine.stats import params_frame

D = date
P, NP = "prosecuted", "not_prosecuted"
ROWS = [
    ("s1", "110101", "P1", D(2018, 12, 20), P),
    ("a1", "110101", "P1", D(2019, 3, 1), P),
    ("a2", "110101", "P1", D(2019, 3, 2), NP),
    ("a3", "110102", "P3", D(2019, 5, 1), P),
    ("a4", "110102", "P3", D(2019, 6, 1), P),
    ("a5", "120101", "P4", D(2019, 7, 1), P),
    ("a6", "120101", "P4", D(2019, 8, 1), NP),
    ("a7", "110101", "P2", D(2019, 9, 1), P),
    ("a8", "110101", "P2", D(2019, 12, 1), P),
    ("b1", "110101", "P1", D(2020, 2, 1), P),
    ("b2", "110101", "P1", D(2020, 3, 1), NP),
    ("b3", "110102", "P3", D(2020, 4, 1), P),
    ("b4", "120101", "P4", D(2020, 5, 1), P),
    ("b5", "120101", "P4", D(2020, 11, 1), NP),
    ("b6", "110101", "P2", D(2020, 12, 1), P),
]
PERSONS = [person(pid, organ, day, dec, prosecutor=pr) for pid, organ, pr, day, dec in ROWS]

#: amounts (yuan) of the twelve returns of 2020, registered on the 1st of each month:
#: decimals whose binary sums depend on the order they are added in
INVOLVED = [
    "1234567.89", "0.10", "0.20", "7654321.07", "0.30", "0.70",
    "99999.99", "0.10", "3333333.33", "0.20", "0.01", "1.11",
]
RETURNED = [
    "1000000.01", "0.10", "0.10", "7000000.07", "0.30", "0.30",
    "99999.99", "0.10", "3000000.03", "0.10", "0.01", "0.11",
]
RETURNS = [
    (f"R{m}", "110101", f"KR{m}", D(2020, m, 1), Decimal(i), Decimal(r), D(2020, m, 15))
    for m, (i, r) in enumerate(zip(INVOLVED, RETURNED, strict=True), start=1)
]

CONCLUDED = "prosecution_decision is not null"
PROS = count("pros", f"prosecution_decision = '{P}'")
NONPROS = rate(
    "nonpros",
    f"prosecution_decision = '{NP}'",
    CONCLUDED,
    reasonable_range={"default": {"low": 0.0, "high": 0.4}},
)
#: lower is better, below its range's low bound is out of range
LOW_NONPROS = rate(
    "low_nonpros",
    f"prosecution_decision = '{NP}'",
    CONCLUDED,
    direction="lower_is_better",
    reasonable_range={"default": {"low": 0.2}},
)
#: a range nobody is in
NARROW = rate(
    "narrow",
    f"prosecution_decision = '{NP}'",
    CONCLUDED,
    reasonable_range={"default": {"low": 0.1, "high": 0.2}},
)
NOT_PER_PROSECUTOR = rate(
    "organ_only", f"prosecution_decision = '{NP}'", CONCLUDED, per_prosecutor=False
)


def _returns_measure(expr: str, filter_: str | None = None) -> Measure:
    return Measure(table="property_returns", agg="sum", expr=expr, filter=filter_,
                   date="registered")


RETURN_RATE = Indicator(
    id="return_rate",
    name_zh="返还率",
    name_en="return rate",
    definition_zh="定义",
    definition_en="definition",
    unit="rate",
    numerator=_returns_measure("amount_returned", "returned is not null"),
    denominator=_returns_measure("amount_involved"),
    direction="higher_is_better",
    family="special_mechanisms",
    aspect=2,
)  # per_prosecutor left at its default: the table has no prosecutor_id
INVOLVED_AMOUNT = Indicator(
    id="involved",
    name_zh="涉案金额",
    name_en="amount involved",
    definition_zh="定义",
    definition_en="definition",
    unit="amount",
    numerator=_returns_measure("amount_involved"),
    direction="higher_is_better",
    family="special_mechanisms",
    aspect=2,
)
INDICATORS = [PROS, NONPROS, LOW_NONPROS, NARROW, NOT_PER_PROSECUTOR, RETURN_RATE,
              INVOLVED_AMOUNT]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_warehouse(tmp_path_factory.mktemp("issue10") / "w.duckdb", PERSONS)
    con = duckdb.connect(str(path))
    try:
        insert_rows(con, "property_returns", RETURNS)
    finally:
        con.close()
    with kaoping.Warehouse(path, catalogue=INDICATORS) as wh:
        summary = wh.compute()  # the default years
    assert summary.years == (2019, 2020)
    return path


@pytest.fixture
def wh(warehouse: Path) -> kaoping.Warehouse:
    return kaoping.Warehouse(warehouse, catalogue=INDICATORS)


def _stored(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


# --- 1. indicators not answered per prosecutor -----------------------------------------


@pytest.mark.parametrize("indicator", ["return_rate", "organ_only"])
def test_an_indicator_not_per_prosecutor_is_refused_for_a_prosecutor(
    wh: kaoping.Warehouse, indicator: str
) -> None:
    with wh, pytest.raises(ValueError, match=f"`{indicator}` is not computed per prosecutor"):
        wh.indicator(indicator, prosecutor="P1", period="2020")


def test_explaining_one_for_a_prosecutor_is_refused_too(wh: kaoping.Warehouse) -> None:
    with wh, pytest.raises(ValueError, match="`return_rate` is not computed per prosecutor"):
        wh.explain("return_rate", prosecutor="P1", period="2020")


def test_a_mix_is_refused_naming_the_ones_not_per_prosecutor(wh: kaoping.Warehouse) -> None:
    with wh, pytest.raises(ValueError) as caught:
        wh.indicators(["nonpros", "return_rate", "organ_only"], prosecutor="P1", period="2020")
    message = str(caught.value)
    assert "`return_rate`" in message and "`organ_only`" in message
    assert "`nonpros`" not in message


def test_a_mix_read_stored_only_leaves_them_out(wh: kaoping.Warehouse) -> None:
    with wh:
        values = wh.indicators(
            ["nonpros", "return_rate", "organ_only"], prosecutor="P1", period="2020",
            stored_only=True,
        )
    # P1 in 2020: b1 P, b2 NP
    assert [(v.indicator, v.numerator, v.denominator) for v in values] == [("nonpros", 1, 2)]


def test_organs_still_read_every_indicator(wh: kaoping.Warehouse) -> None:
    with wh:
        v = wh.indicator("return_rate", organ="110101", period="2020")
        o = wh.indicator("organ_only", organ="100000", period="2020")
    assert v.source == "stored" and v.denominator == pytest.approx(
        float(sum(Decimal(x) for x in INVOLVED))
    )
    assert (o.numerator, o.denominator) == (2, 6)


def test_cli_show_for_a_prosecutor_says_so_in_one_line(warehouse: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["show", "petition_7day_reply_rate", "--prosecutor", "P1", "--period", "2020",
         "--json", "--db", str(warehouse)],
    )
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # not a traceback
    assert "Traceback" not in result.output and "IbisTypeError" not in result.output
    assert "`petition_7day_reply_rate` is not computed per prosecutor" in result.output


# --- 2. no comparison with a spill-over year -------------------------------------------


def test_a_year_is_not_compared_with_a_spill_over_year(wh: kaoping.Warehouse) -> None:
    with wh:
        v19 = wh.indicator("pros", organ="100000", period="2019")
        v20 = wh.indicator("pros", organ="100000", period="2020")
    # 2019: a1 a3 a4 a5 a7 a8 prosecuted; 2018 (s1) is a spill-over year
    assert (v19.numerator, v19.previous_numerator) == (6, 1)
    assert v19.previous is None and v19.change is None and "yoy_swing" not in v19.flags
    assert v19.previous_note == "previous_year_not_computed"
    d = v19.to_dict()
    assert d["previous"] is None and d["previous_note"] == "previous_year_not_computed"
    assert "2018" in d["previous_reason_en"] and "2018" in d["previous_reason_zh"]
    # 2020: b1 b3 b4 b6 against 6
    assert (v20.numerator, v20.previous) == (4, 6)
    assert v20.change == pytest.approx((4 - 6) / 6 * 100)
    assert v20.previous_note is None and v20.to_dict()["previous_reason_en"] is None


def test_months_compared_with_a_spill_over_year_on_the_fly(wh: kaoping.Warehouse) -> None:
    with wh:
        # 2019-11..2020-02: a8, b1 (prosecuted); a year earlier 2018-11..2019-02: s1
        v = wh.indicator("pros", organ="100000", period="2019-11..2020-02")
        # 2020-02..2020-04: b1, b3; a year earlier a1 -- 2019 is a computed year
        w = wh.indicator("pros", organ="100000", period="2020-02..2020-04")
    assert v.source == "on_the_fly"
    assert (v.numerator, v.previous_numerator, v.previous, v.change) == (2, 1, None, None)
    assert v.previous_note == "previous_year_not_computed"
    assert (w.numerator, w.previous, w.change) == (2, 1, pytest.approx(100.0))
    assert w.previous_note is None


def test_cli_panel_says_why_there_is_no_comparison(warehouse: Path) -> None:
    from kaoping.cli.engine import _panel

    with kaoping.Warehouse(warehouse, catalogue=INDICATORS) as wh:
        v = wh.indicator("pros", organ="100000", period="2019")
    text = str(_panel(v, False).renderable)
    assert "2018" in text and "not compared" in text


# --- 3. missing range bounds are NULL ---------------------------------------------------


def test_missing_bounds_are_null_not_nan(warehouse: Path) -> None:
    frame = params_frame([PROS, LOW_NONPROS], [4])
    for col in ("low", "high", "max_yoy_change"):
        # a frame another engine reads: NA (SQL NULL), never the number NaN
        assert frame[col].dtype == "Float64"
    assert frame.loc[frame["indicator"] == "pros", "low"].iloc[0] is pd.NA
    assert frame.loc[frame["indicator"] == "low_nonpros", "high"].iloc[0] is pd.NA
    assert frame.loc[frame["indicator"] == "low_nonpros", "low"].iloc[0] == 0.2
    rows = _stored(
        warehouse,
        "SELECT indicator, low, high, isnan(low), isnan(high) FROM indicator_params "
        "WHERE level = 4 AND indicator IN ('pros', 'low_nonpros') ORDER BY indicator",
    )
    assert rows == [("low_nonpros", 0.2, None, False, None), ("pros", None, None, None, None)]


# --- 4. a period stored under two labels ------------------------------------------------


def test_a_year_and_its_months_sum_to_the_same_exact_figure(warehouse: Path) -> None:
    exact_involved = float(sum(Decimal(x) for x in INVOLVED))
    exact_returned = float(sum(Decimal(x) for x in RETURNED))
    rows = _stored(
        warehouse,
        "SELECT period, numerator, denominator FROM indicator_values_organ "
        "WHERE indicator = 'return_rate' AND subject = '110101' "
        "AND period IN ('2020', '2020-01..2020-12', '2020-H2', '2020-07..2020-12') "
        "ORDER BY period",
    )
    assert {p: (n, d) for p, n, d in rows}["2020"] == (exact_returned, exact_involved)
    assert {p: (n, d) for p, n, d in rows}["2020-01..2020-12"] == (exact_returned, exact_involved)
    h2 = float(sum(Decimal(x) for x in INVOLVED[6:]))
    assert {p: d for p, _, d in rows}["2020-H2"] == h2


def test_values_picks_the_canonical_label(wh: kaoping.Warehouse) -> None:
    with wh:
        table = wh.values("involved", "2020", level=4)
    assert table["subject"].is_unique
    assert set(table["period"]) == {"2020"}
    got = table.set_index("subject").loc["110101", "numerator"]
    assert got == float(sum(Decimal(x) for x in INVOLVED))


# --- 5. ranks do not reward leaving the reasonable range --------------------------------

# 2020 at level 4: 110101 b1 P, b2 NP, b6 P: 1/3; 110102 b3 P: 0/1; 120101 b4 P, b5 NP: 1/2


def _ranks(path: Path, indicator: str) -> dict[str, tuple[int, int, float]]:
    rows = _stored(
        path,
        "SELECT subject, rank_in_level, peers_in_level, percentile FROM indicator_values_organ "
        f"WHERE indicator = '{indicator}' AND period = '2020' AND level = 4",
    )
    return {s: (r, n, p) for s, r, n, p in rows}


def test_an_out_of_range_value_ranks_after_those_in_range(warehouse: Path) -> None:
    # range 0..0.4, higher is better: 1/3 and 0 are in it, 1/2 is not
    assert _ranks(warehouse, "nonpros") == {
        "110101": (1, 3, 100.0),
        "110102": (2, 3, 50.0),
        "120101": (3, 3, 0.0),
    }


def test_below_the_range_of_a_lower_is_better_indicator_ranks_last(warehouse: Path) -> None:
    # range 0.2.., lower is better: 1/3 before 1/2; 0 is below the range
    assert _ranks(warehouse, "low_nonpros") == {
        "110101": (1, 3, 100.0),
        "120101": (2, 3, 50.0),
        "110102": (3, 3, 0.0),
    }


def test_out_of_range_values_rank_by_distance_to_the_range(warehouse: Path) -> None:
    # range 0.1..0.2: 0 is 0.1 below, 1/3 is 0.133 above, 1/2 is 0.3 above
    assert _ranks(warehouse, "narrow") == {
        "110102": (1, 3, 100.0),
        "110101": (2, 3, 50.0),
        "120101": (3, 3, 0.0),
    }
    assert math.isclose(1 / 3 - 0.2, 0.1333, abs_tol=1e-4)


# --- 9. a period after the data ends ---------------------------------------------------


def test_a_period_after_the_data_ends_has_no_figure(wh: kaoping.Warehouse) -> None:
    with wh:
        v = wh.indicator("pros", organ="100000", period="2021")
    # 2021 holds no records: not "0 persons, down 100%"
    assert v.source == "on_the_fly" and v.data_note == "no_data"
    assert (v.value, v.numerator, v.previous, v.change, v.flags) == (None, None, None, None, ())
    assert v.sentence("zh") == "2021年无数据：记录未覆盖该期间。"
    assert v.sentence("en").startswith("No data for 2021")
    d = v.to_dict()
    assert d["value"] is None and d["data_note"] == "no_data" and "2021" in d["data_reason_en"]


def test_the_briefing_says_why_a_headline_figure_is_not_compared(
    wh: kaoping.Warehouse,
) -> None:
    from kaoping.narrative.briefing import Briefing, _headline

    with wh:
        v19 = wh.indicator("pros", organ="100000", period="2019")
        v20 = wh.indicator("pros", organ="100000", period="2020")
        v21 = wh.indicator("pros", organ="100000", period="2021")
    zh = "\n".join(_headline(Briefing("100000", "2019", "zh", headline=[v19])))
    assert "不作同比" in zh and "2018年" in zh
    en = "\n".join(_headline(Briefing("100000", "2019", "en", headline=[v19])))
    assert "not compared" in en and "(2018)" in en
    assert "not compared" not in "\n".join(
        _headline(Briefing("100000", "2020", "en", headline=[v20]))
    )
    empty = Briefing("100000", "2021", "zh", no_data=v21.data_reason("zh"))
    assert "2021年无数据" in "\n".join(_headline(empty))
