"""Runs are reproducible and frozen; items, objections and re-runs change exactly one subject
and leave an audit trail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy import Engine, select
from tests.appraisal.test_tiny import MIX, VALUES, scheme
from tests.appraisal.tiny_data import CATALOGUE, PERIOD

from kaoping.appdb import make_engine, session_scope
from kaoping.appraisal import (
    AppraisalError,
    FrozenRunError,
    add_item,
    audit_log,
    compute_run,
    list_runs,
    load_run,
    lodge_objection,
    publish_run,
    review_objection,
    run_appraisal,
)
from kaoping.appraisal.records import AppraisalResult, AppraisalRun


@pytest.fixture
def tiny(make_warehouse: Any) -> Path:
    path: Path = make_warehouse(MIX, VALUES)
    return path


@pytest.fixture
def app(tmp_path: Path) -> Engine:
    return make_engine(f"sqlite:///{tmp_path / 'app.db'}")


def _run(path: Path, app: Engine, user: str = "officer") -> Any:
    return run_appraisal(path, scheme(), PERIOD, app, user=user, catalogue=CATALOGUE)


def test_same_inputs_same_hash_and_identical_bytes(tiny: Path, app: Engine) -> None:
    a = compute_run(tiny, scheme(), PERIOD, catalogue=CATALOGUE)
    b = compute_run(tiny, scheme(), PERIOD, catalogue=CATALOGUE)
    assert a.content_hash == b.content_hash
    assert a.results_json == b.results_json and a.results_hash == b.results_hash
    first = _run(tiny, app)
    again = _run(tiny, app)
    assert again.reused and again.run_id == first.run_id
    assert first.content_hash == a.content_hash and first.results_hash == a.results_hash
    assert len(list_runs(app)) == 1


def test_one_changed_record_changes_the_hash(tiny: Path) -> None:
    before = compute_run(tiny, scheme(), PERIOD, catalogue=CATALOGUE)
    with duckdb.connect(str(tiny)) as con:
        con.execute("UPDATE persons SET difficulty = 'complex' WHERE person_id = 'f1'")
    after = compute_run(tiny, scheme(), PERIOD, catalogue=CATALOGUE)
    assert after.content_hash != before.content_hash
    changed = {k for k in before.inputs if before.inputs[k] != after.inputs[k]}
    assert changed == {"data"}


def test_a_changed_scheme_or_item_changes_its_digest(tiny: Path) -> None:
    base = compute_run(tiny, scheme(), PERIOD, catalogue=CATALOGUE)
    other = scheme().model_copy(update={"name_en": "Tiny scheme, renamed"})
    renamed = compute_run(tiny, other, PERIOD, catalogue=CATALOGUE)
    assert {k for k in base.inputs if base.inputs[k] != renamed.inputs[k]} == {"scheme"}


def test_publish_supersedes_and_runs_are_frozen(tiny: Path, app: Engine) -> None:
    first = _run(tiny, app)
    published = publish_run(app, first.run_id, user="chief")
    assert published.status == "published" and published.published_by == "chief"
    with pytest.raises(AppraisalError, match="already published"):
        publish_run(app, first.run_id)
    with session_scope(app) as s:
        s.scalars(select(AppraisalResult).where(AppraisalResult.run_id == first.run_id)
                  ).first().total = 99  # type: ignore[union-attr]
        with pytest.raises(FrozenRunError):
            s.flush()
        s.rollback()
    with session_scope(app) as s:
        s.get_one(AppraisalRun, first.run_id).content_hash = "forged"
        with pytest.raises(FrozenRunError):
            s.flush()
        s.rollback()
    with session_scope(app) as s:
        s.get_one(AppraisalRun, first.run_id).published_by = "someone else"
        with pytest.raises(FrozenRunError, match="published_by"):
            s.flush()
        s.rollback()
    with session_scope(app) as s:
        s.get_one(AppraisalRun, first.run_id).status = "draft"
        with pytest.raises(FrozenRunError, match="cannot become draft"):
            s.flush()
        s.rollback()
    # a new run (an item changed the inputs) supersedes it when published
    add_item(app, subject_type="organ", subject="110101", period=PERIOD,
             category="model_case", points=1, reason="model case", evidence="doc 1",
             user="officer", scheme=scheme())
    second = _run(tiny, app)
    assert second.run_id != first.run_id and second.status == "draft"
    publish_run(app, second.run_id, user="chief")
    assert load_run(app, first.run_id).status == "superseded"
    assert load_run(app, first.run_id).superseded_by == second.run_id
    with pytest.raises(AppraisalError, match="superseded"):
        publish_run(app, first.run_id)


def test_deduction_objection_acceptance_and_rerun(tiny: Path, app: Engine) -> None:
    before = _run(tiny, app, user="officer")
    item = add_item(app, subject_type="organ", subject="110101", period="2020-03",
                    category="wrongful_case", points=4, reason="wrongful conviction",
                    evidence="case file 2020-17", user="appraiser", scheme=scheme())
    deducted = _run(tiny, app, user="officer")
    totals0 = {r.subject: r.total for r in before.results}
    totals1 = {r.subject: r.total for r in deducted.results}
    # the item of March counts in the year; exactly 110101 changes, by 4 points
    assert totals1["110101"] == pytest.approx(totals0["110101"] - 4)
    assert {s for s in totals0 if totals0[s] != totals1[s]} == {"110101"}

    objection = lodge_objection(app, deducted.run_id, "110101", user="dongcheng",
                                item_id=item.item_id, reason="the conviction stood on appeal")
    with pytest.raises(AppraisalError, match="someone other"):
        review_objection(app, objection.objection_id, accept=True, reason="x",
                         user="dongcheng")
    review = review_objection(app, objection.objection_id, accept=True, user="reviewer",
                              reason="appeal judgment confirms", warehouse=tiny,
                              catalogue=CATALOGUE)
    assert review.objection.status == "accepted"
    assert review.new_run is not None
    after = review.new_run
    assert after.supersedes == deducted.run_id
    assert review.objection.resulting_run_id == after.run_id
    totals2 = {r.subject: r.total for r in after.results}
    assert {s for s in totals1 if totals1[s] != totals2[s]} == {"110101"}
    assert totals2["110101"] == pytest.approx(totals0["110101"])
    with pytest.raises(AppraisalError, match="already accepted"):
        review_objection(app, objection.objection_id, accept=False, reason="y", user="other")

    trail = [(e.actor, e.action, e.object_type) for e in audit_log(app)]
    assert trail == [
        ("officer", "run.create", "run"),
        ("appraiser", "item.add", "item"),
        ("officer", "run.create", "run"),
        ("dongcheng", "objection.lodge", "objection"),
        ("reviewer", "objection.accepted", "objection"),
        ("reviewer", "item.withdraw", "item"),
        ("reviewer", "run.create", "run"),
        ("reviewer", "objection.rerun", "objection"),
    ]
    mine = audit_log(app, subject="110101")
    assert [e.action for e in mine] == ["item.add", "objection.lodge", "objection.accepted",
                                       "item.withdraw", "objection.rerun"]
    assert mine[0].details["evidence"] == "case file 2020-17"


def test_a_correction_and_a_rejection(tiny: Path, app: Engine) -> None:
    run = _run(tiny, app)
    o1 = lodge_objection(app, run.run_id, "110103", user="chaoyang", indicator="rate_a",
                         reason="five cases is too few to judge")
    review = review_objection(app, o1.objection_id, accept=True, correction=2.5,
                              user="reviewer", reason="grant 2.5", warehouse=tiny,
                              catalogue=CATALOGUE)
    assert review.new_run is not None
    old, new = run.result("110103"), review.new_run.result("110103")
    assert new.correction == pytest.approx(2.5)
    assert new.total == pytest.approx(old.total + 2.5)
    o2 = lodge_objection(app, review.new_run.run_id, "110102", user="xicheng",
                         reason="we deserve more")
    rejected = review_objection(app, o2.objection_id, accept=False, user="reviewer",
                                reason="the figures are right", warehouse=tiny)
    assert rejected.objection.status == "rejected" and rejected.new_run is None
    with pytest.raises(AppraisalError, match="does not score"):
        lodge_objection(app, run.run_id, "110103", indicator="rate_z", reason="r", user="u")
    with pytest.raises(KeyError, match="did you mean"):
        lodge_objection(app, run.run_id, "110104", reason="r", user="u")


def test_items_are_checked_against_the_scheme(app: Engine) -> None:
    with pytest.raises(AppraisalError, match="did you mean `model_case`"):
        add_item(app, subject_type="organ", subject="110101", period=PERIOD,
                 category="model_cas", points=1, reason="r", evidence="e", scheme=scheme())
    with pytest.raises(AppraisalError, match="at most 2"):
        add_item(app, subject_type="organ", subject="110101", period=PERIOD,
                 category="model_case", points=3, reason="r", evidence="e", scheme=scheme())
    with pytest.raises(AppraisalError, match="evidence"):
        add_item(app, subject_type="organ", subject="110101", period=PERIOD,
                 category="model_case", points=1, reason="r", evidence=" ", scheme=scheme())


def test_a_subjects_group_reads_as_the_run_read_whole(tiny: Path, app: Engine) -> None:
    """A scorecard reads its subject's comparison group only (runs.load_group): the same
    results, in the same order, as the whole run's of that group -- parsed from the
    database, or sliced from a run parsed already."""
    from kaoping.appraisal import load_group
    from kaoping.appraisal import runs as runs_module

    run = _run(tiny, app)
    groups = {r.group for r in run.results}
    assert len(run.results) > len(groups) >= 2  # groups of several, and several groups
    for parsed_first in (False, True):
        runs_module._PARSED.clear()
        whole = load_run(app, run.run_id) if parsed_first else None
        for r in run.results:
            got = load_group(app, run.run_id, r.subject)
            assert got is not None and got.run_id == run.run_id
            want = [x for x in (whole or load_run(app, run.run_id)).results
                    if x.group == r.group]
            assert list(got.results) == want and got.result(r.subject) == r
            if not parsed_first:
                runs_module._PARSED.clear()
    assert load_group(app, run.run_id, "nobody") is None
