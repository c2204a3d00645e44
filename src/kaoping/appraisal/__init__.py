"""Appraisal: score organs and prosecutors with a scheme, store reproducible runs, handle
manual items and objections with an audit trail (docs/appraisal.md).

The library API (what the CLI and the web layer call)::

    from kaoping.appdb import make_engine
    from kaoping import appraisal as ap

    app = make_engine()                                   # KAOPING_APP_DB, SQLite default
    scheme = ap.load_scheme("organs")                     # or a path; "prosecutors"
    run = ap.run_appraisal("kaoping.duckdb", scheme, "2020", app, organ=None, user="li")
    run.run_id, run.content_hash, run.results[0].total, run.result("110101").grade
    ap.publish_run(app, run.run_id, user="li")

Schemes
    ``load_scheme(source: Path | str, catalogue: Catalogue | None = None) -> Scheme``
        a file, or a default's name ("organs", "prosecutors"); raises :class:`SchemeError`
        listing every problem with file, line, place, field and a did-you-mean.
    ``default_scheme(kind: str = "organ", catalogue=None) -> Scheme``
    ``check_scheme(path, catalogue=None) -> (Scheme | None, list[SchemeProblem])``

Runs
    ``compute_run(warehouse, scheme, period, *, organ=None, items=(), catalogue=None)
    -> ComputedRun``  scores without storing (content hash, results, results_json).
    ``run_appraisal(warehouse, scheme, period, app_engine, *, organ=None, user=None,
    catalogue=None, supersedes=None, reason=None) -> Run``  computes and stores a draft,
    or returns the existing run with the same content hash (``reused=True``).
    ``load_run(app_engine, run_id) -> Run``  with every :class:`SubjectResult`.
    ``load_group(app_engine, run_id, subject) -> Run | None``  with the results of the
    subject's comparison group only (a scorecard's).
    ``list_runs(app_engine, *, period=None, scheme_id=None, status=None, organ=None)
    -> list[Run]``  newest first, without results.
    ``publish_run(app_engine, run_id, *, user=None) -> Run``  supersedes the published run
    of the same scheme, period and organ.
    ``find_run(app_engine, period, *, subject_type, organ, level=None) -> Run | None``
    the run to quote: published first, else the newest draft.
    ``latest_grades(app_engine, subjects, period) -> dict[subject, (grade, run_id)]``
    ``explain_score(app_engine, run_id, subject, *, records=0, warehouse=None,
    catalogue=None) -> ScoreExplanation``; ``render_explanation(expl, lang) -> str``

Manual items, objections, audit
    ``add_item(app_engine, *, subject_type, subject, period, category, points, reason,
    evidence, user=None, scheme=None) -> ItemRecord``
    ``withdraw_item(app_engine, item_id, *, reason, user=None) -> ItemRecord``
    ``list_items(app_engine, *, subject=None, period=None, include_withdrawn=False)``
    ``lodge_objection(app_engine, run_id, subject, *, reason, user=None, item_id=None,
    indicator=None) -> ObjectionRecord``
    ``review_objection(app_engine, objection_id, *, accept, reason, user=None,
    correction=None, warehouse=None, catalogue=None) -> Review``  (``Review.new_run`` is
    the run made after an acceptance when ``warehouse`` is given)
    ``list_objections(app_engine, *, run_id=None, status=None, subject=None)``
    ``audit_log(app_engine, *, subject=None, object_type=None, object_id=None,
    actor_name=None, limit=None) -> list[AuditRecord]``

What-if: :mod:`kaoping.appraisal.compare` (``compare_schemes(warehouse, a, b, period,
*, organ=None) -> Comparison``: rank and grade moves, Kendall's tau, drivers, the ±20%
sensitivity of each weight; ``apply_overrides(scheme, ["weight.ITEM=3"]) -> Scheme``).

Scoring building blocks (pure): :mod:`kaoping.appraisal.scoring` (the four methods),
:mod:`kaoping.appraisal.shrinkage` (empirical-Bayes estimates of rates from few cases),
:mod:`kaoping.appraisal.grading` (ties-aware ranks, quotas), :mod:`kaoping.appraisal.weighting`
(case weights), :mod:`kaoping.appraisal.fairness` (expected values from the case mix,
indistinguishable neighbours).

Importing this package declares its tables on :class:`kaoping.appdb.Base`, so
``make_engine()`` afterwards creates them. Nothing here imports Typer or FastAPI.
"""

from kaoping.appraisal.compute import ComputedRun, compute_run
from kaoping.appraisal.errors import AppraisalError, SchemeError, SchemeProblem
from kaoping.appraisal.explain import ScoreExplanation, explain_score, render_explanation
from kaoping.appraisal.load import DEFAULT_SCHEMES, check_scheme, default_scheme, load_scheme
from kaoping.appraisal.records import FrozenRunError
from kaoping.appraisal.results import DimensionScore, IndicatorScore, SubjectResult
from kaoping.appraisal.runs import (
    Run,
    find_run,
    latest_grades,
    list_runs,
    load_group,
    load_run,
    publish_run,
    run_appraisal,
)
from kaoping.appraisal.scheme import Scheme
from kaoping.appraisal.workflow import (
    AuditRecord,
    ItemRecord,
    ObjectionRecord,
    Review,
    add_item,
    audit_log,
    list_items,
    list_objections,
    lodge_objection,
    review_objection,
    withdraw_item,
)

__all__ = [
    "DEFAULT_SCHEMES",
    "AppraisalError",
    "AuditRecord",
    "ComputedRun",
    "DimensionScore",
    "FrozenRunError",
    "IndicatorScore",
    "ItemRecord",
    "ObjectionRecord",
    "Review",
    "Run",
    "Scheme",
    "SchemeError",
    "SchemeProblem",
    "ScoreExplanation",
    "SubjectResult",
    "add_item",
    "audit_log",
    "check_scheme",
    "compute_run",
    "default_scheme",
    "explain_score",
    "find_run",
    "latest_grades",
    "list_items",
    "list_objections",
    "list_runs",
    "load_group",
    "load_run",
    "load_scheme",
    "lodge_objection",
    "publish_run",
    "render_explanation",
    "review_objection",
    "run_appraisal",
    "withdraw_item",
]
