"""Acceptance: a catalogue with each kind of mistake fails to load with a message naming it.

Every message must name the file, the indicator and the field, and say what would be valid.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kaoping.catalogue import CatalogueError, Problem, load_catalogue

WriteCatalogue = Callable[..., Path]
Make = Callable[..., dict[str, Any]]


def errors_of(*paths: Path) -> list[Problem]:
    with pytest.raises(CatalogueError) as info:
        load_catalogue(list(paths), include_default=False)
    return info.value.errors


def only_error(path: Path) -> Problem:
    errors = errors_of(path)
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


def assert_names(problem: Problem, path: Path, indicator: str, field: str) -> None:
    text = str(problem)
    assert problem.file == str(path) and str(path) in text
    assert problem.indicator == indicator and f"indicator `{indicator}`" in text
    assert problem.field == field and f"field `{field}`" in text
    assert problem.line is not None and f"{path}:{problem.line}:" in text


def test_the_good_indicator_loads(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    catalogue = load_catalogue([write_catalogue(indicator())], include_default=False)
    assert catalogue.ids() == ["my_non_arrest_rate"]
    assert catalogue.warnings == []


def test_misspelt_column(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    path = write_catalogue(indicator(numerator__filter="prosecution_decison = 'prosecuted'"))
    err = only_error(path)
    assert_names(err, path, "my_non_arrest_rate", "numerator.filter")
    assert "unknown column `prosecution_decison`; " not in err.message  # names the table too
    assert (
        "unknown column `prosecution_decison` in table `persons`; "
        "did you mean `prosecution_decision`?" in err.message
    )
    assert "^" in err.message  # with a caret under the column


def test_unknown_table(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    path = write_catalogue(indicator(denominator__table="persns"))
    err = only_error(path)
    assert_names(err, path, "my_non_arrest_rate", "denominator.table")
    assert "unknown table `persns`; did you mean `persons`?" in err.message


def test_unknown_field(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    path = write_catalogue(indicator(numerater={"table": "persons"}))
    err = only_error(path)
    assert_names(err, path, "my_non_arrest_rate", "numerater")
    assert "unknown field `numerater`; did you mean `numerator`?" in err.message


def test_unknown_nested_field(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    path = write_catalogue(indicator(numerator__filtre="is_minor"))
    err = only_error(path)
    assert_names(err, path, "my_non_arrest_rate", "numerator.filtre")
    assert "did you mean `filter`?" in err.message


def test_bad_enum_value(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    path = write_catalogue(indicator(numerator__filter="arrest_decision = 'not_aproved'"))
    err = only_error(path)
    assert_names(err, path, "my_non_arrest_rate", "numerator.filter")
    assert "did you mean 'not_approved'? (valid values: 'approved', 'not_approved')" in (
        err.message
    )


def test_bad_model_enum_value(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    path = write_catalogue(indicator(unit="percent"))
    err = only_error(path)
    assert_names(err, path, "my_non_arrest_rate", "unit")
    assert "valid values: count, rate, ratio, days, amount" in err.message


def test_bad_yaml(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("indicators:\n  - id: x\n    name_zh: [不捕率\n", encoding="utf-8")
    err = only_error(path)
    assert err.file == str(path) and err.line is not None
    assert str(err).startswith(f"{path}:")
    assert "not valid YAML" in err.message


def test_rate_without_denominator(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    path = write_catalogue(indicator(denominator=None, min_denominator=None))
    err = only_error(path)
    assert_names(err, path, "my_non_arrest_rate", "denominator")
    assert "unit `rate` needs a denominator" in err.message


def test_count_with_denominator(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    path = write_catalogue(indicator(unit="count", reasonable_range=None))
    err = only_error(path)
    assert_names(err, path, "my_non_arrest_rate", "denominator")
    assert "takes no denominator" in err.message


@pytest.mark.parametrize(
    ("range_", "field", "message"),
    [
        (
            {"default": {"low": 0.6, "high": 0.1}},
            "reasonable_range.default",
            "low (0.6) is above high (0.1)",
        ),
        (
            {"default": {"low": 20, "high": 60}},
            "reasonable_range.default",
            "rates are fractions: write 0.2 for 20%",
        ),
        (
            {"by_level": {5: {"low": 0.1}}},
            "reasonable_range.by_level.5",
            "levels are 1 national, 2 provincial, 3 municipal, 4 grassroots",
        ),
    ],
)
def test_bad_range(
    write_catalogue: WriteCatalogue,
    indicator: Make,
    range_: dict[str, object],
    field: str,
    message: str,
) -> None:
    path = write_catalogue(indicator(reasonable_range=range_))
    errors = errors_of(path)
    assert any(message in e.message for e in errors), [str(e) for e in errors]
    assert_names(errors[0], path, "my_non_arrest_rate", field)


def test_duplicate_id_across_two_files(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    first = write_catalogue(indicator(), name="a.yaml")
    second = write_catalogue(indicator(), name="b.yaml")
    err = only_error_of_two(first, second)
    assert_names(err, second, "my_non_arrest_rate", "id")
    assert f"already defined in {first}:" in err.message  # names both files


def only_error_of_two(first: Path, second: Path) -> Problem:
    errors = errors_of(first, second)
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


def test_duplicate_of_a_default_indicator(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    path = write_catalogue(indicator(id="non_arrest_rate"))
    with pytest.raises(CatalogueError) as info:
        load_catalogue([path])
    (err,) = info.value.errors
    assert "duplicate id `non_arrest_rate`: already defined in" in err.message
    assert "arrest_review.yaml" in err.message


def test_date_column_that_is_not_a_date(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    path = write_catalogue(
        indicator(numerator__date="is_minor", denominator__date="arrest_review_concluded")
    )
    errors = errors_of(path)
    err = errors[0]
    assert_names(err, path, "my_non_arrest_rate", "numerator.date")
    assert "`is_minor` is a boolean column, not a date" in err.message
    assert "arrest_review_concluded" in err.message  # lists the valid date columns


def test_type_mismatch(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    path = write_catalogue(
        indicator(
            numerator__filter="arrest_decision = 'not_approved' and verdict_date > 30",
        )
    )
    err = only_error(path)
    assert_names(err, path, "my_non_arrest_rate", "numerator.filter")
    assert "cannot compare `verdict_date` (date) with `30` (number)" in err.message


def test_sum_over_a_text_column(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    path = write_catalogue(indicator(unit="ratio", numerator__agg="sum", numerator__expr="case_id"))
    errors = errors_of(path)
    assert any("must be a number, but `case_id` is text" in e.message for e in errors)
    assert_names(errors[0], path, "my_non_arrest_rate", "numerator.expr")


def test_unparsable_filter(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    path = write_catalogue(indicator(numerator__filter="arrest_decision = = 'not_approved'"))
    err = only_error(path)
    assert_names(err, path, "my_non_arrest_rate", "numerator.filter")
    assert "cannot parse" in err.message
    assert err.message.splitlines()[-1].strip() == "^"


def test_unknown_sentence_placeholder(write_catalogue: WriteCatalogue, indicator: Make) -> None:
    path = write_catalogue(indicator(sentence_zh="不捕率为{valeu}"))
    err = only_error(path)
    assert_names(err, path, "my_non_arrest_rate", "sentence_zh")
    assert "unknown placeholder {valeu}; did you mean `value`?" in err.message


def test_every_mistake_of_a_file_is_reported_at_once(
    write_catalogue: WriteCatalogue, indicator: Make
) -> None:
    path = write_catalogue(
        indicator(
            numerater=1, numerator__filter="arrest_decison = 'x'", denominator__table="persns"
        ),
        indicator(id="second", unit="dayz"),
    )
    errors = errors_of(path)
    fields = {(e.indicator, e.field) for e in errors}
    assert fields >= {
        ("my_non_arrest_rate", "numerater"),
        ("my_non_arrest_rate", "numerator.filter"),
        ("my_non_arrest_rate", "denominator.table"),
        ("second", "unit"),
    }


def test_numerator_outside_the_denominator_warns(
    write_catalogue: WriteCatalogue, indicator: Make
) -> None:
    path = write_catalogue(indicator(numerator__filter="is_minor"))
    catalogue = load_catalogue([path], include_default=False)
    (warning,) = catalogue.warnings
    assert "field `numerator.filter`: warning: cannot confirm" in warning
