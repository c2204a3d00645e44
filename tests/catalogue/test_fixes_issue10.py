"""Catalogue checks added for issue 10: per prosecutor on tables without a prosecutor, and
texts that say another bound than the filter applies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kaoping.catalogue import CatalogueError, Problem, load_catalogue
from kaoping.catalogue.load import check_files

WriteCatalogue = Callable[..., Path]
Make = Callable[..., dict[str, Any]]

PETITION_RATE: dict[str, Any] = {
    "id": "my_reply_rate",
    "name_zh": "来信回复率",
    "name_en": "Letters replied",
    "definition_zh": "收信日期在统计期内的来信中已回复的件数，除以来信件数。",
    "definition_en": "Letters received in the period that were replied, over letters received.",
    "unit": "rate",
    "numerator": {"table": "petitions", "filter": "procedural_reply is not null",
                  "date": "received"},
    "denominator": {"table": "petitions", "date": "received"},
    "direction": "higher_is_better",
    "family": "petitions",
    "aspect": 3,
}


def _problems(path: Path) -> list[Problem]:
    return check_files([path], include_default=False).problems


# --- per prosecutor ---------------------------------------------------------------------


def test_per_prosecutor_true_on_a_table_without_prosecutors_is_an_error(
    write_catalogue: WriteCatalogue,
) -> None:
    path = write_catalogue({**PETITION_RATE, "per_prosecutor": True})
    with pytest.raises(CatalogueError) as info:
        load_catalogue([path], include_default=False)
    (err,) = info.value.errors
    assert err.indicator == "my_reply_rate" and err.field == "per_prosecutor"
    assert "`petitions` has no `prosecutor_id`" in err.message
    assert "per_prosecutor: false" in err.message


def test_per_prosecutor_left_out_defaults_to_false_there(write_catalogue: WriteCatalogue) -> None:
    path = write_catalogue(PETITION_RATE)
    catalogue = load_catalogue([path], include_default=False)
    assert catalogue.get("my_reply_rate").per_prosecutor is False


def test_per_prosecutor_stays_true_on_persons(
    write_catalogue: WriteCatalogue, indicator: Make
) -> None:
    catalogue = load_catalogue([write_catalogue(indicator())], include_default=False)
    assert catalogue.get("my_non_arrest_rate").per_prosecutor is True


def test_default_catalogue_per_prosecutor() -> None:
    catalogue = load_catalogue()
    not_per = {i.id for i in catalogue.indicators if not i.per_prosecutor}
    # letters, leads and property returns name no prosecutor; cases per prosecutor says so
    assert not_per == {
        "petition_7day_reply_rate",
        "petition_3month_reply_rate",
        "organized_crime_lead_verification_rate",
        "poverty_property_return_rate",
        "poverty_property_amount_returned",
        "avg_poverty_property_return_days",
        "cases_per_prosecutor",
    }


# --- wording against the filter --------------------------------------------------------

HEAVY: dict[str, Any] = {
    "id": "my_heavy_rate",
    "name_zh": "重刑率",
    "name_en": "Share sentenced to three years or more",
    "definition_zh": "判决日期在统计期内、被判有罪且判处三年以上有期徒刑的人数，"
    "除以被判有罪的人数。",
    "definition_en": "Persons found guilty and sentenced to at least three years, over persons "
    "found guilty.",
    "unit": "rate",
    "numerator": {"table": "persons", "filter": "verdict = 'guilty' and sentence_months >= 36",
                  "date": "verdict_date"},
    "denominator": {"table": "persons", "filter": "verdict = 'guilty'", "date": "verdict_date"},
    "direction": "lower_is_better",
    "family": "crime_structure",
    "aspect": 4,
}


def test_consistent_wording_passes(write_catalogue: WriteCatalogue) -> None:
    assert _problems(write_catalogue(HEAVY)) == []


@pytest.mark.parametrize(
    ("field", "text", "word"),
    [
        ("definition_zh", "被判有罪且判处刑期超过三年的人数，除以被判有罪的人数。", "超过三"),
        ("definition_en", "Persons sentenced to more than three years, over persons found guilty.",
         "more than three"),
        ("sentence_zh", "{period}，判处三年以上有期徒刑的人数占比为{value}。", None),
    ],
)
def test_words_for_another_bound_than_the_filter_warn(
    write_catalogue: WriteCatalogue, field: str, text: str, word: str | None
) -> None:
    ind = {**HEAVY, field: text}
    if word is None:  # 以上 is right for >=; the filter is then made strict
        ind["numerator"] = {**HEAVY["numerator"],
                            "filter": "verdict = 'guilty' and sentence_months > 36"}
        field, word = "sentence_zh", "三年以上"
        # the other texts (以上 / at least) now disagree with the strict filter too
    problems = [p for p in _problems(write_catalogue(ind)) if p.field == field]
    assert len(problems) == 1, [str(p) for p in problems]
    (p,) = problems
    assert p.severity == "warning" and p.indicator == "my_heavy_rate"
    assert word in p.message and "the filter uses" in p.message


def test_a_comparison_written_in_the_text_must_be_the_filters(
    write_catalogue: WriteCatalogue,
) -> None:
    ind = {**HEAVY, "definition_en": "Persons found guilty (sentence_months > 36), over persons "
           "found guilty."}
    path = write_catalogue(ind)
    with pytest.raises(CatalogueError) as info:
        load_catalogue([path], include_default=False)
    (err,) = info.value.errors
    assert err.field == "definition_en"
    assert "`sentence_months > 36`" in err.message and "`sentence_months >= 36`" in err.message


def test_the_default_catalogue_says_what_it_filters() -> None:
    catalogue = load_catalogue()
    assert catalogue.warnings == []
    heavy = catalogue.get("heavy_sentence_rate")
    assert "sentence_months >= 36" in (heavy.numerator.filter or "")
    assert "三年以上有期徒刑" in heavy.definition_zh
    assert "三年以上有期徒刑" in (heavy.sentence_zh or "")
    assert "超过" not in heavy.definition_zh
    assert "three years or more" in heavy.definition_en
    assert "three years or more" in (heavy.sentence_en or "")
