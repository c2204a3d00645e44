"""The read cache never serves a stale answer (issue 12).

Briefings, reports and the gaming detections are kept on disk per data version and state
of the appraisals (:mod:`kaoping.web.readcache`). Here a small warehouse of its own is
served, read once, then changed the two ways users change it -- an appraisal run is
published, new records are imported and computed -- and what the server answers must
then be what the library makes from scratch on the new state, not what it kept.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

PASSWORD = "test-password-1"
SECRET = "readcache-tests-secret"
PERIOD = "2020"
INDICATORS = ("non_arrest_rate", "non_prosecution_rate", "persons_prosecuted")


def _cli(*args: str) -> None:
    from kaoping.cli import app as cli

    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output


def _load(root: Path, db: Path, seed: int) -> None:
    """Generate, import and compute the way users do: each load publishes a new version."""
    from kaoping.synth import generate_dataset

    paths = generate_dataset(root / f"data-{seed}", persons=3_000, years=(2019, 2020),
                             seed=seed, fmt="parquet")
    _cli("import", *map(str, paths.values()), "--db", str(db))
    _cli("compute", "--db", str(db), *[a for i in INDICATORS for a in ("-i", i)])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, TestClient]]:
    from kaoping.appdb import make_engine, session_scope
    from kaoping.web import create_app
    from kaoping.web.users import create_user

    root = tmp_path_factory.mktemp("readcache")
    db = root / "k.duckdb"
    _load(root, db, seed=3)
    app_db = f"sqlite:///{root / 'app.db'}"
    engine = make_engine(app_db)
    with session_scope(engine) as session:
        create_user(session, "admin", PASSWORD, "admin")
    engine.dispose()
    app = create_app(db=db, app_db=app_db, secret=SECRET)
    client = TestClient(app, raise_server_exceptions=False)
    r = client.post("/api/token", json={"username": "admin", "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    yield root, app_db, client
    app.state.kp.data.close()


def _briefing(client: TestClient, organ: str) -> str:
    r = client.get(f"/api/organs/{organ}/briefing", params={"period": PERIOD, "lang": "en"})
    assert r.status_code == 200, r.text
    text: str = r.json()["markdown"]
    return text


def _xlsx_cells(body: bytes) -> list[list[object]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body), read_only=True)
    # the time a report was generated differs between two renders of the same figures
    return [[c for row in ws.iter_rows(values_only=True) for c in row
             if not (isinstance(c, str) and c.startswith("Report generated"))] for ws in book]


def _report(client: TestClient, organ: str) -> bytes:
    r = client.get(f"/api/organs/{organ}/report",
                   params={"period": PERIOD, "format": "xlsx", "lang": "en"})
    assert r.status_code == 200, r.text
    return r.content


def test_cached_reads_follow_publications_and_new_versions(
    served: tuple[Path, str, TestClient],
) -> None:
    import kaoping.appraisal as ap
    from kaoping.appdb import make_engine
    from kaoping.detect import detect
    from kaoping.narrative.briefing import write_briefing
    from kaoping.reports import gather, render
    from kaoping.web.demo import pick_demo_subjects

    root, app_db, client = served
    db = root / "k.duckdb"
    organ = pick_demo_subjects(db).grassroots
    cache = db.parent / f".{db.name}.readcache"

    # first read: made, then kept (the second answer is the kept file, byte for byte)
    before = _briefing(client, organ)
    assert _briefing(client, organ) == before
    report_v1 = _report(client, organ)
    assert _report(client, organ) == report_v1
    assert len([p for p in cache.rglob("*") if p.is_file()]) >= 2

    # a published run: the briefing must quote its grades, not the transient ones
    engine = make_engine(app_db)
    try:
        run = ap.run_appraisal(db, ap.load_scheme("prosecutors"), PERIOD, engine,
                               organ=organ, user="officer")
        run = ap.publish_run(engine, run.run_id, user="officer")
        after_publish = _briefing(client, organ)
        quoted = f"Appraisal: run {run.run_id} (published)"
        assert quoted in after_publish
        assert quoted not in before and "not stored" in before
        assert after_publish == write_briefing(db, PERIOD, organ=organ, lang="en",
                                               app_engine=engine,
                                               annex=_annex(client, organ))
    finally:
        engine.dispose()
    old_versions = {p.name for p in cache.iterdir()}

    # a new import and compute: a new version; every kept answer must be the new one
    _load(root, db, seed=5)
    engine = make_engine(app_db)
    try:
        fresh_briefing = write_briefing(db, PERIOD, organ=organ, lang="en", app_engine=engine,
                                        annex=_annex(client, organ))
        fresh_report = render(gather(db, organ, PERIOD, breakdowns=True), "xlsx", "en",
                              app_engine=engine)
    finally:
        engine.dispose()
    assert _briefing(client, organ) == fresh_briefing
    assert fresh_briefing != after_publish  # other records, other figures
    served_cells = _xlsx_cells(_report(client, organ))
    assert served_cells == _xlsx_cells(fresh_report)
    assert served_cells != _xlsx_cells(report_v1)
    # the detections of the new version, as the detectors find them on it
    import kaoping

    with kaoping.Warehouse(db) as wh:
        expected = detect(wh.backend, PERIOD)
    r = client.get("/api/detections", params={"period": PERIOD})
    assert r.status_code == 200, r.text
    assert r.json() == [d.model_dump(mode="json") for d in expected]
    # the old version's files are gone
    assert not old_versions & {p.name for p in cache.iterdir()}


def _annex(client: TestClient, organ: str) -> list[object] | None:
    """The briefing's annex as the server builds it (the detections it keeps)."""
    data = client.app.state.kp.data  # type: ignore[attr-defined]
    with data.pinned():
        return data._annex(organ, PERIOD)  # type: ignore[no-any-return]
