"""Declaring breakdowns: each mistake names the file, indicator, field and the valid columns."""

from __future__ import annotations

from tests.catalogue.test_mistakes import Make, WriteCatalogue, assert_names, only_error

from kaoping.catalogue import load_catalogue
from kaoping.catalogue.breakdowns import breakdown_columns


def test_declared_breakdowns_load(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    path = write_catalogue(indicator(breakdowns=["crime_chapter", "is_minor", "difficulty"]))
    (ind,) = load_catalogue([path], include_default=False).indicators
    assert ind.breakdowns == ("crime_chapter", "is_minor", "difficulty")


def test_unknown_breakdown_column(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    path = write_catalogue(indicator(breakdowns=["is_minor", "crime_chaptr"]))
    err = only_error(path)
    assert_names(err, path, "my_non_arrest_rate", "breakdowns.1")
    assert "unknown column `crime_chaptr` in table `persons`" in err.message
    assert "did you mean `crime_chapter`?" in err.message
    assert "can be broken down by: is_minor, enterprise_related" in err.message


def test_non_categorical_breakdown_column(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    path = write_catalogue(indicator(breakdowns=["sentence_months"]))
    err = only_error(path)
    assert_names(err, path, "my_non_arrest_rate", "breakdowns.0")
    assert "`sentence_months` is an integer column of `persons`" in err.message
    assert "not a categorical one" in err.message and "crime_chapter" in err.message


def test_breakdown_listed_twice(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    path = write_catalogue(indicator(breakdowns=["is_minor", "is_minor"]))
    err = only_error(path)
    assert_names(err, path, "my_non_arrest_rate", "breakdowns.1")
    assert "listed twice" in err.message


def test_every_default_breakdown_is_categorical_on_both_sides() -> None:
    for ind in load_catalogue().indicators:
        valid = breakdown_columns(ind)
        assert set(ind.breakdowns) <= set(valid), ind.id
    offered = {ind.id for ind in load_catalogue().indicators if ind.breakdowns}
    assert {"non_arrest_rate", "non_prosecution_rate", "persons_prosecuted"} <= offered
