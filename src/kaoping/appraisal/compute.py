"""Compute an appraisal run from the warehouse, without storing it: inputs, hash, results.

The **content hash** covers everything a result depends on, each as its own digest
(kept with the run, so one can see *which* input changed):

- ``data``: every record of every canonical table (:func:`inputs.data_digest`);
- ``values``: the stored indicator values the run read;
- ``catalogue``: the definitions of the indicators the scheme scores;
- ``scheme``: the validated scheme, as canonical JSON;
- ``items``: the bonus, deduction and correction items counted;
- ``scope``: period, organ, and :data:`ALGORITHM_VERSION` (bumped when a formula changes).

Equal hashes mean equal inputs, and :mod:`kaoping.appraisal.score` is deterministic, so
equal hashes give byte-identical ``results_json``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kaoping.appraisal import inputs as wh
from kaoping.appraisal.errors import AppraisalError, ScopeTooLarge
from kaoping.appraisal.fairness import expected_values
from kaoping.appraisal.results import SubjectResult, canonical_json
from kaoping.appraisal.scheme import WEIGHTED_CASES, Scheme
from kaoping.appraisal.score import (
    ItemInput,
    ScoringInputs,
    SubjectInfo,
    rescore,
    score_subjects,
)
from kaoping.appraisal.weighting import Workload, workloads
from kaoping.catalogue.models import Catalogue, Indicator
from kaoping.engine.periods import Period, parse_period

__all__ = ["ALGORITHM_VERSION", "ComputedRun", "Previous", "Scope", "compute_run",
           "resolve_scope"]

#: part of every content hash: change it when a scoring formula changes meaning
ALGORITHM_VERSION = 3


@dataclass(frozen=True)
class Scope:
    """Who a run appraises: the subjects below ``organ`` that the scheme selects."""

    organ: str
    period: Period
    subjects: tuple[SubjectInfo, ...]
    #: organ subject -> the organs whose records it covers (fairness checks)
    coverage: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class ComputedRun:
    scheme: Scheme
    period: str
    organ: str
    subject_type: str
    content_hash: str
    inputs: dict[str, str]
    results: tuple[SubjectResult, ...]
    results_json: str
    results_hash: str
    warnings: tuple[str, ...] = ()
    #: each result's canonical JSON, made once for the hash and the store
    #: (``results_json`` is their JSON array)
    result_texts: tuple[str, ...] = ()
    #: True when the indicators' part was taken from the run it remakes (:class:`Previous`)
    rescored: bool = False


@dataclass(frozen=True)
class Previous:
    """A stored run that a new one remakes, e.g. after an accepted objection.

    When everything but the items is what it was (the same records, stored values,
    definitions, scheme and scope), the new run starts from the indicators' part of these
    results instead of scoring every indicator of every subject again, and keeps the
    stored text of every result that comes out the same.
    """

    inputs: Mapping[str, str]
    results: tuple[SubjectResult, ...]
    #: subject -> the stored canonical JSON of its result
    texts: Mapping[str, str]


def _sha(data: Any) -> str:
    text = data if isinstance(data, str) else canonical_json(data)
    return hashlib.sha256(text.encode()).hexdigest()


# --- scope ---------------------------------------------------------------------------------


def _children(organs: Mapping[str, wh.Organ]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for o in organs.values():
        if o.parent_code is not None:
            children.setdefault(o.parent_code, []).append(o.code)
    return children


def _descendants(children: Mapping[str, list[str]], root: str) -> list[str]:
    """``root`` and every organ below it, depth first in code order."""
    out, stack = [], [root]
    while stack:
        code = stack.pop()
        out.append(code)
        stack.extend(sorted(children.get(code, []), reverse=True))
    return out


def _root(organs: Mapping[str, wh.Organ], organ: str | None) -> str:
    if organ is None:
        roots = [o.code for o in organs.values() if o.parent_code is None]
        if len(roots) != 1:
            raise AppraisalError("the warehouse has no single top organ; name one with --organ")
        return roots[0]
    if organ not in organs:
        import difflib

        close = difflib.get_close_matches(organ, list(organs), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise AppraisalError(f"no organ {organ!r} in the warehouse{hint}")
    return organ


def _group(scheme: Scheme, parent: str | None, organ: str, department: str | None) -> str:
    compare = scheme.subjects.compare
    if compare == "parent":
        return parent or "-"
    if compare == "organ":
        return organ
    if compare == "department":
        return f"{organ}/{department}"
    return "all"


def resolve_scope(con: Any, scheme: Scheme, period: Period, organ: str | None) -> Scope:
    """The subjects of a run of ``scheme`` over the organs below ``organ`` (default: all)."""
    organs = wh.read_organs(con)
    root = _root(organs, organ)
    children = _children(organs)
    below = _descendants(children, root)
    s = scheme.subjects
    if s.kind == "organ":
        chosen = [organs[c] for c in below if organs[c].level == s.level]
        subjects = tuple(
            SubjectInfo(o.code, "organ", o.name_zh, o.name_en, o.code, o.level,
                        _group(scheme, o.parent_code, o.code, None))
            for o in sorted(chosen, key=lambda o: o.code)
        )
        coverage = {o.code: tuple(_descendants(children, o.code)) for o in chosen}
        return Scope(root, period, subjects, coverage)
    inside = set(below)
    pros = [p for p in wh.read_prosecutors(con).values()
            if p.organ_code in inside and (s.department is None or p.department == s.department)]
    subjects = tuple(
        SubjectInfo(p.code, "prosecutor", p.display_name, p.display_name, p.organ_code,
                    organs[p.organ_code].level,
                    _group(scheme, p.organ_code, p.organ_code, p.department))
        for p in sorted(pros, key=lambda p: p.code)
    )
    return Scope(root, period, subjects)


# --- the run -------------------------------------------------------------------------------


def _definitions(scheme: Scheme, catalogue: Catalogue) -> dict[str, Indicator]:
    return {i: catalogue.get(i) for i in scheme.indicator_ids()}


def _items_digest(items: Iterable[ItemInput]) -> str:
    rows = sorted([i.item_id, i.subject, i.category, i.points, i.reason] for i in items)
    return _sha(rows)


def compute_run(
    warehouse: Path | str,
    scheme: Scheme,
    period: str | Period,
    *,
    organ: str | None = None,
    items: Sequence[ItemInput] = (),
    catalogue: Catalogue | None = None,
    previous: Previous | None = None,
    max_subjects: int | None = None,
) -> ComputedRun:
    """Score ``scheme`` for ``period`` on the warehouse; nothing is stored.

    ``items`` are the manual items to count (the caller reads them from the application
    database; items of subjects outside the run are ignored). ``previous`` is the run
    this one remakes: reused where only the items differ (see :class:`Previous`).
    ``max_subjects``: raise :class:`ScopeTooLarge`, before anything is scored, when the
    scope holds more subjects (a preview's bound; a national prosecutor run is a minute).
    """
    from kaoping.warehouse import connect_reader, ibis_connection

    p = parse_period(period)
    if catalogue is None:
        from kaoping.catalogue import load_catalogue

        catalogue = load_catalogue()
    definitions = _definitions(scheme, catalogue)
    con = connect_reader(warehouse)
    try:
        wh.check_fresh(con)
        scope = resolve_scope(con, scheme, p, organ)
        codes = [s.code for s in scope.subjects]
        if max_subjects is not None and len(codes) > max_subjects:
            raise ScopeTooLarge(len(codes), max_subjects)
        ident = wh.warehouse_identity(warehouse)
        values, values_digest = wh.kept(
            None if ident is None else
            ("values", ident, scheme.subjects.kind, p.label, tuple(definitions), tuple(codes)),
            lambda: _values(con, scheme.subjects.kind, p, list(definitions), codes),
        )
        backend = ibis_connection(con)
        loads: dict[str, Workload] = {}
        if scheme.case_weighting is not None and any(
            i.indicator == WEIGHTED_CASES for _, i in scheme.items()
        ):
            cw = scheme.case_weighting
            named = codes if scheme.subjects.kind == "prosecutor" else None
            loads = wh.kept(
                None if ident is None else
                ("workloads", ident, p.label, cw.model_dump_json(),
                 None if named is None else tuple(named)),
                lambda: workloads(backend, cw, p, named),
            )
        subjects = scope.subjects
        if scheme.subjects.kind == "prosecutor":
            # a prosecutor with no record in the period has nothing to be appraised on
            active = {s for s, _ in values} | set(loads)
            subjects = tuple(s for s in subjects if s.code in active)
        if not subjects:
            raise AppraisalError(
                f"no {scheme.subjects.kind}s to appraise below organ {scope.organ} in {p.label}"
            )
        chosen = {s.code for s in subjects}
        counted = tuple(i for i in items if i.subject in chosen)
        inputs = {
            "data": wh.kept(None if ident is None else ("data", ident),
                            lambda: wh.data_digest(con)),
            "values": values_digest,
            "catalogue": _sha(sorted(d.model_dump_json() for d in definitions.values())),
            "scheme": _sha(scheme.model_dump(mode="json")),
            "items": _items_digest(counted),
            "scope": _sha([p.label, scope.organ, scheme.subjects.kind, ALGORITHM_VERSION]),
        }
        reuse = previous if previous is not None and _only_items_differ(
            previous, inputs, chosen) else None
        expected = {}
        if reuse is None and scheme.fairness and scheme.subjects.kind == "organ":
            coverage = {s.code: scope.coverage[s.code] for s in subjects}
            expected = expected_values(
                backend, list(definitions.values()), p, coverage,
                keep=None if ident is None else lambda chosen, make: wh.kept(
                    ("strata", ident, p.label,
                     _sha(sorted(d.model_dump_json() for d in chosen))), make),
            )
    finally:
        con.close()
    if reuse is not None:
        results = tuple(rescore(scheme, reuse.results, counted))
        texts = _texts(results, reuse)
    else:
        results = tuple(score_subjects(ScoringInputs(
            scheme=scheme, definitions=definitions, subjects=subjects, values=values,
            workloads=loads, items=counted, expected=expected,
        )))
        texts = tuple(canonical_json(r.to_dict()) for r in results)
    # the same bytes as canonical_json(list of the dicts), without encoding them twice
    results_json = "[" + ",".join(texts) + "]"
    return ComputedRun(
        scheme=scheme, period=p.label, organ=scope.organ, subject_type=scheme.subjects.kind,
        content_hash=_sha(inputs), inputs=inputs, results=results,
        results_json=results_json, results_hash=_sha(results_json),
        warnings=_warnings(results), result_texts=texts, rescored=reuse is not None,
    )


def _values(
    con: Any, kind: str, period: Period, indicators: list[str], codes: list[str]
) -> tuple[dict[tuple[str, str], wh.StoredValue], str]:
    """The stored values a run scores, with their digest."""
    values = wh.read_values(con, kind, period, indicators, codes)
    return values, _sha(sorted(v.canonical() for v in values.values()))


def _only_items_differ(previous: Previous, inputs: Mapping[str, str], chosen: set[str]) -> bool:
    """Whether ``previous`` was made from these inputs but for the items."""
    same = all(previous.inputs.get(k) == v for k, v in inputs.items() if k != "items")
    return (same and {r.subject for r in previous.results} == chosen
            and all(r.base_low is not None for r in previous.results))


def _texts(results: Sequence[SubjectResult], previous: Previous) -> tuple[str, ...]:
    """Each result's canonical JSON: the stored one where the result came out the same."""
    old = {r.subject: r for r in previous.results}
    return tuple(
        previous.texts[r.subject] if r.subject in previous.texts and old.get(r.subject) == r
        else canonical_json(r.to_dict())
        for r in results
    )


def _warnings(results: Sequence[SubjectResult]) -> tuple[str, ...]:
    ignored = sorted({(r.subject, a.item_id) for r in results for a in r.adjustments
                      if a.kind == "ignored"})
    return tuple(f"item {i} of {s} is not an item of this scheme and was not counted"
                 for s, i in ignored)


def scheme_json(scheme: Scheme) -> str:
    """The scheme as stored with a run (read back with ``Scheme.model_validate_json``)."""
    return json.dumps(scheme.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
