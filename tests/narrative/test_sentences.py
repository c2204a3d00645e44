"""Sentences from templates: the numbers filled in, missing comparisons left out."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kaoping.narrative.sentences import SentenceError, render_sentence

EN = (
    "{numerator} minors were conditionally not prosecuted, {value} of minors whose "
    "prosecution review was concluded, {change} year-on-year"
)
ZH = "对{numerator}名未成年人附条件不起诉，占审结未成年人的{value}，同比{change}"


@dataclass(frozen=True)
class Fig:
    """A stand-in with the attributes a sentence reads (IndicatorValue has them too)."""

    value: float | None = 3709 / 21690
    numerator: float | None = 3709.0
    denominator: float | None = 21690.0
    previous: float | None = 2000 / 17857
    change: float | None = (3709 / 21690 - 2000 / 17857) * 100
    unit: str = "rate"
    change_unit: str = "percentage_points"
    name_zh: str = "未成年人附条件不起诉率"
    name_en: str = "Conditional non-prosecution rate for minors"
    subject_name_zh: str = "最高人民检察院"
    subject_name_en: str = "the Supreme People's Procuratorate"
    period_zh: str = "2020年上半年"
    period_en: str = "the first half of 2020"
    sentence_zh: str | None = ZH
    sentence_en: str | None = EN


def test_the_seed_sentences() -> None:
    assert render_sentence(Fig(), "en") == (
        "3,709 minors were conditionally not prosecuted, 17.1% of minors whose prosecution "
        "review was concluded, up 5.9 percentage points year-on-year"
    )
    assert render_sentence(Fig(), "zh") == (
        "对3709名未成年人附条件不起诉，占审结未成年人的17.1%，同比上升5.9个百分点"
    )


def test_clause_without_comparison_is_dropped() -> None:
    fig = Fig(
        previous=None,
        change=None,
        sentence_zh="{period}，起诉{value}人，同比{change}。",
        sentence_en="In {period}, {value} persons were prosecuted, {change} year-on-year.",
        unit="count",
        value=1234.0,
        change_unit="percent",
    )
    assert render_sentence(fig, "zh") == "2020年上半年，起诉1234人。"
    assert render_sentence(fig, "en") == "In the first half of 2020, 1,234 persons were prosecuted."
    assert render_sentence(Fig(change=None), "en") == (
        "3,709 minors were conditionally not prosecuted, 17.1% of minors whose prosecution "
        "review was concluded"
    )


def test_generic_sentence_without_template() -> None:
    fig = Fig(sentence_zh=None, sentence_en=None)
    assert render_sentence(fig, "zh") == (
        "2020年上半年，最高人民检察院未成年人附条件不起诉率为17.1%，同比上升5.9个百分点。"
    )
    assert render_sentence(fig, "en") == (
        "In the first half of 2020, the conditional non-prosecution rate for minors of the "
        "Supreme People's Procuratorate was 17.1%, up 5.9 percentage points year-on-year."
    )


def test_unknown_placeholder_is_an_error() -> None:
    with pytest.raises(SentenceError, match=r"\{ratio\}.*available: \{organ\}"):
        render_sentence(Fig(sentence_en="{ratio} of {name}"), "en")


def test_unknown_language() -> None:
    with pytest.raises(ValueError, match="'fr'"):
        render_sentence(Fig(), "fr")  # type: ignore[arg-type]
