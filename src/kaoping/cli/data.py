"""`kaoping generate`: the synthetic national dataset."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from kaoping.cli.app import app, console, fail

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

#: ``kaoping.synth.Format``, spelt out so that parsing the options (and ``kaoping --help``)
#: does not import the generator with numpy, pandas and pyarrow; a test keeps them equal.
Format = Literal["csv", "parquet"]


def progress_bar() -> Progress:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def _us_county_model() -> bool:
    """Whether the active model is the US county one, whose tables its own generator
    writes (:mod:`kaoping.synth.us_county`)."""
    from kaoping.model.selection import active
    from kaoping.synth.us_county import MODEL_NAME

    return active().name == MODEL_NAME


def run_generate(out: Path, persons: int, years: str, seed: int, fmt: Format) -> dict[str, Path]:
    """Generate with a progress bar per table; shared by `generate` and `demo`.

    The active model decides what is written: the default model's tables (and those of
    a model extending it), or, under the US county model, that model's tables with
    ``persons`` defendants."""
    from kaoping.catalogue.load import default_catalogue_applies
    from kaoping.model.selection import active
    from kaoping.synth import generate_dataset, parse_years
    from kaoping.synth.us_county import generate_us_county

    us = _us_county_model()
    if not us and not default_catalogue_applies():
        raise fail(
            f"kaoping generate writes the default model's tables or the US county model's; "
            f"model {active().name} is neither"
        )

    try:
        year_range = parse_years(years)
    except ValueError as exc:
        raise fail(str(exc)) from None
    tasks: dict[str, TaskID] = {}
    started = time.perf_counter()
    with progress_bar() as bar:

        def report(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = bar.add_task(f"writing {table}", total=total)
            bar.update(tasks[table], completed=done)

        if us:
            paths = generate_us_county(
                out, defendants=persons, years=year_range, seed=seed, fmt=fmt, progress=report
            )
        else:
            paths = generate_dataset(
                out, persons=persons, years=year_range, seed=seed, fmt=fmt, progress=report
            )
    console.print(
        f"wrote {len(paths)} tables to [bold]{out}[/] in "
        f"{time.perf_counter() - started:.1f} s ({persons:,} {'defendants' if us else 'persons'}, "
        f"{year_range.start}-{year_range.stop - 1}, seed {seed})"
    )
    return paths


@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write the tables to.")],
    persons: Annotated[int, typer.Option(min=1, help="Suspects (persons) to generate.")] = 200_000,
    years: Annotated[str, typer.Option(help="Years, e.g. 2019-2020 or 2001-2020.")] = "2019-2020",
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same files.")] = 7,
    fmt: Annotated[Format, typer.Option("--format", help="csv or parquet.")] = "csv",
) -> None:
    """Generate a synthetic national dataset: one file per table, calibrated to SPP figures.

    Under `--model` with the US county model (model/examples/us_county.yaml), a county
    office's intake, initiation, disposition and sentencing tables, with --persons
    defendants."""
    run_generate(out, persons, years, seed, fmt)
