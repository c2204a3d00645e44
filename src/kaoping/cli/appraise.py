"""``kaoping appraise`` (runs, explain, publish, items, objections, audit) and ``kaoping brief``.

Thin: options are parsed here and everything else is :mod:`kaoping.appraisal` and
:mod:`kaoping.narrative.briefing`. The application database is ``--app-db URL`` or the
``KAOPING_APP_DB`` setting; who acts is ``--user NAME`` (default: the OS user) and is
written to the audit trail. Mistakes a user can make end with one line and exit code 1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from kaoping.cli.app import (
    DbOption,
    Lang,
    LangOption,
    app,
    console,
    err_console,
    fail,
    resolve_db,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from kaoping.appraisal import Run, Scheme

appraise_app = typer.Typer(
    help="Appraise organs or prosecutors with a scheme (考评); explain, publish, object.",
    invoke_without_command=True,
    no_args_is_help=False,
)
items_app = typer.Typer(help="Bonus and deduction items (加分/扣分项).", no_args_is_help=True)
objections_app = typer.Typer(help="Objections to results (异议复核).", no_args_is_help=True)
appraise_app.add_typer(items_app, name="items")
appraise_app.add_typer(objections_app, name="objections")
app.add_typer(appraise_app, name="appraise")

AppDbOption = Annotated[
    str | None,
    typer.Option("--app-db", help="Application database URL [env: KAOPING_APP_DB; default "
                                  "sqlite:///kaoping-app.db]"),
]
UserOption = Annotated[
    str | None, typer.Option("--user", help="Who acts (recorded in the audit; default: OS user).")
]
PeriodOption = Annotated[
    str | None,
    typer.Option("--period", help="2020, 2020-H1, 2020-Q3, 2020-06 or 2020-01..2020-09."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@contextmanager
def _errors() -> Iterator[None]:
    """Turn the appraisal's user-facing errors into one line and exit code 1."""
    from kaoping.appraisal import AppraisalError, SchemeError
    from kaoping.catalogue import CatalogueError
    from kaoping.engine.periods import PeriodError

    try:
        yield
    except (SchemeError, CatalogueError) as exc:
        for problem in exc.problems:
            err_console.print(str(problem), highlight=False, markup=False)
        raise fail("the scheme did not load") from None
    except KeyError as exc:
        raise fail(str(exc.args[0]) if exc.args else str(exc)) from None
    except (AppraisalError, PeriodError, FileNotFoundError, ValueError) as exc:
        raise fail(str(exc)) from None


def _engine(url: str | None) -> Engine:
    import kaoping.appraisal  # noqa: F401  (declares the appraisal tables first)
    from kaoping.appdb import make_engine

    return make_engine(url)


def _scheme(path: Path | None, level: int | None) -> Scheme:
    from kaoping.appraisal import load_scheme

    scheme = load_scheme(path if path is not None else "organs")
    if level is not None:
        if scheme.subjects.kind != "organ":
            raise fail("--level applies to organ schemes only")
        subjects = scheme.subjects.model_copy(update={"level": level})
        scheme = scheme.model_copy(update={"subjects": subjects})
    return scheme


def _league(run: Run, limit: int | None) -> Table:
    table = Table(title=f"run {run.run_id} · {run.scheme_name_zh} · {run.period} · {run.status}"
                        f" · hash {run.content_hash[:12]}")
    for col in ("group", "rank", "subject", "name", "total", "interval", "grade", "≈"):
        table.add_column(col, justify="right" if col in ("rank", "total") else "left")
    shown = run.results if limit is None else run.results[:limit]
    for r in shown:
        table.add_row(r.group, f"{r.rank}/{r.peers}", r.subject, r.name_zh, f"{r.total:.2f}",
                      f"{r.total_low:.1f}–{r.total_high:.1f}", r.grade,
                      ",".join(r.indistinct_from))
    if limit is not None and len(run.results) > limit:
        table.caption = f"first {limit} of {len(run.results)} (use --all or --json)"
    return table


def _run_json(run: Run) -> dict[str, Any]:
    out = run.summary()
    out["subjects"] = [
        {"subject": r.subject, "name_zh": r.name_zh, "name_en": r.name_en, "group": r.group,
         "total": r.total, "rank": r.rank, "peers": r.peers, "grade": r.grade,
         "total_low": r.total_low, "total_high": r.total_high,
         "indistinct_from": list(r.indistinct_from),
         "dimensions": {d.id: d.score for d in r.dimensions},
         "bonus": r.bonus, "deduction": r.deduction, "correction": r.correction}
        for r in run.results
    ]
    return out


@appraise_app.callback()
def appraise(
    ctx: typer.Context,
    period: PeriodOption = None,
    scheme: Annotated[
        Path | None, typer.Option("--scheme", help="Scheme YAML (default: the organ scheme).")
    ] = None,
    organ: Annotated[
        str | None, typer.Option("--organ", help="Appraise the subjects below this organ.")
    ] = None,
    level: Annotated[
        int | None, typer.Option("--level", min=1, max=4, help="Override the organ level.")
    ] = None,
    publish: Annotated[bool, typer.Option("--publish", help="Publish the run at once.")] = False,
    show_all: Annotated[bool, typer.Option("--all", help="Print every subject.")] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
    app_db: AppDbOption = None,
    user: UserOption = None,
) -> None:
    """Run an appraisal: every subject's total, dimensions, rank and grade (stored as a draft).

    `kaoping appraise --period 2020` runs the default organ scheme; `--scheme FILE` another
    (e.g. `--scheme prosecutors` for the default prosecutor scheme).
    """
    if ctx.invoked_subcommand is not None:
        return
    if period is None:
        raise fail("say which period with --period (e.g. 2020 or 2020-H1)")
    from kaoping.appraisal import publish_run, run_appraisal

    with _errors():
        chosen = _scheme(scheme, level)
        engine = _engine(app_db)
        run = run_appraisal(resolve_db(db), chosen, period, engine, organ=organ, user=user)
        if publish and run.status == "draft":
            run = publish_run(engine, run.run_id, user=user)
    if as_json:
        typer.echo(json.dumps(_run_json(run), ensure_ascii=False, indent=2))
        return
    console.print(_league(run, None if show_all else 30))
    verb = "found an identical run" if run.reused else "stored"
    console.print(f"{verb}: run {run.run_id} ({run.status}), {run.subjects} subjects, "
                  f"content hash {run.content_hash}")
    for w in run.warnings:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
    console.print(f"Next: [bold]kaoping appraise explain {run.run_id} SUBJECT[/], "
                  f"[bold]kaoping appraise publish {run.run_id}[/]")


@appraise_app.command("check")
def check(files: Annotated[list[Path], typer.Argument(help="Scheme YAML files.")]) -> None:
    """Check scheme files: "OK" or every problem with file, line, place and field."""
    from kaoping.appraisal import check_scheme

    bad = 0
    for f in files:
        scheme, problems = check_scheme(f)
        for p in problems:
            typer.echo(str(p), err=True)
        bad += len(problems)
        if scheme is not None:
            typer.echo(f"{f}: scheme `{scheme.id}` OK ({len(scheme.items())} indicators in "
                       f"{len(scheme.dimensions)} dimensions)")
    if bad:
        raise fail(f"{bad} problem{'s' if bad != 1 else ''} found")


@appraise_app.command("show")
def show(
    run_id: Annotated[int, typer.Argument(help="Run id.")],
    as_json: JsonOption = False,
    app_db: AppDbOption = None,
) -> None:
    """Print a run's league table."""
    from kaoping.appraisal import load_run

    with _errors():
        run = load_run(_engine(app_db), run_id)
    if as_json:
        typer.echo(json.dumps(_run_json(run), ensure_ascii=False, indent=2))
        return
    console.print(_league(run, None))


@appraise_app.command("explain")
def explain(
    run_id: Annotated[int, typer.Argument(help="Run id.")],
    subject: Annotated[str, typer.Argument(help="Organ code or prosecutor id.")],
    records: Annotated[
        int, typer.Option("--records", min=0, help="Records listed per value (0: none).")
    ] = 5,
    lang: LangOption = Lang.zh,
    db: DbOption = None,
    app_db: AppDbOption = None,
) -> None:
    """How a subject's score was made: total → dimensions → indicators → values → records."""
    from kaoping.appraisal import explain_score, render_explanation

    with _errors():
        expl = explain_score(_engine(app_db), run_id, subject, records=records,
                             warehouse=db)
    typer.echo(render_explanation(expl, "zh" if lang == "zh" else "en"))


@appraise_app.command("publish")
def publish(
    run_id: Annotated[int, typer.Argument(help="Run id.")],
    app_db: AppDbOption = None,
    user: UserOption = None,
) -> None:
    """Publish a run; it can no longer change, and replaces the previously published one."""
    from kaoping.appraisal import publish_run

    with _errors():
        run = publish_run(_engine(app_db), run_id, user=user)
    console.print(f"run {run.run_id} published by {run.published_by} at "
                  f"{run.published_at:%Y-%m-%d %H:%M} UTC")


@appraise_app.command("list")
def list_(
    period: PeriodOption = None,
    status: Annotated[str | None, typer.Option("--status", help="draft, published, "
                                                                "superseded.")] = None,
    as_json: JsonOption = False,
    app_db: AppDbOption = None,
) -> None:
    """List the runs, newest first."""
    from kaoping.appraisal import list_runs

    with _errors():
        runs = list_runs(_engine(app_db), period=period, status=status)
    if as_json:
        typer.echo(json.dumps([r.summary() for r in runs], ensure_ascii=False, indent=2))
        return
    table = Table("run", "scheme", "period", "organ", "subjects", "status", "hash", "made",
                  title="appraisal runs")
    for r in runs:
        status_text = r.status + (f" → {r.superseded_by}" if r.superseded_by else "")
        table.add_row(str(r.run_id), r.scheme_id, r.period, r.organ, str(r.subjects),
                      status_text, r.content_hash[:12],
                      f"{r.created_at:%Y-%m-%d %H:%M} {r.created_by}")
    console.print(table)


# --- items -----------------------------------------------------------------------------------


@items_app.command("add")
def items_add(
    subject: Annotated[str, typer.Argument(help="Organ code or prosecutor id.")],
    period: Annotated[str, typer.Option("--period", help="The period the item belongs to.")],
    category: Annotated[str, typer.Option("--category", help="Item id of the scheme.")],
    points: Annotated[float, typer.Option("--points", help="Points (> 0).")],
    reason: Annotated[str, typer.Option("--reason", help="Why.")],
    evidence: Annotated[str, typer.Option("--evidence", help="Evidence reference.")],
    prosecutor: Annotated[
        bool, typer.Option("--prosecutor", help="The subject is a prosecutor.")
    ] = False,
    scheme: Annotated[
        Path | None, typer.Option("--scheme", help="Scheme whose items apply (default one).")
    ] = None,
    app_db: AppDbOption = None,
    user: UserOption = None,
) -> None:
    """Add a bonus or deduction item for a subject and period."""
    from kaoping.appraisal import add_item, load_scheme

    kind = "prosecutor" if prosecutor else "organ"
    with _errors():
        chosen = load_scheme(scheme) if scheme is not None else None
        item = add_item(_engine(app_db), subject_type=kind, subject=subject, period=period,
                        category=category, points=points, reason=reason, evidence=evidence,
                        user=user, scheme=chosen)
    console.print(f"item {item.item_id}: {item.category} {item.points:g} points for "
                  f"{item.subject} in {item.period}, by {item.created_by}")


@items_app.command("list")
def items_list(
    subject: Annotated[str | None, typer.Option("--subject", help="Only this subject.")] = None,
    period: PeriodOption = None,
    withdrawn: Annotated[bool, typer.Option("--withdrawn", help="Include withdrawn.")] = False,
    app_db: AppDbOption = None,
) -> None:
    """List the items."""
    from kaoping.appraisal import list_items

    with _errors():
        items = list_items(_engine(app_db), subject=subject, period=period,
                           include_withdrawn=withdrawn)
    table = Table("item", "subject", "period", "category", "points", "reason", "evidence",
                  "by", "state", title="appraisal items")
    for i in items:
        state = f"withdrawn: {i.withdrawn_reason}" if i.withdrawn else "active"
        table.add_row(str(i.item_id), i.subject, i.period, i.category, f"{i.points:g}",
                      i.reason, i.evidence, i.created_by, state)
    console.print(table)


@items_app.command("withdraw")
def items_withdraw(
    item_id: Annotated[int, typer.Argument(help="Item id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why.")],
    app_db: AppDbOption = None,
    user: UserOption = None,
) -> None:
    """Withdraw an item (later runs no longer count it)."""
    from kaoping.appraisal import withdraw_item

    with _errors():
        item = withdraw_item(_engine(app_db), item_id, reason=reason, user=user)
    console.print(f"item {item.item_id} withdrawn")


# --- objections ------------------------------------------------------------------------------


@objections_app.command("lodge")
def objections_lodge(
    run_id: Annotated[int, typer.Argument(help="Run id.")],
    subject: Annotated[str, typer.Argument(help="Organ code or prosecutor id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the result is wrong.")],
    item: Annotated[int | None, typer.Option("--item", help="The contested item.")] = None,
    indicator: Annotated[
        str | None, typer.Option("--indicator", help="The contested indicator.")
    ] = None,
    app_db: AppDbOption = None,
    user: UserOption = None,
) -> None:
    """Lodge an objection to a subject's result in a run."""
    from kaoping.appraisal import lodge_objection

    with _errors():
        o = lodge_objection(_engine(app_db), run_id, subject, reason=reason, user=user,
                            item_id=item, indicator=indicator)
    console.print(f"objection {o.objection_id} lodged by {o.lodged_by} against run {o.run_id}"
                  f" for {o.subject}")


@objections_app.command("review")
def objections_review(
    objection_id: Annotated[int, typer.Argument(help="Objection id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why accepted or rejected.")],
    accept: Annotated[
        bool, typer.Option("--accept/--reject", help="Accept or reject the objection.")
    ],
    correction: Annotated[
        float | None, typer.Option("--correction", help="Points to correct by (accept).")
    ] = None,
    rerun: Annotated[
        bool, typer.Option("--rerun/--no-rerun", help="Make the new run after accepting.")
    ] = True,
    db: DbOption = None,
    app_db: AppDbOption = None,
    user: UserOption = None,
) -> None:
    """Accept or reject an objection; an accepted one leads to a new run."""
    from kaoping.appraisal import review_objection

    with _errors():
        review = review_objection(
            _engine(app_db), objection_id, accept=accept, reason=reason, user=user,
            correction=correction, warehouse=resolve_db(db) if accept and rerun else None,
        )
    o = review.objection
    console.print(f"objection {o.objection_id} {o.status} by {o.reviewed_by}")
    if review.new_run is not None:
        r = review.new_run
        console.print(f"new run {r.run_id} (replaces run {o.run_id}); "
                      f"{o.subject}: total {r.result(o.subject).total:.2f}. "
                      f"Publish it with [bold]kaoping appraise publish {r.run_id}[/]")


@objections_app.command("list")
def objections_list(
    run_id: Annotated[int | None, typer.Option("--run", help="Only this run.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="pending, accepted, "
                                                                "rejected.")] = None,
    app_db: AppDbOption = None,
) -> None:
    """List objections."""
    from kaoping.appraisal import list_objections

    with _errors():
        rows = list_objections(_engine(app_db), run_id=run_id, status=status)
    table = Table("objection", "run", "subject", "contests", "reason", "lodged by", "status",
                  "review", "new run", title="objections")
    for o in rows:
        contests = (f"item {o.item_id}" if o.item_id else o.indicator) or "result"
        table.add_row(str(o.objection_id), str(o.run_id), o.subject, contests, o.reason,
                      o.lodged_by, o.status,
                      f"{o.reviewed_by}: {o.review_reason}" if o.reviewed_by else "",
                      str(o.resulting_run_id or ""))
    console.print(table)


@appraise_app.command("audit")
def audit(
    subject: Annotated[str | None, typer.Option("--subject", help="Only this subject.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="The last N entries.")] = None,
    as_json: JsonOption = False,
    app_db: AppDbOption = None,
) -> None:
    """The audit trail: who did what when."""
    from kaoping.appraisal import audit_log

    with _errors():
        entries = audit_log(_engine(app_db), subject=subject, limit=limit)
    if as_json:
        typer.echo(json.dumps(
            [{"id": e.entry_id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
              "object_type": e.object_type, "object_id": e.object_id, "subject": e.subject,
              "details": e.details} for e in entries],
            ensure_ascii=False, indent=2))
        return
    table = Table("at (UTC)", "who", "action", "object", "subject", "details", title="audit")
    for e in entries:
        details = ", ".join(f"{k}={v}" for k, v in e.details.items() if v is not None)
        table.add_row(f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, e.action,
                      f"{e.object_type} {e.object_id}", e.subject or "", details)
    console.print(table)


# --- the briefing ----------------------------------------------------------------------------


@app.command()
def brief(
    period: Annotated[str, typer.Option("--period", help="2020, 2020-H1, 2020-Q3 ...")],
    organ: Annotated[
        str | None, typer.Option("--organ", help="Organ code (default: the national organ).")
    ] = None,
    lang: LangOption = Lang.zh,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file.")] = None,
    db: DbOption = None,
    app_db: AppDbOption = None,
    no_annex: Annotated[bool, typer.Option(
        "--no-annex", help="Leave out the annex of possible gaming (its tests take seconds).",
    )] = False,
) -> None:
    """Write the briefing (通报) of an organ for a period, as Markdown generated from the data."""
    from kaoping.narrative.briefing import write_briefing

    with _errors():
        path = resolve_db(db)
        text = write_briefing(path, period, organ=organ,
                              lang="zh" if lang == "zh" else "en", app_engine=_engine(app_db),
                              annex=None if no_annex else _annex(path, period, organ))
    if out is not None:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}")
    else:
        typer.echo(text)


# --- what-if: compare two schemes -------------------------------------------------------------


def _comparison_tables(cmp: Any, limit: int) -> list[Table]:
    tau = "—" if cmp.tau is None else f"{cmp.tau:.3f}"
    head = Table(title=f"{cmp.scheme_a} → {cmp.scheme_b} · {cmp.period} · below {cmp.organ}")
    for col in ("subjects", "rank changes", "mean |rank change|", "grade changes",
                "Kendall tau (within groups)"):
        head.add_column(col, justify="right")
    head.add_row(str(len(cmp.subjects)), str(cmp.rank_changes),
                 f"{cmp.mean_abs_rank_change:.2f}", str(cmp.grade_changes), tau)
    moves = Table(title="grade moves")
    for col in ("from", "to", "subjects"):
        moves.add_column(col, justify="right" if col == "subjects" else "left")
    for a, b, n in cmp.grade_moves:
        moves.add_row(a, b, str(n))
    drivers = Table(title="what drives the differences (points per subject)")
    for col in ("indicator", "name", "max A", "max B", "mean |Δ|", "mean Δ"):
        drivers.add_column(col, justify="left" if col in ("indicator", "name") else "right")
    for d in cmp.drivers[:limit]:
        if d.mean_abs_change == 0 and d.max_points_a == d.max_points_b:
            continue
        drivers.add_row(d.indicator, d.name_zh, f"{d.max_points_a:.2f}",
                        f"{d.max_points_b:.2f}", f"{d.mean_abs_change:.3f}",
                        f"{d.mean_change:+.3f}")
    subjects = Table(title=f"largest rank changes (first {limit})")
    for col in ("group", "subject", "name", "total A", "total B", "rank A", "rank B",
                "grade A", "grade B"):
        subjects.add_column(col, justify="right" if col.startswith(("total", "rank"))
                            else "left")
    for m in cmp.subjects[:limit]:
        subjects.add_row(m.group, m.subject, m.name_zh, f"{m.total_a:.2f}", f"{m.total_b:.2f}",
                         str(m.rank_a), str(m.rank_b), m.grade_a, m.grade_b)
    sens = Table(title=f"sensitivity of {cmp.scheme_a}: each weight ±20%")
    for col in ("dimension", "indicator", "weight", "mean |rank Δ| −20%", "+20%", "tau −20%",
                "tau +20%"):
        sens.add_column(col, justify="left" if col in ("dimension", "indicator") else "right")
    for s in sorted(cmp.sensitivity_a, key=lambda s: -max(s.mean_abs_rank_change_down,
                                                          s.mean_abs_rank_change_up)):
        sens.add_row(s.dimension, s.indicator, f"{s.weight:g}",
                     f"{s.mean_abs_rank_change_down:.3f}", f"{s.mean_abs_rank_change_up:.3f}",
                     "—" if s.tau_down is None else f"{s.tau_down:.4f}",
                     "—" if s.tau_up is None else f"{s.tau_up:.4f}")
    return [head, moves, drivers, subjects, sens]


@appraise_app.command("compare")
def compare(
    scheme_a: Annotated[str, typer.Argument(help="Scheme A: a YAML file or a default name.")],
    scheme_b: Annotated[
        str | None,
        typer.Argument(help="Scheme B (default: A with the --set changes)."),
    ] = None,
    period: PeriodOption = None,
    organ: Annotated[
        str | None, typer.Option("--organ", help="Compare over the subjects below this organ.")
    ] = None,
    sets: Annotated[
        list[str] | None,
        typer.Option("--set", help="Change B: weight.ITEM=0.3, weight.DIMENSION=25, "
                                   "threshold.GRADE=80, quota.GRADE=0.1, min_low.GRADE=..., "
                                   "max_high.GRADE=... (repeatable)."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Rows per table.")] = 15,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """What-if: score two schemes on the same data and show rank and grade moves, Kendall's
    tau, the indicators that drive the differences and each weight's sensitivity (±20%).

    Nothing is stored. `kaoping appraise compare organs --set weight.non_arrest_rate=3
    --period 2020` tries one change to the default organ scheme.
    """
    if period is None:
        raise fail("say which period with --period (e.g. 2020 or 2020-H1)")
    if scheme_b is None and not sets:
        raise fail("give scheme B, or changes to A with --set KIND.NAME=VALUE")
    from kaoping.appraisal import load_scheme
    from kaoping.appraisal.compare import apply_overrides, compare_schemes

    with _errors():
        a = load_scheme(scheme_a)
        b = load_scheme(scheme_b) if scheme_b is not None else a
        if sets:
            b = apply_overrides(b, sets)
        quiet = as_json or not err_console.is_terminal
        with err_console.status("comparing …", spinner="dots") as status:
            def step(what: str) -> None:
                if not quiet:
                    status.update(f"comparing: {what} …")

            cmp = compare_schemes(resolve_db(db), a, b, period, organ=organ, progress=step)
    if as_json:
        typer.echo(json.dumps(cmp.to_dict(), ensure_ascii=False, indent=2))
        return
    for table in _comparison_tables(cmp, limit):
        console.print(table)


def _annex(path: Path, period: str, organ: str | None) -> list[Any]:
    """The detections of possible gaming of ``organ`` (default: the national organ) and
    those below it, for the briefing's annex."""
    from kaoping.api import Warehouse
    from kaoping.detect.annex import annex

    with Warehouse(path) as wh:
        code = wh.subject(organ=organ).code
        return list(annex(wh.backend.con, code, period))
