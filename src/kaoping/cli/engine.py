"""``kaoping compute``, ``kaoping show`` and ``kaoping explain``.

Thin: options are parsed here and everything else is :class:`kaoping.api.Warehouse`.
Mistakes a user can make (an unknown indicator, organ or prosecutor, a malformed period,
no warehouse) end with one line naming the culprit and exit code 1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.panel import Panel
from rich.table import Table

from kaoping.cli.app import DbOption, app, console, err_console, fail, resolve_db

if TYPE_CHECKING:
    import pandas as pd

    from kaoping.api import Warehouse
    from kaoping.engine.explain import MeasureRecords
    from kaoping.engine.values import IndicatorValue

CatalogueOption = Annotated[
    list[Path] | None,
    typer.Option("--catalogue", "-c", help="Extra catalogue files or directories."),
]
OrganOption = Annotated[
    str | None,
    typer.Option("--organ", help="Organ code (default: the national organ)."),
]
ProsecutorOption = Annotated[
    str | None, typer.Option("--prosecutor", help="A prosecutor id instead of an organ.")
]
ResultsOption = Annotated[
    Path | None,
    typer.Option(
        "--results",
        help="Read the Parquet results of a Spark computation in this directory "
        "[env: KAOPING_RESULTS].",
    ),
]
PeriodOption = Annotated[
    str,
    typer.Option("--period", help="2020, 2020-H1, 2020-Q3, 2020-06 or 2020-01..2020-09."),
]


@contextmanager
def _warehouse(
    db: Path | None, catalogue: list[Path] | None, results: Path | None = None
) -> Iterator[Warehouse]:
    """Open the warehouse with its catalogue; turn user mistakes into one-line errors."""
    from kaoping.api import Warehouse
    from kaoping.catalogue import CatalogueError, load_catalogue
    from kaoping.engine.periods import PeriodError
    from kaoping.engine.tree import HierarchyError

    try:
        cat = load_catalogue(catalogue or None)
    except CatalogueError as exc:
        for problem in exc.problems:
            err_console.print(str(problem), highlight=False, markup=False)
        raise fail("the catalogue did not load") from None
    path = resolve_db(db)
    try:
        with Warehouse(path, catalogue=cat, results=results) as wh:
            yield wh
    except KeyError as exc:
        raise fail(str(exc.args[0]) if exc.args else str(exc)) from None
    except (PeriodError, HierarchyError, FileNotFoundError, LookupError, ValueError) as exc:
        raise fail(str(exc)) from None


def _years(text: str | None) -> tuple[int, ...] | None:
    from kaoping.engine.periods import parse_years

    if text is None:
        return None
    try:
        return parse_years(text)
    except ValueError as exc:
        raise fail(str(exc)) from None


def _spark_options(
    source: str | None, results: str | None, master: str, conf: list[str] | None
) -> tuple[str, str, str, dict[str, str]]:
    """(source, results, master, conf) of ``--engine spark``, or a one-line error."""
    if not source:
        raise fail(
            "--engine spark needs --source DIR (the canonical tables as Parquet) "
            "or --source catalog:DATABASE (a database of the Spark catalogue)"
        )
    if not results:
        raise fail("--engine spark needs --results DIR (where the results are published)")
    settings: dict[str, str] = {}
    for item in conf or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise fail(f"--spark-conf {item!r}: expected key=value")
        settings[key.strip()] = value.strip()
    return source, results, master, settings


def _spark_engine(
    source: str, results: str, master: str, conf: dict[str, str], *, keep: int | None
) -> Any:
    """The Spark engine of ``--engine spark``; ``keep`` runs before the newest are kept
    (None: ``KAOPING_KEEP_VERSIONS``)."""
    try:
        from kaoping.engine.backends.spark import SparkCompute, spark_session
    except ImportError as exc:  # pyspark is an extra
        raise fail(f"--engine spark needs pyspark: pip install 'kaoping[spark]' ({exc})") from None
    try:
        return SparkCompute(spark_session(master, conf), source, results, keep=keep)
    except (FileNotFoundError, ValueError) as exc:
        raise fail(str(exc)) from None


def _kinds(text: str | None) -> list[str] | None:
    if text is None:
        return None
    if text.strip().lower() == "none":
        return []
    valid = ("month", "quarter", "half", "year", "ytd")
    kinds = [k.strip().lower() for k in text.split(",") if k.strip()]
    bad = [k for k in kinds if k not in valid]
    if bad:
        raise fail(f"unknown kind of period {', '.join(bad)}; use {', '.join(valid)} or none")
    return kinds


@app.command()
def compute(
    db: DbOption = None,
    years: Annotated[
        str | None,
        typer.Option("--years", help="Only these years, e.g. 2020 or 2019-2020 (default: all)."),
    ] = None,
    indicator: Annotated[
        list[str] | None, typer.Option("--indicator", "-i", help="Only these indicators.")
    ] = None,
    prosecutor_periods: Annotated[
        str | None,
        typer.Option(
            "--prosecutor-periods",
            help="Kinds of period computed per prosecutor: comma-separated of month, quarter, "
            "half, year, ytd, or 'none' (default: all).",
        ),
    ] = None,
    catalogue: CatalogueOption = None,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine", help="duckdb (the warehouse file) or spark [env: KAOPING_ENGINE]."
        ),
    ] = None,
    spark_master: Annotated[
        str | None,
        typer.Option(
            "--spark-master",
            help="Spark master URL: local[2], yarn, spark://host:7077, k8s://... "
            "[env: KAOPING_SPARK_MASTER; default local[*]].",
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            help="--engine spark: the directory of Parquet canonical tables "
            "(`kaoping export --parquet DIR`), or catalog:DATABASE for the tables of a "
            "database of the Spark/Hive catalogue [env: KAOPING_SOURCE].",
        ),
    ] = None,
    results: Annotated[
        str | None,
        typer.Option(
            "--results",
            help="--engine spark: the directory the Parquet results are published to "
            "[env: KAOPING_RESULTS].",
        ),
    ] = None,
    spark_conf: Annotated[
        list[str] | None,
        typer.Option("--spark-conf", help="A Spark setting key=value (repeatable)."),
    ] = None,
    keep_versions: Annotated[
        int | None,
        typer.Option(
            "--keep-versions",
            min=0,
            help="--engine spark: how many published runs before the newest the results "
            "directory keeps; older ones are deleted once this run is published "
            "[env: KAOPING_KEEP_VERSIONS; default 3].",
        ),
    ] = None,
) -> None:
    """Compute every indicator for every organ, prosecutor and period, and store them."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from kaoping.settings import get_settings

    chosen_years = _years(years)
    kinds = _kinds(prosecutor_periods)
    settings = get_settings()
    engine = (engine or settings.engine).lower()
    if engine not in ("duckdb", "spark"):
        raise fail(f"unknown engine {engine!r}: duckdb or spark")
    spark = None
    if keep_versions is not None and engine != "spark":
        # the warehouse file's versions are kept by every writer alike (imports too)
        raise fail(
            "--keep-versions applies to --engine spark; the warehouse's versions are kept "
            "by KAOPING_KEEP_VERSIONS"
        )
    if engine == "spark":
        where = results or (str(settings.results) if settings.results else None)
        spark = _spark_options(
            source or settings.source, where, spark_master or settings.spark_master, spark_conf
        )
    with _warehouse(db, catalogue, Path(spark[1]) if spark else None) as wh:
        columns = (
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task("starting", total=None)

            def progress(description: str, step: int, total: int) -> None:
                bar.update(task, description=description, completed=step, total=total)

            bar.update(task, description="starting Spark" if spark else "starting")
            summary = wh.compute(
                years=chosen_years,
                indicators=indicator,
                progress=progress,
                prosecutor_periods=kinds,
                on_wait=lambda message: bar.console.print(message, highlight=False),
                engine=_spark_engine(*spark, keep=keep_versions) if spark else None,
            )
            bar.update(task, description="done", completed=bar.tasks[0].total or 0)
    target = spark[1] if spark else wh.path
    table = Table(title=f"kaoping compute → {target}", show_header=False)
    table.add_row("years", ", ".join(str(y) for y in summary.years))
    table.add_row("indicators", str(summary.indicators))
    table.add_row("organs", f"{summary.organs:,}")
    table.add_row("prosecutors", f"{summary.prosecutors:,}")
    table.add_row("periods per indicator", str(summary.periods))
    table.add_row("figures (indicator × subject × period)", f"{summary.rows:,}")
    table.add_row("seconds", f"{summary.seconds:.1f}")
    console.print(table)
    console.print("Next: [bold]kaoping show INDICATOR --organ CODE --period 2020-H1[/]")


def _fmt(v: IndicatorValue, x: float | None) -> str:
    from kaoping.narrative.numbers import format_value

    return format_value(x, v.unit, "en")


def _plain(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,.2f}"


def _change_text(v: IndicatorValue) -> str:
    if v.change is None:
        reason = v.previous_reason("en")
        return f"— ({reason})" if reason else "—"
    unit = {"percentage_points": " pp", "percent": "%", "days": " days"}.get(v.change_unit, "")
    return f"{v.change:+.1f}{unit}" if v.change_unit != "difference" else f"{v.change:+.2f}"


def _panel(v: IndicatorValue, stale: bool, median: bool = False) -> Panel:
    title = f"{v.subject_name_zh} · {v.period_zh}  ({v.subject} · {v.period})"
    no_data = v.data_reason("en")
    if no_data is not None:  # a period the records do not cover: no zeros, no arrows
        lines = [f"[bold]{v.name_zh} / {v.name_en}[/]", no_data, v.data_reason("zh") or ""]
        return Panel("\n".join(lines), title=title, expand=False)
    lines = [f"[bold]{_fmt(v, v.value)}[/]   {v.name_zh} / {v.name_en}"]
    if median:  # the value is the median itself; what it is taken over is its records
        lines.append(f"median of {_plain(v.denominator)} records")
    elif v.denominator is not None:
        lines.append(f"numerator {_plain(v.numerator)} / denominator {_plain(v.denominator)}")
    if v.ci_low is not None and v.ci_high is not None:
        lines.append(f"95% interval {v.ci_low * 100:.1f}% – {v.ci_high * 100:.1f}%")
    previous = _fmt(v, v.previous)
    if v.previous is None and v.previous_numerator is not None:
        # the figures of a year earlier are stored even when they are not compared with
        counted = _plain(v.previous_numerator)
        if v.previous_denominator is not None:
            counted += f" / {_plain(v.previous_denominator)}"
        previous += f" (recorded {counted})"
    lines.append(f"previous year {previous}   change {_change_text(v)}")
    if v.rank is not None:
        lines.append(
            f"rank {v.rank} of {v.peers} under the same parent; "
            f"{v.rank_in_level} of {v.peers_in_level} in the level"
        )
    elif v.source == "on_the_fly":
        lines.append("[dim]computed on the fly from the records (period not stored): no rank[/]")
    if v.flags:
        lines.append("[yellow]flags: " + ", ".join(v.flags) + "[/]")
    if v.definition.versions:  # only indicators whose definition changed say so
        lines.append(f"definition {v.definition_version}")
    if v.definition_note is not None:
        lines.append(f"[yellow]{v.definition_reason('en')}[/]")
        lines.append(f"[yellow]{v.definition_reason('zh')}[/]")
    if stale:
        lines.append(
            "[yellow]the stored results were computed with other definitions: "
            "run `kaoping compute`[/]"
        )
    lines += ["", v.sentence("zh"), v.sentence("en")]
    return Panel("\n".join(lines), title=title, expand=False)


@app.command()
def show(
    indicator: Annotated[str, typer.Argument(help="Indicator id (see `kaoping indicators list`).")],
    period: PeriodOption,
    organ: OrganOption = None,
    prosecutor: ProsecutorOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    db: DbOption = None,
    results: ResultsOption = None,
    catalogue: CatalogueOption = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Break the figure down by this categorical column "
                     "(e.g. crime_chapter, is_minor); an organ's only."),
    ] = None,
) -> None:
    """Print one indicator for one organ (or prosecutor) and period."""
    if by is not None:
        _show_breakdown(indicator, period, organ, prosecutor, by, as_json, db, results,
                        catalogue)
        return
    with _warehouse(db, catalogue, results) as wh:
        value = wh.indicator(indicator, organ=organ, prosecutor=prosecutor, period=period)
        stale = value.source == "stored" and wh.stale
        fresh = wh.freshness()
        median = wh.definition(indicator).is_median
    if as_json:
        payload = {**value.to_dict(), "freshness": fresh.to_dict()}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    console.print(_panel(value, stale, median))
    if fresh.stale and value.source == "stored":
        err_console.print(f"[yellow]warning:[/] {fresh.message('en')}", highlight=False)
        err_console.print(f"[yellow]注意：[/]{fresh.message('zh')}", highlight=False)


def _show_breakdown(
    indicator: str, period: str, organ: str | None, prosecutor: str | None, by: str,
    as_json: bool, db: Path | None, results: Path | None, catalogue: list[Path] | None,
) -> None:
    """``show --by``: the figure per category, the total, and whether they add up."""
    from kaoping.narrative.numbers import format_value

    if prosecutor is not None:
        raise fail("--by breaks down an organ's figure; give --organ, not --prosecutor")
    with _warehouse(db, catalogue, results) as wh:
        b = wh.breakdown(indicator, organ=organ, period=period, by=by)
    if as_json:
        typer.echo(json.dumps(b.to_dict(), ensure_ascii=False, indent=2))
    else:
        ind, unit = b.indicator, b.indicator.unit.value
        table = Table(
            title=f"{ind.name_zh} / {ind.name_en} · {b.subject.name_zh} · {b.period.label_zh} "
            f"({b.subject.code} · {b.period.label}), by {b.column.label_zh} / "
            f"{b.column.label_en} ({b.column.name})"
        )
        shares = any(r.share is not None for r in b.rows)
        table.add_column("code")
        table.add_column("类别 / category")
        table.add_column("value", justify="right")
        if ind.denominator is not None:
            table.add_column("numerator", justify="right")
            table.add_column("denominator", justify="right")
        if shares:
            table.add_column("share", justify="right")
        for r in (*b.rows, b.total):
            code = "" if r is b.total else (r.category.code or "—")
            cells = [code, f"{r.category.label_zh} / {r.category.label_en}",
                     format_value(r.value, unit, "en")]
            if ind.denominator is not None:
                cells += [_plain(r.numerator), _plain(r.denominator)]
            if shares:
                cells.append("—" if r.share is None else f"{r.share * 100:.1f}%")
            table.add_row(*cells, end_section=r is b.rows[-1])
        console.print(table)
    for zh, en in zip(b.problems("zh"), b.problems("en"), strict=True):
        err_console.print(f"[yellow]warning:[/] {en}", highlight=False)
        err_console.print(f"[yellow]注意：[/]{zh}", highlight=False)


def _records_table(side: MeasureRecords, limit: int) -> Table:
    frame: pd.DataFrame = side.records
    shown = min(limit, side.total_records)
    table = Table(title=f"{side.role}: {side.total_records:,} records (first {shown} shown)")
    for col in frame.columns:
        table.add_column(str(col))
    for row in frame.itertuples(index=False):
        table.add_row(*("" if x is None else str(x) for x in row))
    return table


@app.command()
def explain(
    indicator: Annotated[str, typer.Argument(help="Indicator id.")],
    period: PeriodOption,
    organ: OrganOption = None,
    prosecutor: ProsecutorOption = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Records listed per side.")] = 50,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write every record to this CSV file.")
    ] = None,
    db: DbOption = None,
    results: ResultsOption = None,
    catalogue: CatalogueOption = None,
) -> None:
    """List the records behind a figure and its definition, so it can be recounted by hand."""
    with _warehouse(db, catalogue, results) as wh:
        e = wh.explain(indicator, organ=organ, prosecutor=prosecutor, period=period, limit=limit)
        written = e.to_csv(out, wh.backend) if out is not None else None
        fresh = wh.freshness()
    ind, v = e.indicator, e.value
    console.rule(f"[bold]{ind.name_zh} / {ind.name_en}[/] ({ind.id})")
    console.print(f"[bold]定义[/] {ind.definition_zh}", highlight=False)
    console.print(f"[bold]Definition[/] {ind.definition_en}", highlight=False)
    if ind.versions:
        console.print(f"[bold]version[/] {v.definition_version}", highlight=False)
        for n in v.definition_versions:
            label = ind.version_label(n)
            console.print(f"  {label}: {ind.definition_of(n, 'zh')}", highlight=False)
            console.print(f"  {label}: {ind.definition_of(n, 'en')}", highlight=False)
        if v.definition_note is not None:
            console.print(f"[yellow]{v.definition_reason('en')}[/]", highlight=False)
    for side in (e.numerator, e.denominator):
        if side is not None:
            console.print(f"[bold]{side.role}[/]: {side.describe('en')}", highlight=False)
    first, last = e.date_bounds
    console.print(f"[bold]period[/] {e.period.label} ({e.period.label_zh}): {first} to {last}")
    who = "prosecutor " + e.subject.code if e.subject.kind == "prosecutor" else "organs"
    names = ", ".join(f"{c} {zh}" for c, zh, _ in e.organs[:12])
    more = f" … and {len(e.organs) - 12} more" if len(e.organs) > 12 else ""
    console.print(f"[bold]{who}[/] ({len(e.organs)}): {names}{more}", highlight=False)
    for side in (e.numerator, e.denominator):
        if side is not None:
            console.print(_records_table(side, limit))
    console.print(f"[bold]{e.arithmetic()}[/]  (counted from the records listed)")
    if e.stored is not None:
        st = e.stored
        console.print(
            f"[yellow]the stored figure is {_plain(st.numerator)}"
            + (f" / {_plain(st.denominator)}" if st.denominator is not None else "")
            + f" = {_fmt(st, st.value)}: it was computed before the data changed"
            + (f" ({fresh.message('en')})" if fresh.stale else "")
            + "; run `kaoping compute`[/]",
            highlight=False,
        )
    elif fresh.stale:
        console.print(f"[yellow]{fresh.message('en')}[/]", highlight=False)
    console.print(v.sentence("zh"))
    console.print(v.sentence("en"))
    if written is not None:
        console.print(f"wrote {written:,} records to {out}")


@app.command()
def export(
    parquet: Annotated[
        Path,
        typer.Option("--parquet", help="Directory to write one TABLE.parquet per table to."),
    ],
    db: DbOption = None,
) -> None:
    """Export the canonical tables as Parquet: what `kaoping compute --engine spark` reads."""
    from kaoping.warehouse import export_parquet, opened

    path = resolve_db(db)
    try:
        with opened(path, read_only=True) as con:
            written = export_parquet(con, parquet)
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None
    console.print(f"wrote {len(written)} tables to [bold]{parquet}[/]")
