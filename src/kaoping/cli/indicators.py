"""``kaoping indicators``: check catalogue files and list the indicators they define.

Thin: it parses options and calls ``kaoping.catalogue``. Problems are printed plainly, one
per line (with any caret lines under it), so that they can be grepped and so that a narrow
terminal does not re-wrap them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from kaoping.cli.app import Lang, LangOption, app, console, fail

if TYPE_CHECKING:
    # the catalogue pulls in pydantic and Ibis: imported by the commands, not at start-up
    from kaoping.catalogue.errors import Problem
    from kaoping.catalogue.models import Indicator

indicators_app = typer.Typer(
    help="Check indicator catalogues and list the indicators (指标目录).",
    no_args_is_help=True,
)
app.add_typer(indicators_app, name="indicators")




UNIT_ZH = {"count": "数量", "rate": "比率", "ratio": "比值", "days": "天数", "amount": "金额"}


def _echo_problems(problems: list[Problem]) -> None:
    for p in problems:
        typer.echo(str(p), err=p.severity == "error")


@indicators_app.command("check")
def check(
    files: Annotated[list[Path], typer.Argument(help="Catalogue YAML files or directories.")],
    alone: Annotated[
        bool,
        typer.Option("--alone", help="Check without the default catalogue (ids may then clash)."),
    ] = False,
) -> None:
    """Check catalogue files: exit 0 and "N indicators OK", or exit 1 listing every error.

    The files are read together with the default catalogue, so an id that clashes with a
    default indicator is reported too.
    """
    from kaoping.catalogue import check_files
    from kaoping.catalogue.load import catalogue_files

    result = check_files(files, include_default=False if alone else None)
    _echo_problems(result.problems)
    if result.errors:
        n = len(result.errors)
        raise fail(f"{n} error{'s' if n != 1 else ''} found")
    mine = {p.resolve() for p in catalogue_files(files, include_default=False)}
    count = sum(len(f.indicators) for f in result.files if Path(f.file).resolve() in mine)
    typer.echo(f"{count} indicator{'s' if count != 1 else ''} OK")


@indicators_app.command("list")
def list_(
    family: Annotated[str | None, typer.Option("--family", help="Only this family.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Full definitions as JSON.")] = False,
    lang: LangOption = Lang.zh,
    catalogue: Annotated[
        list[Path] | None,
        typer.Option("--catalogue", "-c", help="Extra catalogue files or directories."),
    ] = None,
) -> None:
    """List the indicators of the catalogue (default + $KAOPING_CATALOGUE_DIR or -c)."""
    from kaoping.catalogue import CatalogueError, load_catalogue
    from kaoping.catalogue.typecheck import did_you_mean

    try:
        cat = load_catalogue(catalogue or None)
    except CatalogueError as exc:
        _echo_problems(exc.problems)
        raise fail("the catalogue did not load") from None
    indicators = cat.indicators
    if family is not None:
        indicators = cat.by_family(family)
        if not indicators:
            known = sorted({i.family for i in cat.indicators})
            hint = did_you_mean(family, known)
            raise fail(f"no indicators in family `{family}`{hint} (families: {', '.join(known)})")
    if as_json:
        rows = [
            ind.model_dump(mode="json") | {"source": cat.sources.get(ind.id)} for ind in indicators
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    console.print(_table(indicators, lang))


def _table(indicators: list[Indicator], lang: Lang) -> Table:
    from kaoping.catalogue import FAMILIES

    zh = lang is Lang.zh
    headers = (
        ("id", "中文名", "英文名", "单位", "类别", "方面")
        if zh
        else ("id", "中文名", "name", "unit", "family", "aspect")
    )
    table = Table(title="指标目录" if zh else "Indicator catalogue")
    for i, header in enumerate(headers):
        # ids and Chinese names are what users copy; never truncate them
        table.add_column(header, no_wrap=i < 2, overflow="fold")
    for ind in indicators:
        labels = FAMILIES.get(ind.family)
        fam = (labels[0] if zh else labels[1]) if labels else ind.family
        unit = UNIT_ZH[ind.unit.value] if zh else ind.unit.value
        table.add_row(ind.id, ind.name_zh, ind.name_en, unit, fam, str(ind.aspect))
    return table
