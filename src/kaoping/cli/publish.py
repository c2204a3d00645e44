"""``kaoping publish``: an indicator's figures as released to the public, suppressed.

Thin: the rules and the suppression are :mod:`kaoping.publication`; docs/publication.md
explains both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from kaoping.cli.app import DbOption, Lang, LangOption, app, console, fail, resolve_db

_COLUMNS = {
    "zh": ["院代码", "院名称", "层级", "上级院代码", "本院自办", "分子", "分母", "数值", "说明"],
    "en": ["organ_code", "organ", "level", "parent_code", "own", "numerator", "denominator",
           "value", "note"],
}
#: a median has no numerator and denominator: the median itself, over its records
_MEDIAN_SIDES = {"zh": ("中位数", "记录数"), "en": ("median", "records")}


def _columns(lang: str, median: bool) -> list[str]:
    cols = list(_COLUMNS[lang])
    if median:
        cols[5:7] = _MEDIAN_SIDES[lang]
    return cols


@app.command()
def publish(
    indicator: Annotated[str, typer.Argument(help="The indicator id, e.g. non_arrest_rate.")],
    period: Annotated[
        str, typer.Option("--period", help="2020, 2020-H1, 2020-Q3, 2020-06 or 2020-01..2020-09.")
    ],
    organ: Annotated[
        str | None,
        typer.Option("--organ", help="Organ code: that organ and every organ below it "
                     "(default: the whole tree)."),
    ] = None,
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="Suppression rules (YAML); default: KAOPING_SUPPRESSION "
                     "or the shipped rules (counts 1-4, rates over fewer than 10)."),
    ] = None,
    lang: LangOption = Lang.zh,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the table to FILE: .csv, .xlsx or .json "
                     "(default: print the organ and the organs directly below it)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Write an indicator's figures for publication, with small numbers suppressed."""
    import json

    from kaoping.api import Warehouse
    from kaoping.engine.periods import PeriodError
    from kaoping.publication.public import MARK, public_table
    from kaoping.publication.rules import RulesError, load_rules

    if out is not None and out.suffix.lower() not in (".csv", ".xlsx", ".json"):
        raise fail(f"{out}: the table is written as .csv, .xlsx or .json, not '{out.suffix}'")
    try:
        with Warehouse(resolve_db(db)) as wh:
            if organ is not None and organ not in wh.hierarchy:
                raise fail(wh.hierarchy.unknown_organ_message(organ))
            rule_set = load_rules(rules, indicators=wh.catalogue.ids())
            table = public_table(wh, indicator, period, organ=organ, rules=rule_set)
            top_level = int(str(wh.hierarchy.organ(organ)["level"])) if organ else 1
    except RulesError as exc:
        raise fail(str(exc)) from None
    except (PeriodError, FileNotFoundError, LookupError) as exc:
        raise fail(str(exc.args[0]) if exc.args else str(exc)) from None
    records = table.records(lang)
    if out is not None and out.suffix.lower() == ".json":
        doc = {"indicator": indicator, "period": table.period, "rule": table.rule.model_dump(),
               "footnote": table.footnote(lang), "rows": records}
        out.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
        console.print(f"{len(records)} rows -> {out}", highlight=False)
        return
    shown = [_row(r, MARK) for r in records]
    if out is not None:
        import pandas as pd

        frame = pd.DataFrame(shown, columns=_columns(lang, table.indicator.is_median))
        if out.suffix.lower() == ".csv":
            frame.to_csv(out, index=False, encoding="utf-8-sig")
            with out.open("a", encoding="utf-8") as fh:
                fh.write(f"\n{table.footnote(lang)}\n")
        else:
            _write_xlsx(frame, out, table.footnote(lang))
        console.print(f"{len(records)} rows -> {out}", highlight=False)
        return
    from rich.table import Table

    name = table.indicator.name_zh if lang == "zh" else table.indicator.name_en
    view = Table(title=f"{name} {table.period}")
    for col in _columns(lang, table.indicator.is_median):
        view.add_column(col)
    for r, cells in zip(records, shown, strict=True):
        if r["level"] <= top_level + 1:
            view.add_row(*(str(c) for c in cells))
    console.print(view)
    console.print(table.footnote(lang), highlight=False)


def _row(r: dict[str, Any], mark: str) -> list[object]:
    def num(x: float | None) -> object:
        if r["suppressed"]:
            return mark
        return "" if x is None else (int(x) if float(x).is_integer() else round(float(x), 4))

    return [r["organ_code"], r["name"], r["level"], r["parent_code"] or "",
            "✓" if r["own"] else "", num(r["numerator"]), num(r["denominator"]),
            num(r["value"]), r["note"] or ""]


def _write_xlsx(frame: object, out: Path, footnote: str) -> None:
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name="published")
        sheet = writer.sheets["published"]
        sheet.cell(row=len(frame) + 3, column=1, value=footnote)
