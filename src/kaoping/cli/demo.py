"""`kaoping demo`: the main job on the embedded default, from nothing to a served dashboard.

It generates a national dataset, imports it through the same validated path real exports
take, computes the whole indicator catalogue, appraises the grassroots organs and the
prosecutors, and serves the dashboard with one demo login per role.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from kaoping.cli.app import DbOption, app, console, fail, resolve_db
from kaoping.cli.data import run_generate
from kaoping.cli.engine import compute
from kaoping.cli.ingest import run_import

#: the appraisals the demo runs: (scheme, period)
DEMO_RUNS = (("organs", "2020"), ("organs", "2020-H1"), ("prosecutors", "2020"))


def _summary(path: Path) -> None:
    from kaoping.model.schema import TABLES
    from kaoping.warehouse import opened, row_counts

    with opened(path, read_only=True) as con:
        counts = row_counts(con)
    summary = Table("table", "表", "rows", title="warehouse")
    for name, n in counts.items():
        summary.add_row(name, TABLES[name].label_zh, f"{n:,}")
    console.print(summary)


def _appraise(path: Path, app_db: str | None) -> None:
    from kaoping.appdb import make_engine
    from kaoping.appraisal import load_scheme, publish_run, run_appraisal

    engine = make_engine(app_db)
    for scheme_name, period in DEMO_RUNS:
        run = run_appraisal(path, load_scheme(scheme_name), period, engine, user="demo")
        if run.status == "draft":
            run = publish_run(engine, run.run_id, user="demo")
        grades: dict[str, int] = {}
        for result in run.results:
            grades[str(result.grade)] = grades.get(str(result.grade), 0) + 1
        spread = ", ".join(f"{g} {n:,}" for g, n in sorted(grades.items()))
        console.print(f"appraisal [bold]{scheme_name}[/] {period}: run {run.run_id}, "
                      f"{run.subjects:,} subjects ({spread}), hash {run.content_hash[:12]}")


@app.command()
def demo(
    persons: Annotated[int, typer.Option(min=1000, help="Suspects to generate.")] = 500_000,
    years: Annotated[str, typer.Option(help="Years to generate.")] = "2019-2020",
    data_dir: Annotated[Path, typer.Option("--data", help="Where the generated files go.")] = Path(
        "kaoping-data"
    ),
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    serve: Annotated[bool, typer.Option(help="Start the web dashboard at the end.")] = True,
    port: Annotated[int, typer.Option(help="Port of the dashboard.")] = 8457,
    db: DbOption = None,
    app_db: Annotated[
        str | None, typer.Option("--app-db", help="Application database URL [env KAOPING_APP_DB]")
    ] = None,
) -> None:
    """Generate a national dataset, import, compute, appraise, and serve the dashboard."""
    path = resolve_db(db)
    console.rule("[bold]1. generate a synthetic national dataset")
    files = run_generate(data_dir, persons, years, seed, "parquet")
    console.rule(f"[bold]2. import it into the warehouse {path}")
    run_import(path, list(files.values()))
    _summary(path)
    console.rule("[bold]3. compute every indicator for every organ, prosecutor and period")
    compute(db=path, years=None, indicator=None, catalogue=None)
    console.rule("[bold]4. appraise the grassroots organs and the prosecutors")
    try:
        _appraise(path, app_db)
    except Exception as exc:  # a library error, shown as one line rather than a trace
        raise fail(f"appraisal failed: {exc}") from exc
    if not serve:
        from kaoping.cli.web import demo_logins

        demo_logins(path, app_db)
        db_opt = f" --db {path}" if db is not None else ""
        console.print(f"done; `kaoping serve{db_opt}` starts the dashboard: log in with one "
                      "of the logins above")
        return
    console.rule("[bold]5. serve the dashboard")
    from kaoping.cli.web import serve_demo

    serve_demo(path, app_db, port=port)
