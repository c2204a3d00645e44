"""Every detection carries numbers and records a reviewer can check: checked here with SQL."""

from __future__ import annotations

import duckdb

from kaoping.detect import annex, detect
from kaoping.detect.models import MAX_RECORDS


def _one(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> int:
    row = con.execute(sql, list(params)).fetchone()
    assert row is not None
    return int(row[0])


def test_rush_figures_and_records_match_the_warehouse(planted: duckdb.DuckDBPyConnection) -> None:
    found = detect(planted, "2019", detectors=["rush"])
    assert found
    for d in found:
        # a case counts on the first day one of its suspects was concluded in the range;
        # the detector's range starts twelve months before the period's last month
        first_days = (
            "SELECT case_id, min(prosecution_review_concluded) AS day FROM persons WHERE "
            "organ_code = ? AND prosecution_review_concluded BETWEEN '2018-12-01' AND "
            "'2019-12-31' GROUP BY case_id"
        )
        cases_last = _one(
            planted,
            f"SELECT count(*) FROM ({first_days}) WHERE day >= '2019-12-18'",
            d.organ_code,
        )
        cases_q4 = _one(
            planted,
            f"SELECT count(*) FROM ({first_days}) WHERE day >= '2019-10-01'",
            d.organ_code,
        )
        persons_last = _one(
            planted,
            "SELECT count(*) FROM persons WHERE organ_code = ? AND "
            "prosecution_review_concluded BETWEEN '2019-12-18' AND '2019-12-31'",
            d.organ_code,
        )
        assert d.figures["concluded_last_days"] == cases_last
        assert d.figures["concluded_reference"] == cases_q4
        assert d.record_count == persons_last
        assert len(d.record_ids) == min(persons_last, MAX_RECORDS)
        assert d.q_value <= 0.05 and d.p_value <= d.q_value
        assert str(cases_last) in d.summary_zh and str(cases_last) in d.summary_en


def test_relabel_records_are_the_non_arrested_prosecuted_in_custody(
    planted: duckdb.DuckDBPyConnection,
) -> None:
    found = detect(planted, "2020", detectors=["relabel"])
    assert found
    for d in found:
        ids = {
            r[0]
            for r in planted.execute(
                "SELECT person_id FROM persons WHERE organ_code = ? AND "
                "year(arrest_review_concluded) = 2020 AND arrest_decision = 'not_approved' AND "
                "prosecution_decision = 'prosecuted' AND detained_at_prosecution",
                [d.organ_code],
            ).fetchall()
        }
        assert set(d.record_ids) == ids
        rate = _one(
            planted,
            "SELECT count(*) FILTER (arrest_decision = 'not_approved') FROM persons WHERE "
            "organ_code = ? AND year(arrest_review_concluded) = 2020",
            d.organ_code,
        ) / _one(
            planted,
            "SELECT count(arrest_decision) FROM persons WHERE organ_code = ? AND "
            "year(arrest_review_concluded) = 2020",
            d.organ_code,
        )
        assert d.figures["non_arrest_rate"] == rate


def test_organ_scope_keeps_the_organ_and_those_below(planted: duckdb.DuckDBPyConnection) -> None:
    everything = detect(planted, "2020", detectors=["perfection"])
    organ = everything[0].organ_code
    parent = planted.execute(
        "SELECT parent_code FROM organs WHERE organ_code = ?", [organ]
    ).fetchone()
    assert parent is not None
    below_parent = {
        r[0]
        for r in planted.execute(
            "SELECT organ_code FROM organs WHERE parent_code = ? OR organ_code = ?",
            [parent[0], parent[0]],
        ).fetchall()
    }
    scoped = detect(planted, "2020", organ=parent[0], detectors=["perfection"])
    assert {d.organ_code for d in scoped} == {
        d.organ_code for d in everything if d.organ_code in below_parent
    }
    # the same q-values whoever asks: the FDR control always runs over every organ
    # (rounded: the database may sum in another order)
    assert {(d.organ_code, d.measure, round(d.q_value, 9)) for d in scoped} <= {
        (d.organ_code, d.measure, round(d.q_value, 9)) for d in everything
    }


def test_annex_rows_name_the_detector_in_both_languages(
    planted: duckdb.DuckDBPyConnection,
) -> None:
    organ = detect(planted, "2020", detectors=["relabel"])[0].organ_code
    rows = annex(planted, organ, "2020")
    assert {r.detector for r in rows} >= {"relabel"}
    row = next(r for r in rows if r.detector == "relabel")
    assert row.detector_zh == "决定换标签" and row.detector_en == "Re-labelling"
    assert row.organ_code == organ and row.record_count > 0


def test_the_evidence_of_several_detections_reads_as_each_alone(
    planted: duckdb.DuckDBPyConnection,
) -> None:
    """:meth:`Source.records_of` answers every (organ, filter) in one query: each answer
    is that organ's matching persons, the first ``MAX_RECORDS`` by id, and their count,
    in the order asked -- also for a filter that matches nobody."""
    from kaoping.detect.source import Source

    busiest, = planted.execute(
        "SELECT organ_code FROM persons GROUP BY organ_code ORDER BY count(*) DESC LIMIT 1"
    ).fetchone() or ("",)
    other, = planted.execute(
        "SELECT organ_code FROM persons WHERE organ_code <> ? GROUP BY organ_code "
        "ORDER BY count(*) DESC LIMIT 1", [busiest],
    ).fetchone() or ("",)
    asked = [
        (busiest, lambda p: p.is_minor == False),  # noqa: E712 (an Ibis comparison)
        (other, lambda p: p.person_id == "no such person"),
        (other, lambda p: p.arrest_decision == "approved"),
        (busiest, lambda p: p.is_minor == False),  # noqa: E712
    ]
    sql = {0: "NOT is_minor", 2: "arrest_decision = 'approved'", 3: "NOT is_minor"}
    got = Source(planted).records_of(asked)
    assert len(got) == len(asked)
    assert got[1] == ([], 0)
    for i, where in sql.items():
        organ = asked[i][0]
        ids = [str(r[0]) for r in planted.execute(
            f"SELECT person_id FROM persons WHERE organ_code = ? AND {where} "
            "ORDER BY person_id", [organ]).fetchall()]
        assert got[i] == (ids[:MAX_RECORDS], len(ids))
    assert got[0][1] > MAX_RECORDS  # the cut is tested, not only the count
