"""The default schemes on generated data, the CLI workflow, and a briefing whose every number
is checked against ``kaoping show`` and the appraisal it names.

One warehouse per module (30,000 generated suspects, 2019-2020, the indicators the default
schemes and the briefing's headline use, computed for 2020): building it is the slow part.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from tests.helpers import build_warehouse
from typer.testing import CliRunner

import kaoping
from kaoping.appraisal import compute_run, load_scheme
from kaoping.appraisal.compute import ComputedRun
from kaoping.appraisal.grading import quota_size
from kaoping.cli import app
from kaoping.engine.periods import parse_period
from kaoping.narrative import briefing
from kaoping.narrative.briefing import HEADLINE, build_briefing
from kaoping.narrative.numbers import format_change, format_value

PROVINCE = "440000"  # Guangdong: about twenty municipal organs below it
runner = CliRunner()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ids = set(HEADLINE)
    for name in ("organs", "prosecutors"):
        ids |= set(load_scheme(name).indicator_ids())
    return build_warehouse(tmp_path_factory.mktemp("appraisal"), persons=30_000, seed=4,
                           indicators=sorted(ids))


@pytest.fixture(scope="module")
def runs(warehouse: Path) -> dict[tuple[str, str], ComputedRun]:
    return {
        (name, period): compute_run(warehouse, load_scheme(name), period)
        for name in ("organs", "prosecutors")
        for period in ("2020", "2020-H1")
    }


def invoke(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


# --- the default schemes --------------------------------------------------------------------


def test_both_default_schemes_run_for_a_year_and_a_half_year(
    runs: dict[tuple[str, str], ComputedRun],
) -> None:
    for (name, period), run in runs.items():
        assert run.period == period
        assert len(run.results) > 100, (name, period)
        kinds = {r.subject_type for r in run.results}
        assert kinds == {"organ" if name == "organs" else "prosecutor"}
        grades = {g.id for g in run.scheme.grades}
        assert {r.grade for r in run.results} <= grades


def test_totals_decompose(runs: dict[tuple[str, str], ComputedRun]) -> None:
    for run in runs.values():
        for r in run.results[:200]:
            dims = math.fsum(d.score for d in r.dimensions)
            assert r.base == pytest.approx(dims, abs=1e-3)
            for d in r.dimensions:
                assert d.score == pytest.approx(math.fsum(i.points for i in d.indicators),
                                                abs=1e-3)
                assert d.score <= d.weight + 1e-9
            expected = max(0.0, r.base + r.bonus - r.deduction + r.correction)
            assert r.total == pytest.approx(expected, abs=1e-3)
            assert r.total_low <= r.total + 1e-9 <= r.total_high + 2e-9


def test_no_score_rests_on_a_neutral_placeholder(
    runs: dict[tuple[str, str], ComputedRun],
) -> None:
    from scipy import stats

    for run in runs.values():
        for r in run.results:
            for d in r.dimensions:
                for i in d.indicators:
                    assert "neutral" not in i.formula, (r.subject, i.indicator)
                    if i.unit != "rate":
                        continue
                    # every rate is its Beta posterior's mean, read back from the prior
                    assert i.estimate is not None and i.estimator is not None
                    a, b = map(float, re.findall(r"Beta\(([^,]+), ([^)]+)\)",
                                                 i.estimator)[0])
                    x = i.numerator if i.denominator else 0.0
                    n = i.denominator or 0.0
                    assert i.estimate == pytest.approx((a + x) / (a + b + n), abs=2e-4)
                    assert i.estimate_low == pytest.approx(
                        stats.beta.ppf(0.05, a + x, b + n - x), abs=2e-3)
                    assert i.estimate_low <= i.estimate <= i.estimate_high


def test_grades_respect_quotas_and_ranks_are_ties_aware(
    runs: dict[tuple[str, str], ComputedRun],
) -> None:
    for run in runs.values():
        groups: dict[str, list[Any]] = {}
        for r in run.results:
            groups.setdefault(r.group, []).append(r)
        quotas = {g.id: g.quota for g in run.scheme.grades if g.quota is not None}
        for members in groups.values():
            n = len(members)
            counts = Counter(r.grade for r in members)
            for grade, quota in quotas.items():
                assert counts[grade] <= quota_size(quota, n)
            for r in members:
                assert r.peers == n
                better = sum(1 for o in members if round(o.total, 2) > round(r.total, 2))
                assert r.rank == better + 1
                ties = [o for o in members if round(o.total, 2) == round(r.total, 2)]
                assert len({o.grade for o in ties}) == 1  # ties are never split


def test_organ_rates_carry_expected_values(runs: dict[tuple[str, str], ComputedRun]) -> None:
    run = runs[("organs", "2020")]
    lines = [i for r in run.results for d in r.dimensions for i in d.indicators
             if i.indicator == "non_arrest_rate" and i.denominator]
    with_expected = [i for i in lines if i.expected is not None]
    assert with_expected and len(with_expected) == len(lines)
    ratios = [i.o_e for i in with_expected if i.o_e is not None]
    assert ratios and all(r >= 0 for r in ratios)


def test_prosecutor_workload_is_weighted(runs: dict[tuple[str, str], ComputedRun]) -> None:
    run = runs[("prosecutors", "2020")]
    loads = [r.indicator("weighted_cases").value for r in run.results]
    assert any(v is not None and v > 0 and not float(v).is_integer() for v in loads)


# --- the CLI workflow ----------------------------------------------------------------------


def test_cli_run_twice_explain_object_and_audit(warehouse: Path, tmp_path: Path) -> None:
    db = ["--db", str(warehouse)]
    app_db = ["--app-db", f"sqlite:///{tmp_path / 'app.db'}"]
    first = json.loads(invoke("appraise", "--period", "2020-H1", "--organ", PROVINCE,
                              "--json", *db, *app_db, "--user", "officer").output)
    assert {"run_id", "content_hash", "subjects"} <= set(first)
    row = first["subjects"][0]
    assert {"subject", "total", "rank", "grade"} <= set(row)
    again = json.loads(invoke("appraise", "--period", "2020-H1", "--organ", PROVINCE,
                              "--json", *db, *app_db).output)
    assert again["content_hash"] == first["content_hash"]
    assert again["subjects"] == first["subjects"]
    run_id, subject = str(first["run_id"]), row["subject"]

    text = invoke("appraise", "explain", run_id, subject, "--records", "2", "--lang", "en",
                  *db, *app_db).output
    assert f"{subject}" in text and "total" in text
    for dim in ("political_security", "economic_stability", "team"):
        assert dim in text
    assert "records:" in text and "kaoping explain non_arrest_rate --organ" in text

    invoke("appraise", "items", "add", subject, "--period", "2020-03", "--category",
           "wrongful_case", "--points", "3", "--reason", "wrongful case",
           "--evidence", "file 17", *app_db, "--user", "appraiser")
    second = json.loads(invoke("appraise", "--period", "2020-H1", "--organ", PROVINCE,
                               "--json", *db, *app_db, "--user", "officer").output)
    before = {s["subject"]: s["total"] for s in first["subjects"]}
    after = {s["subject"]: s["total"] for s in second["subjects"]}
    assert {s for s in before if before[s] != after[s]} == {subject}
    assert after[subject] == pytest.approx(max(0.0, before[subject] - 3))

    invoke("appraise", "objections", "lodge", str(second["run_id"]), subject, "--item", "1",
           "--reason", "overturned on appeal", *app_db, "--user", "organ-head")
    reviewed = invoke("appraise", "objections", "review", "1", "--accept", "--reason",
                      "appeal judgment", *db, *app_db, "--user", "reviewer").output
    assert "accepted" in reviewed and "new run" in reviewed
    runs_list = json.loads(invoke("appraise", "list", "--json", *app_db).output)
    newest = runs_list[0]
    assert newest["supersedes"] == second["run_id"]
    assert newest["content_hash"] == first["content_hash"]  # the inputs of the first run
    invoke("appraise", "publish", str(newest["run_id"]), *app_db, "--user", "chief")
    trail = json.loads(invoke("appraise", "audit", "--json", *app_db).output)
    steps = [(e["actor"], e["action"]) for e in trail]
    assert steps == [
        ("officer", "run.create"), ("appraiser", "item.add"), ("officer", "run.create"),
        ("organ-head", "objection.lodge"), ("reviewer", "objection.accepted"),
        ("reviewer", "item.withdraw"), ("reviewer", "run.create"),
        ("reviewer", "objection.rerun"), ("chief", "run.publish"),
    ]


# --- the briefing ------------------------------------------------------------------------------


def _in_province(code: str | None, parent: dict[str, str | None]) -> bool:
    """Whether organ ``code`` is the province or below it."""
    while code is not None:
        if code == PROVINCE:
            return True
        code = parent.get(code)
    return False

NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _show(warehouse: Path, indicator: str, period: str) -> dict[str, Any]:
    out = invoke("show", indicator, "--organ", PROVINCE, "--period", period, "--json",
                 "--db", str(warehouse)).output
    data: dict[str, Any] = json.loads(out)
    return data


def _texts(fig: dict[str, Any], lang: Any) -> dict[str, str]:
    """Every way the briefing may print a number of this figure."""
    unit = fig["unit"]
    number_unit = "amount" if unit == "amount" else "count"
    out = {
        "value": format_value(fig["value"], unit, lang),
        "previous": format_value(fig["previous"], unit, lang),
        "change": format_change(fig["change"], fig["change_unit"], lang) or "—",
        "numerator": format_value(fig["numerator"], number_unit, lang),
        "denominator": format_value(fig["denominator"], number_unit, lang),
    }
    return out


def _numbers(text: str) -> list[str]:
    return NUMBER.findall(text)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_number_of_the_briefing_is_confirmed(
    warehouse: Path, tmp_path: Path, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the province's 700-odd prosecutors are graded on the fly here, to check those numbers
    monkeypatch.setattr(briefing, "TRANSIENT_AT_MOST", 10_000)
    period = "2020-H1"
    p = parse_period(period)
    b = build_briefing(warehouse, period, organ=PROVINCE, lang=lang)  # type: ignore[arg-type]
    lines = b.text.splitlines()
    period_name = p.label_zh if lang == "zh" else p.label_en
    shown: dict[str, dict[str, Any]] = {}

    def fig(indicator: str) -> dict[str, str]:
        if indicator not in shown:
            shown[indicator] = _show(warehouse, indicator, period)
        return _texts(shown[indicator], lang)

    appraisals: dict[str, dict[str, Any]] = {}
    unexplained = []
    for line in lines:
        body = line.replace(period_name, "").replace(p.phrase_en, "")
        if not _numbers(body):
            continue
        if m := re.search(r"<!-- kaoping show (\w+) --organ (\d+) --period (\S+) -->", body):
            assert m[2] == PROVINCE and m[3] == period
            texts = fig(m[1])
            sentence = body[: m.start()]
            allowed = {n for t in texts.values() for n in _numbers(t)}
            # numbers written in the indicator's own sentence template (the "1" of "1:1.21")
            ind = kaoping.Warehouse(warehouse).definition(m[1])
            template = (ind.sentence_zh if lang == "zh" else ind.sentence_en) or ""
            allowed |= set(_numbers(re.sub(r"\{\w+\}", "", template)))
            stray = [n for n in _numbers(sentence) if n not in allowed]
            assert not stray, (line, texts)
            assert texts["value"] in sentence
            if shown[m[1]]["change"] is not None and texts["change"] not in sentence:
                raise AssertionError(f"year-on-year change missing: {line}")
        elif m := re.search(r"\| `(\w+)` \| ([^|]+) \| ([^|]+) \| ([^|]+) \|", body):
            texts = fig(m[1])
            assert m[2].strip() == texts["value"], line
            third, fourth = m[3].strip(), m[4].strip()
            assert fourth == texts["change"], line
            if third != texts["previous"]:  # the out-of-range table prints the range there
                ind = kaoping.Warehouse(warehouse).definition(m[1])
                rr = ind.reasonable_range
                assert rr is not None, line
                bounds = rr.by_level.get(2, rr.default)
                assert bounds is not None
                for bound in (bounds.low, bounds.high):
                    if bound is not None:
                        assert format_value(bound, ind.unit.value, lang) in third, line
        elif "--level 3" in body or "--scheme prosecutors" in body:
            cmd = re.search(r"`kaoping appraise ([^`]+)`", body)
            assert cmd is not None, line
            args = cmd[1].split()
            kind = "prosecutors" if "--scheme" in args else "organs"
            result = json.loads(invoke("appraise", *args, "--json", "--db", str(warehouse),
                                       "--app-db", f"sqlite:///{tmp_path / 'a.db'}").output)
            appraisals[kind] = result
            assert result["content_hash"][:16] in body, line
        else:
            unexplained.append(line)
    # league rows, grade rows and the counts in the intros are checked against the runs
    organs, pros = appraisals["organs"], appraisals["prosecutors"]
    totals = {s["subject"]: s for s in organs["subjects"]}
    grade_counts = Counter(s["grade"] for s in pros["subjects"])
    scheme = load_scheme("prosecutors")
    names = {g.name_zh if lang == "zh" else g.name_en: g.id for g in scheme.grades}
    organ_grades = {g.id: (g.name_zh if lang == "zh" else g.name_en)
                    for g in load_scheme("organs").grades}
    for line in unexplained:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 5 and cells[2] in totals:
            s = totals[cells[2]]
            assert cells[0].replace("≈", "").strip() == str(s["rank"]), line
            assert cells[3] == f"{s['total']:.2f}", line
            assert cells[4] == organ_grades[s["grade"]], line
        elif len(cells) == 3 and cells[0] in names:
            k = grade_counts[names[cells[0]]]
            assert cells[1] == str(k), line
            assert cells[2] == f"{k / len(pros['subjects']) * 100:.1f}%", line
        elif re.search(r"(个下级院|organs below were)", line):
            assert _numbers(line) == [str(len(organs["subjects"]))], line
        elif re.search(r"(名检察官|prosecutors were)", line):
            assert _numbers(line) == [str(len(pros["subjects"]))], line
        elif re.search(r"(合理区间的|indicators with a reasonable range)", line):
            cat = kaoping.Warehouse(warehouse).catalogue
            ranged = [i.id for i in cat.indicators if i.reasonable_range is not None]
            with_value = [i for i in ranged if _show(warehouse, i, period)["value"] is not None]
            assert _numbers(line) == [str(len(with_value))], line
        elif re.match(r"^## \d+\. ", line) and lang == "en":
            continue
        else:
            raise AssertionError(f"a number nobody checked: {line}")
    assert b.headline, "the briefing leads with figures"
    assert "appraise" not in b.text or appraisals


def test_a_briefing_grades_no_more_prosecutors_on_the_fly_than_its_bound(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        parent = dict(con.execute("SELECT organ_code, parent_code FROM organs").fetchall())
        organ_of = con.execute("SELECT prosecutor_id, organ_code FROM prosecutors").fetchall()

    in_scope = sum(1 for _, organ in organ_of if _in_province(organ, parent))
    monkeypatch.setattr(briefing, "TRANSIENT_AT_MOST", in_scope - 1)
    for lang, count in (("zh", f"共{in_scope}名检察官"), ("en", f"its {in_scope:,} prosecutors")):
        b = build_briefing(warehouse, "2020-H1", organ=PROVINCE, lang=lang)  # type: ignore[arg-type]
        assert b.prosecutors is not None and not b.prosecutors.results
        assert b.prosecutors.not_graded == in_scope
        assert count in b.text
        # the run to make is named as every figure's command is: a comment, which the
        # page lists under its provenance and the reports move to the file's properties
        cmd = f"kaoping appraise --organ {PROVINCE} --period 2020-H1 --scheme prosecutors"
        assert f"<!-- {cmd} -->" in b.text
    # at the bound, the table is scored as before
    monkeypatch.setattr(briefing, "TRANSIENT_AT_MOST", in_scope)
    b = build_briefing(warehouse, "2020-H1", organ=PROVINCE)
    assert b.prosecutors is not None and b.prosecutors.results and not b.prosecutors.not_graded


def test_a_run_of_named_prosecutors_weighs_their_cases_alone(
    runs: dict[tuple[str, str], ComputedRun], warehouse: Path
) -> None:
    from kaoping.appraisal.weighting import case_weights, workloads
    from kaoping.warehouse import connect_reader, ibis_connection

    scheme = load_scheme("prosecutors")
    assert scheme.case_weighting is not None
    p = parse_period("2020")
    con = connect_reader(warehouse)
    try:
        backend = ibis_connection(con)
        every = workloads(backend, scheme.case_weighting, p)
        named = sorted(every)[::7]
        mine = workloads(backend, scheme.case_weighting, p, named)
        # each prosecutor's load summed independently, from his own case weights
        for pid in named[:5]:
            cases = case_weights(backend, scheme.case_weighting, p, prosecutor=pid)
            assert mine[pid].cases == len(cases)
            assert mine[pid].persons == sum(c.persons for c in cases)
            assert mine[pid].weighted == pytest.approx(sum(c.weight for c in cases), rel=1e-12)
    finally:
        con.close()
    assert set(mine) == set(named)
    assert mine == {pid: every[pid] for pid in named}
    # the national run's weighted cases are those loads
    run = runs[("prosecutors", "2020")]
    got = {r.subject: r.indicator("weighted_cases").value for r in run.results}
    for pid in named:
        if got.get(pid) is not None:
            assert got[pid] == pytest.approx(every[pid].weighted)


# --- a briefing quotes the published run of the office above --------------------------------


def test_a_briefing_quotes_the_grades_the_office_above_published(
    warehouse: Path, tmp_path: Path
) -> None:
    import duckdb

    from kaoping.appdb import make_engine
    from kaoping.appraisal.runs import publish_run, run_appraisal

    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    period = "2020"
    organs_run = run_appraisal(warehouse, load_scheme("organs"), period, engine)
    pros_run = run_appraisal(warehouse, load_scheme("prosecutors"), period, engine)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        parent = dict(con.execute("SELECT organ_code, parent_code FROM organs").fetchall())
        # a municipal organ of the province with counties appraised in the national run
        appraised = {r.subject for r in organs_run.results}
        city = sorted(
            c for c, p in parent.items()
            if p == PROVINCE and any(parent.get(s) == c for s in appraised)
        )[0]
    # a draft of the office above is not quoted: the briefing scores a run of its own
    draft = build_briefing(warehouse, period, organ=city, app_engine=engine)
    assert draft.league is not None and draft.league.run_id is None
    for run in (organs_run, pros_run):
        publish_run(engine, run.run_id)
    b = build_briefing(warehouse, period, organ=city, app_engine=engine)
    assert b.league is not None and b.league.run_id == organs_run.run_id
    counties = {r.subject: r for r in organs_run.results if parent.get(r.subject) == city}
    assert counties and {r.subject: r for r in b.league.results} == counties
    assert f"第{organs_run.run_id}号考评（已发布）" in b.text  # the source line names it
    # the city's own prosecutors, with the grades the national run gave them
    assert b.prosecutors is not None and b.prosecutors.run_id == pros_run.run_id
    own = {r.subject: r.grade for r in pros_run.results if r.organ_code == city}
    assert {r.subject: r.grade for r in b.prosecutors.results} == own


def test_the_briefing_annex_lists_the_detections_of_the_organ_and_below(
    warehouse: Path, tmp_path: Path
) -> None:
    from kaoping.detect import detect
    from kaoping.detect.annex import annex
    from kaoping.warehouse import connect

    con = connect(warehouse, read_only=True)
    try:
        rows = annex(con, PROVINCE, "2020")
        every = detect(con, "2020")
    finally:
        con.close()
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as c:
        parent = dict(c.execute("SELECT organ_code, parent_code FROM organs").fetchall())

    assert len(rows) == sum(_in_province(d.organ_code, parent) for d in every)
    # rendering: two detections made by hand (this small warehouse may show none)
    from kaoping.detect.annex import AnnexRow

    rows = [
        AnnexRow("rush", "期末突击结案", "Period-end rush", "440103", "荔湾区人民检察院",
                 "Liwan", "12月最后一周结案占全年21%", "21% concluded in the last week",
                 0.012, 37, "", ""),
        AnnexRow("perfection", "异常完美", "Implausible perfection", "440104",
                 "越秀区人民检察院", "Yuexiu", "不起诉率0%（分母120）", "0% of 120", 0.0004, 120,
                 "", ""),
    ]
    text = build_briefing(warehouse, "2020", organ=PROVINCE, annex=rows).text
    assert "附件：可能的数据异常" in text
    section = text.split("附件：可能的数据异常", 1)[1].split("\n---", 1)[0]
    table = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(table) == 1 + len(rows)  # the header and one row per detection
    for r in rows:
        assert r.organ_name in section and r.summary_zh in section and r.detector_zh in section
        assert f"| {r.record_count} |" in section
    empty = build_briefing(warehouse, "2020", organ=PROVINCE, annex=[]).text
    assert "本期未检出需要复核的数据异常。" in empty
    assert "可能的数据异常" not in build_briefing(warehouse, "2020", organ=PROVINCE).text
    # the CLI's briefing has the annex unless asked not to
    cli = invoke("brief", "--period", "2020", "--organ", PROVINCE, "--db", str(warehouse),
                 "--app-db", f"sqlite:///{tmp_path / 'b.db'}")
    assert "附件：可能的数据异常" in cli.output
    bare = invoke("brief", "--period", "2020", "--organ", PROVINCE, "--no-annex", "--db",
                  str(warehouse), "--app-db", f"sqlite:///{tmp_path / 'b.db'}")
    assert "可能的数据异常" not in bare.output


@pytest.mark.parametrize("kind", ["organ", "prosecutor"])
def test_a_few_subjects_values_read_as_many_subjects_values(
    warehouse: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A few subjects are named to DuckDB as a list, many as a semi-join
    (inputs.read_values says why): the same values either way."""
    import duckdb

    from kaoping.appraisal import inputs

    with duckdb.connect(str(warehouse), read_only=True) as con:
        subjects = [str(r[0]) for r in con.execute(
            "SELECT subject FROM indicator_subjects WHERE subject_type = ? ORDER BY subject "
            "LIMIT 40", [kind]).fetchall()]
        indicators = sorted(load_scheme("organs" if kind == "organ" else "prosecutors")
                            .indicator_ids())
        for period in ("2020", "2020-H1"):
            p = parse_period(period)
            listed = inputs.read_values(con, kind, p, indicators, subjects)
            with monkeypatch.context() as mp:
                mp.setattr(inputs, "LISTED_SUBJECTS", 0)
                joined = inputs.read_values(con, kind, p, indicators, subjects)
            assert len(listed) > len(subjects) and listed == joined
            assert {s for s, _ in listed} <= set(subjects)
