"""The web layer's one door to the appraisal (runs, scores, manual items, objections).

Calls :mod:`kaoping.appraisal`'s library API and turns its errors into 4xx
(:mod:`kaoping.web.errors`). Which runs, results and objections a user may see is decided
in :mod:`kaoping.web.scope`; this module only fetches and converts. Without the appraisal
package (an older kaoping) every reader answers "nothing yet".
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from kaoping.web.errors import BadRequest, Conflict, Forbidden, NotFound

if TYPE_CHECKING:
    from kaoping.appraisal import ObjectionRecord, Run

__all__ = [
    "available",
    "find_result",
    "grade_distribution",
    "item_dict",
    "load",
    "objection_dict",
    "result_dict",
    "run_dict",
]



def available() -> bool:
    """Whether the appraisal package is installed in this version of kaoping."""
    return importlib.util.find_spec("kaoping.appraisal") is not None


@contextmanager
def _errors() -> Iterator[None]:
    """The appraisal's errors, as the 4xx a client should see."""
    from kaoping.appraisal import AppraisalError

    try:
        yield
    except KeyError as exc:
        raise NotFound(str(exc.args[0]) if exc.args else str(exc)) from None
    except AppraisalError as exc:
        message = str(exc)
        if message.startswith(("no run", "no objection", "no item")) or (
                "does not score" in message or "did not count" in message):
            raise NotFound(message) from None  # a reference to something not there
        if " already " in message or "superseded" in message:
            raise Conflict(message) from None  # the state moved on: reload
        if "someone other than" in message:
            raise Forbidden(message) from None
        raise BadRequest(message) from None
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


def _iso(x: datetime | None) -> str | None:
    return None if x is None else x.isoformat()


# --- runs ------------------------------------------------------------------------------


def runs(engine: Engine, *, period: str | None = None) -> list[Run]:
    """Every run (without results), newest first."""
    if not available():
        return []
    from kaoping.appraisal import list_runs

    with _errors():
        return list_runs(engine, period=period)


#: (engine, run id, results hash) -> results; a run's results never change once stored,
#: and reading a national run's thousands of results takes seconds
_RESULTS: OrderedDict[tuple[int, int, str], tuple[Any, ...]] = OrderedDict()
_RESULTS_KEPT = 16


def summary(engine: Engine, run_id: int) -> Run:
    """A run without its results (status fresh from the database); 404 if there is none."""
    found = [r for r in runs(engine) if r.run_id == run_id]
    if not found:
        raise NotFound(f"no run {run_id} (GET /api/appraisal/runs lists them)")
    return found[0]


def load(engine: Engine, run_id: int) -> Run:
    """A run with all its results; 404 if there is none."""
    if not available():
        raise NotFound("the appraisal is not available in this version of kaoping")
    from kaoping.appraisal import load_run

    head = summary(engine, run_id)
    key = (id(engine), run_id, head.results_hash)
    if key in _RESULTS:
        _RESULTS.move_to_end(key)
        return replace(head, results=_RESULTS[key])
    with _errors():
        run = load_run(engine, run_id)
    _RESULTS[key] = run.results
    while len(_RESULTS) > _RESULTS_KEPT:
        _RESULTS.popitem(last=False)
    return run


def find_result(
    engine: Engine, period: str, *, subject_type: str, organ: str, subject: str
) -> tuple[Run, Any] | None:
    """The run to quote for ``subject`` (published first, else newest draft), with the
    results of his comparison group only, and his result."""
    if not available():
        return None
    from kaoping.appraisal import find_run, load_group

    with _errors():
        run = find_run(engine, period, subject_type=subject_type, organ=organ,
                       with_results=False)
        grouped = None if run is None else load_group(engine, run.run_id, subject)
    if grouped is None:
        return None
    return grouped, grouped.result(subject)


def organ_grades(engine: Engine, organs: list[str], period: str) -> dict[str, str]:
    """Organ code -> grade from the latest run of ``period`` that graded it."""
    if not available() or not organs:
        return {}
    from kaoping.appraisal import latest_grades

    with _errors():
        return {s: g for s, (g, _) in latest_grades(engine, organs, period).items()}


#: how a run's warning names its subject (kaoping.appraisal.compute._warnings)
_WARNING_SUBJECT = re.compile(r"^item \d+ of (\S+) ")


def run_dict(run: Run, visible: Callable[[str], bool] | None = None) -> dict[str, Any]:
    """A run without results; with ``visible``, only the warnings about subjects the
    viewer may see (a warning names the subject whose item was not counted)."""
    warnings = [w for w in run.warnings if visible is None
                or (m := _WARNING_SUBJECT.match(w)) is None or visible(m.group(1))]
    return {
        "run_id": run.run_id, "scheme_id": run.scheme_id, "scheme_name_zh": run.scheme_name_zh,
        "scheme_name_en": run.scheme_name_en, "subject_type": run.subject_type,
        "period": run.period, "organ": run.organ, "status": run.status,
        "subjects": run.subjects, "content_hash": run.content_hash,
        "created_at": _iso(run.created_at), "created_by": run.created_by,
        "published_at": _iso(run.published_at), "superseded_by": run.superseded_by,
        "supersedes": run.supersedes, "warnings": warnings,
    }


def result_dict(result: Any, visible: Callable[[str], bool] | None = None) -> dict[str, Any]:
    """A subject's result with its whole decomposition (dimensions, indicators, items).

    With ``visible`` (:meth:`kaoping.web.scope.Scope.peer_filter`) the derived parts pass
    through the viewer's scope: ``indistinct_from`` keeps the subjects he may see and
    ``indistinct_count`` says how many there are in all; formulas do not quote peers'
    figures."""
    from kaoping.appraisal.explain import scoped_result

    shown = result if visible is None else scoped_result(result, visible)
    out: dict[str, Any] = shown.to_dict()
    out["indistinct_count"] = len(result.indistinct_from)
    return out


def result_row(result: Any) -> dict[str, Any]:
    """A result without its decomposition: one line of a league table."""
    return {
        "subject": result.subject, "subject_type": result.subject_type,
        "name_zh": result.name_zh, "name_en": result.name_en,
        "organ_code": result.organ_code, "group": result.group, "total": result.total,
        "total_low": result.total_low, "total_high": result.total_high,
        "base": result.base, "bonus": result.bonus, "deduction": result.deduction,
        "correction": result.correction, "rank": result.rank, "peers": result.peers,
        "grade": result.grade,
    }


def grade_labels(run: Run | None = None) -> dict[str, tuple[str, str]]:
    """Grade id -> (zh, en), best first: the run's scheme, else the shipped schemes."""
    if run is not None:
        return {g.id: (g.name_zh, g.name_en) for g in run.scheme.grades}
    return dict(_default_grades())


@lru_cache(maxsize=1)
def _default_grades() -> tuple[tuple[str, tuple[str, str]], ...]:
    if not available():
        return ()
    from kaoping.appraisal import default_scheme

    out: dict[str, tuple[str, str]] = {}
    for kind in ("organ", "prosecutor"):
        for g in default_scheme(kind).grades:
            out.setdefault(g.id, (g.name_zh, g.name_en))
    return tuple(out.items())


def grade_distribution(run: Run, results: list[Any]) -> list[dict[str, Any]]:
    """Per grade of the run's scheme, best first: how many of ``results`` got it."""
    counts = Counter(r.grade for r in results)
    labels = grade_labels(run)
    order = list(labels) + sorted(set(counts) - set(labels))
    return [
        {"grade": g, "name_zh": labels.get(g, (g, g))[0], "name_en": labels.get(g, (g, g))[1],
         "count": counts.get(g, 0)}
        for g in order
    ]


def explanation_text(
    engine: Engine, run_id: int, subject: str, lang: str,
    visible: Callable[[str], bool] | None = None, *, run: Run | None = None,
) -> str:
    """How every point was earned, as the appraisal's own explanation prints it (with
    ``visible``: naming only the subjects the viewer may see); ``run``, the run read
    already (perhaps only the subject's group), is not read again."""
    from kaoping.appraisal import explain_score, render_explanation

    with _errors():
        expl = explain_score(engine, run_id, subject, run=run)
        return render_explanation(expl, "en" if lang == "en" else "zh", visible=visible)


# --- objections and items --------------------------------------------------------------


def objection_dict(o: ObjectionRecord) -> dict[str, Any]:
    return {
        "objection_id": o.objection_id, "run_id": o.run_id, "subject": o.subject,
        "item_id": o.item_id, "indicator": o.indicator, "reason": o.reason,
        "lodged_at": _iso(o.lodged_at), "lodged_by": o.lodged_by, "status": o.status,
        "reviewed_at": _iso(o.reviewed_at), "reviewed_by": o.reviewed_by,
        "review_reason": o.review_reason, "correction": o.correction,
        "resulting_run_id": o.resulting_run_id,
    }


def objections(
    engine: Engine, *, run_id: int | None = None, status: str | None = None,
    subject: str | None = None,
) -> list[ObjectionRecord]:
    if not available():
        return []
    from kaoping.appraisal import list_objections

    with _errors():
        return list_objections(engine, run_id=run_id, status=status, subject=subject)


def objection(engine: Engine, objection_id: int) -> ObjectionRecord:
    found = [o for o in objections(engine) if o.objection_id == objection_id]
    if not found:
        raise NotFound(f"no objection {objection_id}")
    return found[0]


def lodge(
    engine: Engine, run_id: int, subject: str, *, reason: str, user: str,
    indicator: str | None = None, item_id: int | None = None,
) -> ObjectionRecord:
    from kaoping.appraisal import lodge_objection

    with _errors():
        return lodge_objection(engine, run_id, subject, reason=reason, user=user,
                               indicator=indicator, item_id=item_id)


def review(
    engine: Engine, objection_id: int, *, accept: bool, reason: str, user: str,
    correction: float | None, warehouse: str,
) -> dict[str, Any]:
    from kaoping.appraisal import review_objection

    with _errors():
        r = review_objection(engine, objection_id, accept=accept, reason=reason, user=user,
                             correction=correction, warehouse=warehouse)
    out = objection_dict(r.objection)
    out["new_run_id"] = None if r.new_run is None else r.new_run.run_id
    return out


def item_dict(i: Any) -> dict[str, Any]:
    return {
        "item_id": i.item_id, "subject_type": i.subject_type, "subject": i.subject,
        "period": i.period, "category": i.category, "points": i.points, "reason": i.reason,
        "evidence": i.evidence, "created_at": _iso(i.created_at), "created_by": i.created_by,
        "withdrawn": i.withdrawn, "withdrawn_reason": i.withdrawn_reason,
        "objection_id": i.objection_id,
    }


def items(engine: Engine, *, subject: str | None = None, period: str | None = None) -> list[Any]:
    if not available():
        return []
    from kaoping.appraisal import list_items

    with _errors():
        return list(list_items(engine, subject=subject, period=period, include_withdrawn=True))


def add_item(engine: Engine, **fields: Any) -> Any:
    from kaoping.appraisal import add_item as add

    with _errors():
        return add(engine, **fields)


# --- making and publishing runs (the browser's appraisal workflow, issue 13) -----------


def withdraw_item(engine: Engine, item_id: int, *, reason: str, user: str) -> Any:
    from kaoping.appraisal import withdraw_item as withdraw

    with _errors():
        return withdraw(engine, item_id, reason=reason, user=user)


def scheme_choices() -> list[tuple[str, str, str]]:
    """(name, zh, en) of the shipped schemes a run may be started with: read once per
    state of their files (the appraisal page lists them on every request; reading and
    checking both took a tenth of its time)."""
    if not available():
        return []
    from kaoping.appraisal.load import DEFAULT_SCHEMES
    from kaoping.catalogue.load import ENV_DIR
    from kaoping.model.selection import active

    # what they are checked against is part of the key: the data model and catalogue
    stamps: list[tuple[str, int, int]] = [
        (str(active().source), 0, 0), (os.environ.get(ENV_DIR, ""), 0, 0)
    ]
    for path in DEFAULT_SCHEMES.values():
        try:
            st = path.stat()
        except OSError:
            stamps.append((str(path), 0, 0))
        else:
            stamps.append((str(path), st.st_mtime_ns, st.st_size))
    return list(_scheme_choices(tuple(stamps)))


@lru_cache(maxsize=4)
def _scheme_choices(stamps: tuple[tuple[str, int, int], ...]) -> tuple[tuple[str, str, str], ...]:
    from kaoping.appraisal import SchemeError, load_scheme

    out = []
    for name in ("organs", "prosecutors"):
        try:
            s = load_scheme(name)
        except SchemeError:
            # the shipped schemes score the procuratorate's indicators: with another
            # office's catalogue they do not apply (a run needs a scheme of its own)
            continue
        out.append((name, s.name_zh, s.name_en))
    return tuple(out)


def start_run(warehouse: str, scheme: Any, period: str, engine: Engine, *, organ: str,
              user: str) -> Run:
    """Compute and store a draft run (or the existing run of the same inputs): ``scheme``
    a shipped scheme's name or a run's own :class:`~kaoping.appraisal.Scheme` (a re-run
    after items were entered)."""
    from kaoping.appraisal import load_scheme, run_appraisal

    with _errors():
        chosen = load_scheme(scheme) if isinstance(scheme, str) else scheme
        return run_appraisal(warehouse, chosen, period, engine, organ=organ, user=user)


def publish(engine: Engine, run_id: int, *, user: str) -> Run:
    from kaoping.appraisal import publish_run

    with _errors():
        return publish_run(engine, run_id, user=user)
