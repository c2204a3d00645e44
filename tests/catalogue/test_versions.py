"""Definitions with effective dates: ``versions`` load, and each mistake is named precisely.

Every message names the file (and line), the indicator and the field, and says what
would be valid -- like every other catalogue mistake (test_mistakes.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kaoping.catalogue import CatalogueError, Problem, load_catalogue
from kaoping.catalogue.models import Indicator

WriteCatalogue = Callable[..., Path]
Make = Callable[..., dict[str, Any]]

NEW_NUMERATOR = {"filter": "arrest_decision = 'not_approved' and is_minor"}


def _errors(path: Path) -> list[Problem]:
    with pytest.raises(CatalogueError) as info:
        load_catalogue([path], include_default=False)
    return info.value.errors


def _only_error(path: Path) -> Problem:
    errors = _errors(path)
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


def _names(problem: Problem, path: Path, field: str) -> None:
    text = str(problem)
    assert problem.file == str(path) and problem.line is not None
    assert f"{path}:{problem.line}: indicator `my_non_arrest_rate`: field `{field}`" in text


def test_versions_load_and_give_the_measures_their_filters(
    write_catalogue: WriteCatalogue, indicator: Make
) -> None:
    versions = [
        {"effective_from": "2020-04", "numerator": NEW_NUMERATOR,
         "definition_en": "From April 2020, minors only."},
        {"effective_from": date(2021, 1, 15), "denominator": {"filter": None}},
    ]
    path = write_catalogue(indicator(versions=versions))
    catalogue = load_catalogue([path], include_default=False)
    assert catalogue.warnings == []
    ind = catalogue.get("my_non_arrest_rate")
    assert [v.effective_from for v in ind.versions] == [date(2020, 4, 1), date(2021, 1, 15)]
    assert [v.label for v in ind.versions] == ["2020-04", "2021-01-15"]
    num, den = ind.numerator, ind.denominator
    assert den is not None
    assert num.filter_on(date(2020, 3, 31)) == "arrest_decision = 'not_approved'"
    assert num.filter_on(date(2020, 4, 1)) == NEW_NUMERATOR["filter"]
    assert den.filter_on(date(2021, 1, 14)) == "arrest_decision in ('approved', 'not_approved')"
    assert den.filter_on(date(2021, 1, 15)) is None
    assert (ind.version_on(date(2019, 12, 1)), ind.version_on(date(2020, 4, 1))) == (1, 2)
    assert ind.versions_between(date(2020, 1, 1), date(2020, 7, 1)) == (1, 2)
    assert ind.versions_between(date(2020, 4, 1), date(2020, 7, 1)) == (2,)
    assert ind.versions_between(date(2021, 1, 1), date(2021, 2, 1)) == (2, 3)
    assert ind.version_label(3) == "v3 (2021-01-15)"
    assert ind.definition_of(2, "en") == "From April 2020, minors only."
    assert ind.definition_of(3, "en") == "From April 2020, minors only."  # inherited
    assert ind.definition_of(1, "en") == indicator()["definition_en"]


def test_a_version_before_the_data_is_fine(
    write_catalogue: WriteCatalogue, indicator: Make
) -> None:
    path = write_catalogue(
        indicator(versions=[{"effective_from": "1990-01", "numerator": NEW_NUMERATOR}])
    )
    catalogue = load_catalogue([path], include_default=False)
    assert catalogue.warnings == []
    assert catalogue.get("my_non_arrest_rate").version_on(date(2019, 1, 1)) == 2


def test_the_fingerprint_of_an_indicator_without_versions_is_unchanged(indicator: Make) -> None:
    """The fields added for versions are left out of dumps when unused, so results
    computed before versions existed are not taken for stale."""
    plain = Indicator.model_validate(indicator())
    dumped = plain.model_dump()
    assert "versions" not in dumped and "changes" not in dumped["numerator"]
    versioned = Indicator.model_validate(
        indicator(versions=[{"effective_from": "2020-04", "numerator": NEW_NUMERATOR}])
    )
    assert Indicator.model_validate(versioned.model_dump()) == versioned  # a round trip


def test_versions_out_of_order(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    versions = [
        {"effective_from": "2021-01", "numerator": NEW_NUMERATOR},
        {"effective_from": "2020-04", "numerator": {"filter": "arrest_decision = 'approved'"}},
    ]
    path = write_catalogue(indicator(versions=versions))
    err = _only_error(path)
    _names(err, path, "versions.1.effective_from")
    assert "version 3 takes effect on 2020-04, before version 2 (2021-01)" in err.message
    assert "list the versions in date order" in err.message


def test_two_versions_on_one_day(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    versions = [
        {"effective_from": "2020-04", "numerator": NEW_NUMERATOR},
        {"effective_from": "2020-04-01", "numerator": {"filter": "arrest_decision = 'approved'"}},
    ]
    path = write_catalogue(indicator(versions=versions))
    err = _only_error(path)
    _names(err, path, "versions.1.effective_from")
    assert "the same day as version 2 (2020-04)" in err.message


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("2020-13", "month 13 does not exist"),
        ("April 2020", "write a month (2020-04) or a date (2020-04-15)"),
        (2020, "not a number"),
    ],
)
def test_an_effective_date_that_is_not_one(
    write_catalogue: WriteCatalogue, indicator: Make, given: object, says: str
) -> None:
    path = write_catalogue(
        indicator(versions=[{"effective_from": given, "numerator": NEW_NUMERATOR}])
    )
    err = _only_error(path)
    _names(err, path, "versions.0.effective_from")
    assert "`effective_from` is a month (2020-04) or a date (2020-04-15)" in err.message
    assert says in err.message and repr(given) in err.message


def test_a_version_without_effective_date(
    write_catalogue: WriteCatalogue, indicator: Make
) -> None:
    path = write_catalogue(indicator(versions=[{"numerator": NEW_NUMERATOR}]))
    err = _only_error(path)
    _names(err, path, "versions.0.effective_from")
    assert "required field `effective_from` is missing" in err.message


def test_a_version_that_changes_no_filter(
    write_catalogue: WriteCatalogue, indicator: Make
) -> None:
    path = write_catalogue(
        indicator(versions=[{"effective_from": "2020-04", "definition_en": "Reworded."}])
    )
    err = _only_error(path)
    _names(err, path, "versions.0")
    assert "a reworded definition alone is not a new version" in err.message


def test_a_version_of_a_denominator_the_indicator_lacks(
    write_catalogue: WriteCatalogue, indicator: Make
) -> None:
    count = indicator(unit="count", denominator=None, reasonable_range=None, min_denominator=0)
    count["versions"] = [{"effective_from": "2020-04", "denominator": {"filter": "is_minor"}}]
    path = write_catalogue(count)
    err = _only_error(path)
    _names(err, path, "versions.0.denominator")
    assert "has no denominator (unit `count`)" in err.message


def test_a_misspelt_column_in_a_version_filter(
    write_catalogue: WriteCatalogue, indicator: Make
) -> None:
    versions = [{"effective_from": "2020-04", "numerator": {"filter": "arest_decision = 'x'"}}]
    path = write_catalogue(indicator(versions=versions))
    err = _only_error(path)
    _names(err, path, "versions.0.numerator.filter")
    assert "unknown column `arest_decision` in table `persons`" in err.message
    assert "did you mean `arrest_decision`?" in err.message


def test_an_unknown_field_in_a_version(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    versions = [{"effective_from": "2020-04", "numerator": NEW_NUMERATOR, "unit": "count"}]
    path = write_catalogue(indicator(versions=versions))
    err = _only_error(path)
    _names(err, path, "versions.0.unit")
    assert "unknown field `unit`" in err.message
    assert "effective_from, numerator, denominator, definition_zh, definition_en" in err.message


def test_a_version_measure_takes_only_a_filter(
    write_catalogue: WriteCatalogue, indicator: Make
) -> None:
    versions = [{"effective_from": "2020-04", "numerator": {"table": "letters", "filter": "x"}}]
    path = write_catalogue(indicator(versions=versions))
    errors = _errors(path)
    assert any(e.field == "versions.0.numerator.table" and "fields here: filter" in e.message
               for e in errors), [str(e) for e in errors]


def test_a_version_that_repeats_the_filter_is_a_warning(
    write_catalogue: WriteCatalogue, indicator: Make
) -> None:
    versions = [
        {"effective_from": "2020-04", "numerator": NEW_NUMERATOR,
         "denominator": {"filter": "arrest_decision in ('approved', 'not_approved')"}},
    ]
    path = write_catalogue(indicator(versions=versions))
    catalogue = load_catalogue([path], include_default=False)
    (warning,) = catalogue.warnings
    assert "field `versions.0.denominator.filter`" in warning
    assert "this version changes nothing here" in warning


def test_changes_are_not_written_by_hand(indicator: Make) -> None:
    raw = indicator(numerator__changes=[{"effective_from": "2020-04-01", "filter": None}])
    with pytest.raises(ValueError, match="derived from `versions`"):
        Indicator.model_validate(raw)


def test_the_documented_example_loads(tmp_path: Path) -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "catalogue.md"
    section = doc.read_text(encoding="utf-8").split("## Versions", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "versions.yaml"
    path.write_text(example, encoding="utf-8")
    catalogue = load_catalogue([path], include_default=False)
    assert catalogue.warnings == []
    ind = catalogue.get("my_non_prosecution_rate")
    assert [v.label for v in ind.versions] == ["2020-04", "2021-01-15"]
    assert ind.version_label(3) == "v3 (2021-01-15)"
