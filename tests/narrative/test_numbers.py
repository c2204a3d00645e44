"""Numbers as the briefings write them, in Chinese and in English."""

from __future__ import annotations

import pytest

from kaoping.narrative.numbers import format_change, format_count, format_value


@pytest.mark.parametrize(
    ("x", "zh", "en"),
    [
        (3709, "3709", "3,709"),
        (3709.0, "3709", "3,709"),
        (0, "0", "0"),
        (99_999, "99999", "99,999"),
        (222_000, "22.2万", "222,000"),
        (2_000_000, "200万", "2,000,000"),
        (123_000_000, "1.2亿", "123,000,000"),
        (None, "无数据", "n/a"),
    ],
)
def test_counts(x: float | None, zh: str, en: str) -> None:
    assert (format_count(x, "zh"), format_count(x, "en")) == (zh, en)


@pytest.mark.parametrize(
    ("x", "unit", "zh", "en"),
    [
        (0.171000461, "rate", "17.1%", "17.1%"),
        (0.0005, "rate", "0.1%", "0.1%"),
        (1.0, "rate", "100.0%", "100.0%"),
        (1.2345, "ratio", "1.23", "1.23"),
        (45.64, "days", "45.6", "45.6"),
        (1234.5, "amount", "1234.50", "1,234.50"),
        (3709, "count", "3709", "3,709"),
    ],
)
def test_values(x: float, unit: str, zh: str, en: str) -> None:
    assert (format_value(x, unit, "zh"), format_value(x, unit, "en")) == (zh, en)


@pytest.mark.parametrize(
    ("change", "unit", "zh", "en"),
    [
        (5.8999565, "percentage_points", "上升5.9个百分点", "up 5.9 percentage points"),
        (-1.25, "percentage_points", "下降1.2个百分点", "down 1.2 percentage points"),
        (1.0, "percentage_points", "上升1.0个百分点", "up 1.0 percentage point"),
        (0.04, "percentage_points", "持平", "unchanged"),
        (-0.04, "percent", "持平", "unchanged"),
        (12.345, "percent", "上升12.3%", "up 12.3%"),
        (-50.0, "percent", "下降50.0%", "down 50.0%"),
        (-2.34, "days", "下降2.3天", "down 2.3 days"),
        (0.123, "difference", "上升0.12", "up 0.12"),
    ],
)
def test_changes(change: float, unit: str, zh: str, en: str) -> None:
    assert (format_change(change, unit, "zh"), format_change(change, unit, "en")) == (zh, en)


def test_no_change_without_a_previous_year() -> None:
    assert format_change(None, "percent", "zh") is None
