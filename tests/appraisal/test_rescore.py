"""A run remade with other items (an accepted objection) starts from the run it remakes,
and comes out exactly as a run made afresh on the same inputs would.

The reference is always :func:`compute_run` without ``previous``: every indicator of every
subject scored again. The remade run must give the same bytes (``results_json``), the
same content hash, and must not take the short way when anything but the items changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy import Engine
from tests.appraisal.test_tiny import MIX, ORGAN_SCHEME, VALUES, scheme
from tests.appraisal.tiny_data import CATALOGUE, PERIOD

from kaoping.appdb import make_engine, session_scope
from kaoping.appraisal import compute_run, lodge_objection, review_objection, run_appraisal
from kaoping.appraisal.compute import ComputedRun, Previous
from kaoping.appraisal.runs import active_items
from kaoping.appraisal.scheme import Scheme
from kaoping.appraisal.score import ItemInput
from kaoping.appraisal.validate import CORRECTION
from kaoping.engine.periods import parse_period

#: a deduction that moves 110101 down, a bonus above its cap, a correction for 110103
ITEMS = (
    ItemInput(1, "110101", "wrongful_case", 4, "wrongful conviction"),
    ItemInput(2, "110102", "model_case", 3, "guiding case"),
    ItemInput(3, "110103", CORRECTION, 2.5, "objection accepted"),
)

SCHEMES = {
    "neutral": ORGAN_SCHEME,
    # estimates and credible intervals: the base's interval is the root sum of squares
    "shrink": ORGAN_SCHEME.replace("policy: neutral", "policy: shrink"),
}


@pytest.fixture
def tiny(make_warehouse: Any) -> Path:
    path: Path = make_warehouse(MIX, VALUES)
    return path


def _compute(path: Path, s: Scheme, items: tuple[ItemInput, ...] = (),
             previous: Previous | None = None) -> ComputedRun:
    return compute_run(path, s, PERIOD, items=items, catalogue=CATALOGUE, previous=previous)


def _previous(run: ComputedRun) -> Previous:
    texts = {r.subject: t for r, t in zip(run.results, run.result_texts, strict=True)}
    return Previous(run.inputs, run.results, texts)


@pytest.mark.parametrize("policy", sorted(SCHEMES))
def test_a_run_remade_with_other_items_equals_one_made_afresh(tiny: Path, policy: str) -> None:
    s = scheme(SCHEMES[policy])
    first = _compute(tiny, s)
    remade = _compute(tiny, s, ITEMS, previous=_previous(first))
    fresh = _compute(tiny, s, ITEMS)
    assert remade.rescored and not fresh.rescored
    assert remade.results_json == fresh.results_json
    assert remade.content_hash == fresh.content_hash
    # and the items did move what they move: 4 off 110101, 2.5 on 110103
    before = {r.subject: r for r in first.results}
    after = {r.subject: r for r in remade.results}
    assert after["110101"].total == pytest.approx(before["110101"].total - 4)
    assert after["110103"].total == pytest.approx(before["110103"].total + 2.5)
    assert after["110101"].dimensions == before["110101"].dimensions
    # a result the items left alone keeps its stored text
    untouched = [r.subject for r in remade.results
                 if r.subject not in {i.subject for i in ITEMS}
                 and r.group not in {before[i.subject].group for i in ITEMS}]
    for subject in untouched:
        i = [r.subject for r in remade.results].index(subject)
        assert remade.result_texts[i] == first.result_texts[
            [r.subject for r in first.results].index(subject)]


def test_items_withdrawn_again_give_back_the_first_run(tiny: Path) -> None:
    s = scheme()
    first = _compute(tiny, s)
    with_items = _compute(tiny, s, ITEMS, previous=_previous(first))
    back = _compute(tiny, s, (), previous=_previous(with_items))
    assert back.rescored and back.results_json == first.results_json


def test_a_changed_record_is_scored_afresh(tiny: Path) -> None:
    s = scheme()
    first = _compute(tiny, s)
    with duckdb.connect(str(tiny)) as con:
        con.execute("UPDATE persons SET difficulty = 'complex' WHERE person_id = 'f1'")
    remade = _compute(tiny, s, ITEMS, previous=_previous(first))
    assert not remade.rescored
    assert remade.results_json == _compute(tiny, s, ITEMS).results_json


def test_another_scheme_is_scored_afresh(tiny: Path) -> None:
    first = _compute(tiny, scheme())
    shrink = scheme(SCHEMES["shrink"])
    remade = _compute(tiny, shrink, ITEMS, previous=_previous(first))
    assert not remade.rescored
    assert remade.results_json == _compute(tiny, shrink, ITEMS).results_json


def test_an_accepted_objection_stores_what_a_fresh_run_gives(tiny: Path, tmp_path: Path) -> None:
    app: Engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    run = run_appraisal(tiny, scheme(), PERIOD, app, user="officer", catalogue=CATALOGUE)
    o = lodge_objection(app, run.run_id, "110103", user="chaoyang", reason="too few cases")
    review = review_objection(app, o.objection_id, accept=True, correction=2.5,
                              user="reviewer", reason="grant 2.5", warehouse=tiny,
                              catalogue=CATALOGUE)
    assert review.new_run is not None
    with session_scope(app) as session:
        items = tuple(active_items(session, "organ", parse_period(PERIOD)))
    assert [i.category for i in items] == [CORRECTION]
    fresh = _compute(tiny, scheme(), items)
    assert review.new_run.results_hash == fresh.results_hash != run.results_hash
    assert review.new_run.result("110103").total == pytest.approx(
        run.result("110103").total + 2.5)
