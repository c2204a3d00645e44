"""A US county office end to end, without a line of code of its own (issue 15): the US
model's generator writes the tables, `kaoping --model us_county.yaml` imports them and
computes the Justice Counts-style catalogue beside the model, and every figure and
breakdown equals a pandas computation written from the definitions over the generated
files (never from kaoping's output)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from tests.helpers import admin_client
from typer.testing import CliRunner

import kaoping
from kaoping.catalogue import load_catalogue
from kaoping.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "src/kaoping/model/examples"
US = EXAMPLES / "us_county.yaml"
CATALOGUE = EXAMPLES / "us_county_catalogue"

#: a unit, a county (two units) and the state; periods of every kind
OFFICES = ("C02-FEL", "C01", "ST")
PERIODS = {
    "2020": ("2020-01-01", "2021-01-01"),
    "2020-H1": ("2020-01-01", "2020-07-01"),
    "2019-Q3": ("2019-07-01", "2019-10-01"),
    "2020-05": ("2020-05-01", "2020-06-01"),
}
DISMISSED = ("dismissed", "nolle_prosequi")
CONVICTED = ("plea_guilty", "verdict_guilty")


@dataclass(frozen=True)
class Run:
    db: Path
    data: Path
    show: str
    show_by: str


def _cli(*args: str) -> str:
    result = CliRunner().invoke(app, ["--model", str(US), *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp = tmp_path_factory.mktemp("us")
    data, db = tmp / "data", tmp / "us.duckdb"
    with pytest.MonkeyPatch.context() as mp:  # --model sets KAOPING_MODEL for the process
        mp.setenv("KAOPING_MODEL", str(US))
        _cli(
            "generate",
            "-o",
            str(data),
            "--persons",
            "2500",
            "--years",
            "2019-2020",
            "--seed",
            "5",
            "--format",
            "csv",
        )
        _cli("import", str(data), "--db", str(db))
        _cli("compute", "-c", str(CATALOGUE), "--db", str(db))
        show = _cli(
            "show",
            "decline_rate",
            "-c",
            str(CATALOGUE),
            "--db",
            str(db),
            "--organ",
            "C01",
            "--period",
            "2020",
        )
        show_by = _cli(
            "show",
            "cases_disposed",
            "-c",
            str(CATALOGUE),
            "--db",
            str(db),
            "--organ",
            "C01",
            "--period",
            "2020",
            "--by",
            "sex",
        )
        yield Run(db, data, show, show_by)


@pytest.fixture(scope="module")
def files(run: Run) -> dict[str, pd.DataFrame]:
    out = {}
    for name in ("offices", "intake", "initiation", "disposition"):
        frame = pd.read_csv(run.data / f"{name}.csv", dtype=str, keep_default_na=False)
        out[name] = frame.replace("", None)
    for name, cols in {
        "intake": ("received", "decided"),
        "initiation": ("arraigned",),
        "disposition": ("received", "disposed"),
    }.items():
        for c in cols:
            out[name][c] = pd.to_datetime(out[name][c])
    out["disposition"]["primary_charge"] = out["disposition"]["primary_charge"] == "true"
    return out


@pytest.fixture(scope="module")
def warehouse(run: Run) -> Iterator[kaoping.Warehouse]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KAOPING_MODEL", str(US))
        with kaoping.Warehouse(run.db, catalogue=load_catalogue([CATALOGUE])) as wh:
            yield wh


def _below(offices: pd.DataFrame, code: str) -> set[str]:
    """The office and every office under it, by walking the parent links."""
    found, frontier = {code}, {code}
    while frontier:
        frontier = set(offices.loc[offices["parent_code"].isin(frontier), "office_code"])
        found |= frontier
    return found


def _rows(
    files: dict[str, pd.DataFrame], table: str, date: str, office: str, period: str
) -> pd.DataFrame:
    t = files[table]
    start, end = (pd.Timestamp(d) for d in PERIODS[period])
    keep = t["office_code"].isin(_below(files["offices"], office))
    return t[keep & (t[date] >= start) & (t[date] < end)]


def _expected(
    files: dict[str, pd.DataFrame], office: str, period: str
) -> dict[str, tuple[float, float | None]]:
    """(numerator, denominator) of every US indicator, from the definitions."""
    intake = _rows(files, "intake", "decided", office, period)
    referred = _rows(files, "intake", "received", office, period)
    filed = _rows(files, "initiation", "arraigned", office, period)
    disp = _rows(files, "disposition", "disposed", office, period)
    primary = disp[disp["primary_charge"]]
    timed = primary[primary["received"].notna()]
    decided = intake[intake["decision"].isin(["approved", "rejected", "diverted"])]
    return {
        "cases_referred": (len(referred), None),
        "cases_declined": ((intake["decision"] == "rejected").sum(), None),
        "cases_diverted": ((intake["decision"] == "diverted").sum(), None),
        "cases_prosecuted": (len(filed), None),
        "cases_disposed": (len(primary), None),
        "cases_convicted": (primary["disposition_type"].isin(CONVICTED).sum(), None),
        "cases_dismissed": (primary["disposition_type"].isin(DISMISSED).sum(), None),
        "decline_rate": ((decided["decision"] == "rejected").sum(), len(decided)),
        "dismissal_rate": (primary["disposition_type"].isin(DISMISSED).sum(), len(primary)),
        "mean_days_to_disposition": (
            float((timed["disposed"] - timed["received"]).dt.days.sum()),
            len(timed),
        ),
        # a median is the value over its number of records (see MEDIANS)
        "median_days_to_disposition": (
            float((timed["disposed"] - timed["received"]).dt.days.median()),
            len(timed),
        ),
    }


#: indicators whose value is the numerator itself, over the number of its records
MEDIANS = {"median_days_to_disposition"}


@pytest.mark.parametrize("office", OFFICES)
@pytest.mark.parametrize("period", list(PERIODS))
def test_every_us_metric_matches_pandas(
    warehouse: kaoping.Warehouse, files: dict[str, pd.DataFrame], office: str, period: str
) -> None:
    expected = _expected(files, office, period)
    assert set(expected) == set(warehouse.catalogue.ids())
    for indicator, (num, den) in expected.items():
        got = warehouse.indicator(indicator, period=period, organ=office)
        assert got.numerator == pytest.approx(num), (indicator, office, period)
        if den is None:
            assert got.value == pytest.approx(num), (indicator, office, period)
            continue
        assert got.denominator == pytest.approx(den), (indicator, office, period)
        if indicator in MEDIANS:
            assert got.value == pytest.approx(num), (indicator, office, period)
            continue
        assert got.value == (pytest.approx(num / den) if den else None), indicator


def test_the_dataset_has_something_to_count(files: dict[str, pd.DataFrame]) -> None:
    """Guards the checks above against passing on empty tables."""
    got = _expected(files, "C01", "2020")
    assert all(num > 0 for num, _ in got.values()), got
    assert 0 < got["decline_rate"][0] < got["decline_rate"][1]


#: indicator -> the table and date of its records and the pandas filter of each side
SIDES = {
    "cases_referred": ("intake", "received", lambda t: t.index == t.index, None),
    "decline_rate": (
        "intake",
        "decided",
        lambda t: t["decision"] == "rejected",
        lambda t: t["decision"].isin(["approved", "rejected", "diverted"]),
    ),
    "cases_prosecuted": ("initiation", "arraigned", lambda t: t.index == t.index, None),
    "dismissal_rate": (
        "disposition",
        "disposed",
        lambda t: t["primary_charge"] & t["disposition_type"].isin(DISMISSED),
        lambda t: t["primary_charge"],
    ),
}
LISTED = {
    "sex": {"male", "female", "unknown"},
    "race": {
        "white",
        "black",
        "hispanic",
        "asian",
        "native_american",
        "pacific_islander",
        "other",
        "unknown",
    },
    "felony_class": {
        "murder",
        "class_x",
        "class_1",
        "class_2",
        "class_3",
        "class_4",
        "misdemeanor_a",
        "misdemeanor_b",
        "misdemeanor_c",
    },
}


def _counts(rows: pd.DataFrame, by: str) -> dict[str | None, int]:
    category = rows[by].where(rows[by].isin(LISTED[by]), None)
    out: dict[str | None, int] = {}
    for value in category:
        key = None if value is None or pd.isna(value) else str(value)
        out[key] = out.get(key, 0) + 1
    return out


@pytest.mark.parametrize("by", list(LISTED))
@pytest.mark.parametrize("indicator", list(SIDES))
def test_breakdowns_by_sex_race_and_severity_match_pandas(
    warehouse: kaoping.Warehouse, files: dict[str, pd.DataFrame], indicator: str, by: str
) -> None:
    table, date, num_filter, den_filter = SIDES[indicator]
    rows = _rows(files, table, date, "C01", "2020-H1")
    numerators = _counts(rows[num_filter(rows)], by)
    denominators = _counts(rows[den_filter(rows)], by) if den_filter else {}
    b = warehouse.breakdown(indicator, period="2020-H1", by=by, organ="C01")
    assert b.ok, b.problems("en")  # the categories sum to the total, on every side
    got = {r.category.code: r for r in b.rows}
    assert set(numerators) <= set(got)
    for code, row in got.items():
        assert row.numerator == numerators.get(code, 0), (indicator, by, code)
        if den_filter:
            assert row.denominator == denominators.get(code, 0), (indicator, by, code)
    total = warehouse.indicator(indicator, period="2020-H1", organ="C01")
    assert sum(r.numerator or 0 for r in b.rows) == total.numerator == b.total.numerator
    if den_filter:
        assert sum(r.denominator or 0 for r in b.rows) == total.denominator


def test_show_and_show_by_sex_print_the_figures(run: Run, files: dict[str, pd.DataFrame]) -> None:
    num, den = _expected(files, "C01", "2020")["decline_rate"]
    assert f"numerator {num:,} / denominator {den:,}" in run.show
    assert "Decline rate" in run.show and "Adams County" in run.show
    disposed = _rows(files, "disposition", "disposed", "C01", "2020")
    by_sex = _counts(disposed[disposed["primary_charge"]], "sex")
    assert "by sex" in run.show_by
    for code, n in by_sex.items():
        if code is not None:
            line = next(x for x in run.show_by.splitlines() if f" {code} " in x)
            assert f" {n:,} " in line, line


def test_the_dashboard_serves_a_us_office(
    run: Run, files: dict[str, pd.DataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The web service with the US model and catalogue, as a county's administrator
    uses it: every page answers (no prosecutors, no gaming detectors, no shipped
    appraisal scheme fit this office, and none of them may fail), and the figures it
    shows are the pandas ones."""
    monkeypatch.setenv("KAOPING_MODEL", str(US))
    monkeypatch.setenv("KAOPING_CATALOGUE_DIR", str(CATALOGUE))
    expected = _expected(files, "C01", "2020")
    with admin_client(run.db, tmp_path) as (client, headers):
        for url in ("/organs/ST?period=2020", "/organs/C01?period=2020&lang=en",
                    "/organs/C01/compare?period=2020", "/organs/ST/briefing?period=2020",
                    "/organs/C01/indicators/decline_rate/records?period=2020&side=numerator",
                    "/organs/ST/published/median_days_to_disposition?period=2020",
                    "/appraisal", "/search?q=Adams", "/data"):
            page = client.get(url)
            assert page.status_code == 200, (url, page.text[:300])
        # no detector reads this model's stages: no "possible gaming" section at all
        assert 'id="possible-gaming"' not in client.get("/organs/C01?period=2020").text
        # the overview's headline is the catalogue's own first indicators
        assert "Cases referred" in client.get("/organs/C01?period=2020&lang=en").text
        cards = client.get("/api/organs/C01/indicators?period=2020", headers=headers).json()
        assert cards and cards[0]["value"]["indicator"] == "cases_referred", cards[:1]
        for indicator in ("decline_rate", "median_days_to_disposition"):
            body = client.get(f"/api/organs/C01/indicators/{indicator}?period=2020",
                              headers=headers).json()
            num, den = expected[indicator]
            assert body["denominator"] == pytest.approx(den), indicator
            value = num if indicator in MEDIANS else num / den
            assert body["value"] == pytest.approx(value), indicator
            page = client.get(f"/organs/C01/indicators/{indicator}?period=2020&lang=en")
            assert page.status_code == 200 and 'data-chart="breakdown"' in page.text
            # a median's definition names what it is the median of, not a numerator
            box = page.text[page.text.index('id="definition"'):]
            box = box[:box.index("</section>")]
            assert ("Median of" in box) == (indicator in MEDIANS), indicator
            assert ("Numerator" in box) == (indicator not in MEDIANS), indicator
        published = client.get("/api/organs/ST/published/decline_rate?period=2020",
                               headers=headers)
        assert published.status_code == 200
        assert published.json()["rows"][0]["parent_code"] is None  # the state, at the top
        assert client.get("/api/organs/ST/detections?period=2020",
                          headers=headers).status_code in (200, 404)
        report = client.get("/api/organs/C01/report?period=2020&format=xlsx", headers=headers)
        assert report.status_code == 200 and report.content[:2] == b"PK"
        brief = client.get("/api/organs/C01/briefing?period=2020&lang=en", headers=headers)
        assert brief.status_code == 200 and "Adams County" in brief.json()["markdown"]


def test_a_published_median_is_headed_median_and_records(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kaoping publish` of a median names its columns for what they hold."""
    monkeypatch.setenv("KAOPING_MODEL", str(US))
    monkeypatch.setenv("KAOPING_CATALOGUE_DIR", str(CATALOGUE))
    heads = {}
    for indicator, lang in (("median_days_to_disposition", "en"),
                            ("median_days_to_disposition", "zh"), ("decline_rate", "en")):
        out = tmp_path / f"{indicator}-{lang}.csv"
        _cli("publish", indicator, "--period", "2020", "--db", str(run.db), "--lang", lang,
             "-o", str(out))
        heads[indicator, lang] = out.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert heads["median_days_to_disposition", "en"][5:7] == ["median", "records"]
    assert heads["median_days_to_disposition", "zh"][5:7] == ["中位数", "记录数"]
    assert heads["decline_rate", "en"][5:7] == ["numerator", "denominator"]
