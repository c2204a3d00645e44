"""``kaoping detect``: possible gaming in a period, for every organ or one organ and below.

Thin: it parses options and calls :func:`kaoping.detect.detect`; the tests and their
thresholds are explained in docs/detect.md.
"""

from __future__ import annotations

from typing import Annotated

import typer

from kaoping.cli.app import DbOption, app, console, fail, resolve_db


@app.command()
def detect(
    period: Annotated[
        str, typer.Option("--period", help="2020, 2020-H1, 2020-Q3, 2020-06 or 2020-01..2020-09.")
    ],
    organ: Annotated[
        str | None,
        typer.Option("--organ", help="Organ code: that organ and the organs below it."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the detections as JSON, with their records.")
    ] = False,
    db: DbOption = None,
) -> None:
    """List possible gaming (period-end rush, re-labelling, cases held over, perfection)."""
    import json

    from kaoping.detect import DETECTOR_LABELS
    from kaoping.detect import detect as run
    from kaoping.engine.periods import PeriodError
    from kaoping.warehouse import opened

    try:
        with opened(resolve_db(db), read_only=True) as con:
            found = run(con, period, organ=organ)
    except (PeriodError, FileNotFoundError) as exc:
        raise fail(str(exc)) from None
    except KeyError as exc:
        raise fail(str(exc.args[0]) if exc.args else str(exc)) from None
    if as_json:
        print(json.dumps([d.model_dump(mode="json") for d in found], ensure_ascii=False, indent=2))
        return
    if not found:
        console.print(
            f"no possible gaming found in {period} / 未发现可能的数据异常", highlight=False
        )
        return
    from rich.table import Table

    table = Table(title=f"可能的数据异常 / Possible gaming, {period}")
    for col in ("detector", "organ", "q", "what was seen", "records"):
        table.add_column(col)
    for d in found:
        label = DETECTOR_LABELS[d.detector]
        table.add_row(
            f"{label.name_zh}\n{label.name_en}" + (f"\n{d.measure}" if d.measure else ""),
            f"{d.organ_code}\n{d.organ_name}",
            f"{d.q_value:.2g}",
            f"{d.summary_zh}\n{d.summary_en}",
            f"{d.record_count}",
        )
    console.print(table)
    console.print(
        "q: false-discovery-adjusted p-value; a flag is a reason to look, not a finding. "
        "--json lists the records behind each.",
        highlight=False,
    )
