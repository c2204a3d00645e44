"""`kaoping model check`: every kind of mistake in a model file is named with its file,
line, table and column, and what would be valid (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.model.model_files import SMALL, write
from typer.testing import CliRunner

from kaoping.cli import app
from kaoping.model.errors import ModelError
from kaoping.model.load import check_model, load_model
from kaoping.model.selection import DEFAULT_FILE
from kaoping.model.types import ColumnType


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the ``occurrence``-th line containing ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def test_the_small_model_is_valid_and_holds_what_it_declares(tmp_path: Path) -> None:
    model = load_model(write(tmp_path / "small.yaml", SMALL))
    assert list(model.tables) == ["offices", "cases"]
    cases = model.tables["cases"]
    assert cases.key == ("case_id",)
    assert cases.column("outcome").enum is model.enumerations["outcome"]
    assert cases.column("outcome").label_zh == "结果"  # zh is required, so primary
    assert dict(cases.column("outcome").labels) == {"zh": "结果", "en": "outcome"}
    assert model.enumerations["outcome"].aliases() == {
        "filed": "filed",
        "dropped": "dropped",
        "立案": "filed",
        "撤案": "dropped",
        "撤销": "dropped",
    }
    assert [(d.earlier, d.later) for d in cases.date_orders] == [("received", "closed")]


# (what is wrong, text replaced, replacement, line holding it, table, column, words of the
# message -- what is wrong and what would be valid)
MISTAKES = [
    (
        "unknown type",
        "        type: date\n        label: {zh: 受理日期",
        "        type: datetime\n        label: {zh: 受理日期",
        "type: datetime",
        "cases",
        "received",
        [
            "'datetime' is not a valid type",
            "did you mean `date`?",
            "valid types: text, integer, decimal, boolean, date, enum",
        ],
    ),
    (
        "label lacks a required language",
        "label: {zh: 审结日期, en: closed}",
        "label: {en: closed}",
        "label: {en: closed}",
        "cases",
        "closed",
        ["label lacks `zh`", "required_languages: zh"],
    ),
    (
        "label in an undeclared language",
        "label: {zh: 审结日期, en: closed}",
        "label: {zh: 审结日期, fr: clos}",
        "fr: clos",
        "cases",
        "closed",
        ["undeclared language `fr`", "languages: zh, en"],
    ),
    (
        "enumeration value lacks a required language",
        "dropped: {zh: 撤案, en: dropped}",
        "dropped: {en: dropped}",
        "dropped: {en: dropped}",
        None,
        None,
        ["label lacks `zh`"],
    ),
    (
        "reference to an unknown table",
        "references: offices.office_code",
        "references: office.office_code",
        "references: office.office_code",
        "cases",
        "office_code",
        ["unknown table `office`", "did you mean `offices`?", "tables: offices, cases"],
    ),
    (
        "reference to an unknown column",
        "references: offices.office_code",
        "references: offices.code",
        "references: offices.code",
        "cases",
        "office_code",
        ["table `offices` has no column `code`", "columns: office_code"],
    ),
    (
        "date order naming an unknown column",
        "{earlier: received, later: closed}",
        "{earlier: received, later: concluded}",
        "later: concluded",
        "cases",
        None,
        [
            "names `concluded`, which is not a column of `cases`",
            "columns: case_id, office_code, outcome, received, closed",
        ],
    ),
    (
        "date order naming a column that is no date",
        "{earlier: received, later: closed}",
        "{earlier: received, later: outcome}",
        "later: outcome",
        "cases",
        None,
        ["`outcome`, a enum column", "date columns (received, closed)"],
    ),
    (
        "duplicate column",
        "    date_orders:\n",
        "      - {name: received, type: text, label: {zh: 收到}}\n    date_orders:\n",
        "- {name: received",
        "cases",
        "received",
        ["duplicate column `received`", "already declared in"],
    ),
    (
        "key column not declared",
        "key: [case_id]",
        "key: [case_no]",
        "key: [case_no]",
        "cases",
        None,
        [
            "key column `case_no` is not declared",
            "columns: case_id, office_code, outcome, received, closed",
        ],
    ),
    (
        "unknown enumeration",
        "enum: outcome",
        "enum: outcomes",
        "enum: outcomes",
        "cases",
        "outcome",
        ["unknown enumeration `outcomes`", "did you mean `outcome`?", "enumerations: outcome"],
    ),
    (
        "unknown key",
        "        type: date\n        label: {zh: 受理日期",
        "        type: date\n        nullable: true\n        label: {zh: 受理日期",
        "nullable: true",
        "cases",
        "received",
        ["unknown key `nullable`", "keys here: name, type, label, description, required"],
    ),
    (
        "a column name that is no plain name",
        "      - name: outcome\n",
        "      - name: 结果\n",
        "- name: 结果",
        "cases",
        "结果",
        ["'结果' is not a valid name", "goes in `label:` or `aliases:`"],
    ),
    (
        "alias of an unknown code",
        "aliases: {撤销: dropped}",
        "aliases: {撤销: withdrawn}",
        "aliases: {撤销: withdrawn}",
        None,
        None,
        ["alias `撤销` names `withdrawn`", "values: filed, dropped"],
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "at", "table", "column", "words"),
    [m[1:] for m in MISTAKES],
    ids=[m[0] for m in MISTAKES],
)
def test_each_mistake_names_file_line_table_column_and_what_is_valid(
    tmp_path: Path,
    old: str,
    new: str,
    at: str,
    table: str | None,
    column: str | None,
    words: list[str],
) -> None:
    assert old in SMALL
    text = SMALL.replace(old, new, 1)
    path = write(tmp_path / "bad.yaml", text)

    model, problems = check_model(path)

    assert model is None
    assert len(problems) == 1, [str(p) for p in problems]
    (problem,) = problems
    assert problem.file == str(path)
    assert problem.line == line_of(text, at)
    assert (problem.table, problem.column) == (table, column)
    for word in words:
        assert word in problem.message, problem.message
    shown = str(problem)
    assert shown.startswith(f"{path}:{problem.line}: ")
    if table:
        assert f"table `{table}`" in shown
    if column:
        assert f"column `{column}`" in shown


def test_a_yaml_syntax_error_names_its_line(tmp_path: Path) -> None:
    text = SMALL.replace("key: [case_id]", "key: [case_id", 1)
    path = write(tmp_path / "broken.yaml", text)
    _, problems = check_model(path)
    (problem,) = problems
    assert problem.message.startswith("not valid YAML")
    # the parser notices the unclosed bracket at the next line
    assert problem.line in (line_of(text, "key: [case_id"), line_of(text, "key: [case_id") + 1)


def test_an_enumeration_name_that_is_no_plain_name_is_reported(tmp_path: Path) -> None:
    text = SMALL.replace("  outcome:\n", "  Outcome:\n", 1).replace(
        "enum: outcome", "enum: Outcome"
    )
    _, problems = check_model(write(tmp_path / "name.yaml", text))
    assert len(problems) == 1, [str(p) for p in problems]
    assert problems[0].line == line_of(text, "  Outcome:")
    assert "'Outcome' is not a valid enumeration name" in problems[0].message


def test_a_key_written_twice_is_reported(tmp_path: Path) -> None:
    text = SMALL.replace(
        "        required: true\n", "        required: true\n        required: false\n", 1
    )
    _, problems = check_model(write(tmp_path / "twice.yaml", text))
    assert any("key `required` appears twice" in p.message for p in problems)


def test_every_mistake_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        SMALL.replace("type: date", "type: datetime", 1)
        .replace("references: offices.office_code", "references: nowhere.code")
        .replace("key: [case_id]", "key: [case_no]")
    )
    _, problems = check_model(write(tmp_path / "three.yaml", text))
    messages = " | ".join(p.message for p in problems)
    assert "'datetime' is not a valid type" in messages
    assert "unknown table `nowhere`" in messages
    assert "key column `case_no`" in messages


def test_a_top_level_mistake_does_not_hide_the_tables_mistakes(tmp_path: Path) -> None:
    text = SMALL.replace("model: small\n", "model: small\nlanguage: [zh]\n").replace(
        "enum: outcome", "enum: outcomes"
    )
    _, problems = check_model(write(tmp_path / "both.yaml", text))
    assert [p.line for p in problems] == [2, line_of(text, "enum: outcomes")]
    assert "unknown key `language`; did you mean `languages`?" in problems[0].message
    assert "unknown enumeration `outcomes`" in problems[1].message


def test_chinese_is_required_only_where_the_model_says_so(tmp_path: Path) -> None:
    english = SMALL.replace("languages: [zh, en]\nrequired_languages: [zh]", "languages: [en]")
    for zh in (
        "单位",
        "单位代码",
        "案件",
        "案件编号",
        "结果",
        "受理日期",
        "审结日期",
        "立案",
        "撤案",
    ):
        english = english.replace(f"zh: {zh}, ", "")
    assert "zh:" not in english
    model = load_model(write(tmp_path / "english.yaml", english))
    assert model.required_languages == ()
    assert model.tables["cases"].column("outcome").label_zh == "outcome"  # the primary label
    # the same file under the default rule (zh required) is refused, naming every label
    required = english.replace("languages: [en]", "languages: [zh, en]\nrequired_languages: [zh]")
    _, problems = check_model(write(tmp_path / "required.yaml", required))
    assert len(problems) == 10  # two tables, six columns, two values
    assert all("label lacks `zh`" in p.message for p in problems)


def test_extending_an_unknown_model_says_what_extends_takes(tmp_path: Path) -> None:
    path = write(tmp_path / "ext.yaml", "model: mine\nextends: defualt\n")
    _, problems = check_model(path)
    (problem,) = problems
    assert problem.field == "extends" and problem.line == 2
    assert "use `default` or the path of a model file" in problem.message


def test_an_extension_cannot_redefine_a_column_of_its_base(tmp_path: Path) -> None:
    text = (
        "model: mine\nextends: default\ntables:\n  - name: persons\n    columns:\n"
        "      - {name: is_minor, type: text, label: {zh: 未成年}}\n"
    )
    _, problems = check_model(write(tmp_path / "ext.yaml", text))
    (problem,) = problems
    assert (problem.table, problem.column, problem.line) == ("persons", "is_minor", 6)
    assert "duplicate column `is_minor`" in problem.message
    assert "model.yaml:" in problem.message  # where the first one is


def test_load_model_raises_with_every_problem(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.yaml", SMALL.replace("enum: outcome", "enum: nothing"))
    with pytest.raises(ModelError) as caught:
        load_model(path)
    assert "1 error in the data model" in str(caught.value)
    assert "unknown enumeration `nothing`" in str(caught.value)


def test_the_default_model_file_checks_clean() -> None:
    model, problems = check_model(DEFAULT_FILE)
    assert problems == [] and model is not None
    assert model.required_languages == ("zh",)
    assert model.tables["persons"].column("is_minor").type is ColumnType.BOOLEAN


runner = CliRunner()


def test_cli_check_prints_ok_and_what_the_model_holds(tmp_path: Path) -> None:
    result = runner.invoke(app, ["model", "check", str(write(tmp_path / "s.yaml", SMALL))])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: model small: 2 tables, 6 columns, 1 enumerations")
    assert "languages zh, en (required: zh)" in result.output


def test_cli_check_lists_every_error_and_exits_1(tmp_path: Path) -> None:
    text = SMALL.replace("type: date", "type: datetime", 1).replace("key: [case_id]", "key: [x]")
    path = write(tmp_path / "bad.yaml", text)
    result = runner.invoke(app, ["model", "check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:{line_of(text, 'type: datetime')}: table `cases`: column `received`" in (
        result.output
    )
    assert "key column `x` is not declared" in result.output
    assert "2 errors in the data model" in result.output


def test_cli_check_without_a_file_checks_the_default_model() -> None:
    result = runner.invoke(app, ["model", "check"], env={"KAOPING_MODEL": ""})
    assert result.exit_code == 0, result.output
    assert "ok: model default: 10 tables" in result.output
