"""Expressions are checked against the data model when the catalogue loads."""

from __future__ import annotations

import pytest

from kaoping.catalogue.expr import parse
from kaoping.catalogue.typecheck import check


def problems(text: str, table: str = "persons", want: str | None = "boolean") -> list[str]:
    return [e.message for e in check(parse(text), text, table, want=want)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "is_minor and prosecution_decision = 'conditional_not_prosecuted'",
        "arrest_decision in ('approved', 'not_approved')",
        "crime_chapter = 1 and crime_serious_violent and crime_statutory_max != 'death'",
        "verdict_date >= date('2020-01-01') and year(verdict_date) = 2020",
        "prosecution_review_concluded <= add_months(prosecution_review_received, 1)",
        "coalesce(supplementary_returns, 0) + 1 > 2",
    ],
)
def test_good_filters_pass(text: str) -> None:
    assert problems(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "prosecution_decison is null",
            "unknown column `prosecution_decison` in table `persons`; "
            "did you mean `prosecution_decision`?",
        ),
        ("crime.chapter = 1", "did you mean `crime_chapter`?"),
        (
            "arrest_decision = 'not_aproved'",
            "'not_aproved' is not a value of `arrest_decision`; did you mean 'not_approved'? "
            "(valid values: 'approved', 'not_approved')",
        ),
        ("arrest_decision = '不批准逮捕'", "write 'not_approved'"),
        ("verdict_date > 5", "cannot compare `verdict_date` (date) with `5` (number)"),
        ("verdict_date > '2020-01-01'", "date('2020-01-01')"),
        ("is_minor = null", "`is null`"),
        ("arrest_decision < 'approved'", "cannot order an enumeration"),
        ("verdict_date + 1 > 2", "days_between"),
        ("is_minor and 3", "each side of `and` must be a yes/no condition"),
        ("sentence_months", "must be a yes/no condition"),
        ("date('2020-13-01') < verdict_date", "is not a date"),
        ("add_months(verdict_date, 1.5) < verdict_date", "whole number"),
    ],
)
def test_mistakes_are_named(text: str, expected: str) -> None:
    found = problems(text)
    assert any(expected in p for p in found), found


def test_sum_expression_must_be_a_number() -> None:
    assert problems("case_id", want="number") == [
        "the expression must be a number, but `case_id` is text"
    ]
    assert (
        problems("days_between(arrest_review_received, arrest_review_concluded)", want="number")
        == []
    )
