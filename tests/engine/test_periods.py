"""Periods: the five text forms, their labels, months and year-on-year counterparts."""

from __future__ import annotations

from datetime import date

import pytest

from kaoping.engine.periods import (
    Period,
    PeriodError,
    PeriodKind,
    parse_period,
    parse_years,
    standard_periods,
)


@pytest.mark.parametrize(
    ("text", "kind", "first", "last"),
    [
        ("2020", PeriodKind.YEAR, (2020, 1), (2020, 12)),
        ("2020-H1", PeriodKind.HALF, (2020, 1), (2020, 6)),
        ("2020-h2", PeriodKind.HALF, (2020, 7), (2020, 12)),
        ("2020-Q3", PeriodKind.QUARTER, (2020, 7), (2020, 9)),
        ("2020-06", PeriodKind.MONTH, (2020, 6), (2020, 6)),
        ("2020-6", PeriodKind.MONTH, (2020, 6), (2020, 6)),
        ("2020-01..2020-09", PeriodKind.YTD, (2020, 1), (2020, 9)),
        (" 2019-11 .. 2020-02 ", PeriodKind.RANGE, (2019, 11), (2020, 2)),
    ],
)
def test_parse(text: str, kind: PeriodKind, first: tuple[int, int], last: tuple[int, int]) -> None:
    p = parse_period(text)
    assert (p.kind, p.start, p.end) == (kind, first, last)
    assert parse_period(p.label) == p


@pytest.mark.parametrize(
    ("text", "label", "zh", "en"),
    [
        ("2020", "2020", "2020年", "2020"),
        ("2020-H1", "2020-H1", "2020年上半年", "H1 2020"),
        ("2020-Q3", "2020-Q3", "2020年第三季度", "Q3 2020"),
        ("2020-6", "2020-06", "2020年6月", "June 2020"),
        ("2020-1..2020-9", "2020-01..2020-09", "2020年1-9月", "January to September 2020"),
        (
            "2019-11..2020-02",
            "2019-11..2020-02",
            "2019年11月至2020年2月",
            "November 2019 to February 2020",
        ),
    ],
)
def test_labels(text: str, label: str, zh: str, en: str) -> None:
    p = parse_period(text)
    assert (p.label, p.label_zh, p.label_en) == (label, zh, en)


def test_sentence_phrase() -> None:
    assert parse_period("2020-H1").phrase_en == "the first half of 2020"
    assert parse_period("2020-Q4").phrase_en == "the fourth quarter of 2020"
    assert parse_period("2020-03").phrase_en == "March 2020"


def test_months_bounds_and_previous_year() -> None:
    p = parse_period("2019-11..2020-02")
    assert p.months == ((2019, 11), (2019, 12), (2020, 1), (2020, 2))
    assert (p.start_date, p.end_date) == (date(2019, 11, 1), date(2020, 3, 1))
    assert p.previous().label == "2018-11..2019-02"
    assert parse_period("2020-Q3").previous() == parse_period("2019-Q3")
    assert parse_period("2020-12").end_date == date(2021, 1, 1)
    assert p.year == 2020


def test_equivalent_labels() -> None:
    assert parse_period("2020-H1").equivalent_labels() == ("2020-H1", "2020-01..2020-06")
    assert parse_period("2020-01..2020-03").equivalent_labels() == ("2020-01..2020-03", "2020-Q1")
    assert parse_period("2020-01..2020-12").equivalent_labels() == ("2020-01..2020-12", "2020")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2020-13", "month 13 is not between 01 and 12"),
        ("2020-H3", "half H3 is not H1 or H2"),
        ("2020-Q5", "quarter Q5 is not Q1..Q4"),
        ("2020-09..2020-01", "the range ends before it starts"),
        ("20-01", "not a recognised period"),
        ("2020/06", "not a recognised period"),
    ],
)
def test_errors_name_the_text_and_the_valid_forms(text: str, reason: str) -> None:
    with pytest.raises(PeriodError) as info:
        parse_period(text)
    message = str(info.value)
    assert repr(text) in message and reason in message
    assert "2020, 2020-H1, 2020-Q3, 2020-06, 2020-01..2020-09" in message


def test_standard_periods_of_a_year() -> None:
    periods = standard_periods([2020])
    labels = [p.label for p in periods]
    assert len(periods) == 1 + 2 + 4 + 12 + 11
    assert len(set(labels)) == len(labels)
    assert {"2020", "2020-H2", "2020-Q4", "2020-12", "2020-01..2020-02", "2020-01..2020-12"} <= set(
        labels
    )
    assert "2020-01..2020-01" not in labels  # that is the month 2020-01
    assert all(p.year == 2020 for p in periods)


def test_parse_years() -> None:
    assert parse_years("2020") == (2020,)
    assert parse_years("2018-2020") == (2018, 2019, 2020)
    assert parse_years("2020, 2018") == (2018, 2020)
    with pytest.raises(ValueError, match="2019-2020"):
        parse_years("last year")


def test_period_is_passed_through() -> None:
    p = Period.quarter(2020, 2)
    assert parse_period(p) is p
    assert str(p) == "2020-Q2"
