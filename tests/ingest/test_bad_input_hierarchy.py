"""Organs rows that would break the tree are quarantined; a broken tree written by hand
stops ``show``, ``compute`` and the web service with one message naming the organ."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient
from tests.ingest.ingest_data import count, write_text
from typer.testing import CliRunner

from kaoping.cli import app as cli
from kaoping.ingest import import_files, list_quarantine
from kaoping.warehouse import connect

HEADER = "organ_code,parent_code,level,name_zh,name_en\n"
TREE = (
    "100000,,1,最高人民检察院,SPP\n"
    "110000,100000,2,北京市人民检察院,Beijing\n"
    "110100,110000,3,北京市第一分院,Beijing Branch\n"
    "110101,110100,4,东城区人民检察院,Dongcheng\n"
)


@pytest.fixture
def stored(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    report = import_files(con, [write_text(tmp_path / "organs_base.csv", HEADER + TREE)])[0]
    assert report.rows_quarantined == 0
    return con


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (
            "110000,110100,2,北京市人民检察院,Beijing",  # a province under its own city
            "parent_code",
            "parent_code '110100' makes the hierarchy a cycle: 110000 → 110100 → 110000",
        ),
        (
            "110100,110100,3,北京市第一分院,Beijing Branch",
            "parent_code",
            "parent_code '110100' is the organ itself; an organ cannot be its own parent",
        ),
        (
            "900000,,1,第二个最高检,Second SPP",
            "parent_code",
            "a second national organ (level 1, empty parent_code): the warehouse already "
            "has 100000",
        ),
        (
            "120000,100000,99,天津市人民检察院,Tianjin",
            "level",
            "level must be 1 to 4 (1 national, 2 provincial, 3 municipal, 4 grassroots), got '99'",
        ),
        (
            "120000,110101,2,天津市人民检察院,Tianjin",  # level 2 under a level-4 organ
            "level",
            "level '2' is not one below its parent 110101 (level 4): expected level 5",
        ),
        (
            "120000,,2,天津市人民检察院,Tianjin",
            "parent_code",
            "empty parent_code for a level 2 organ; only the national organ (level 1) has "
            "no parent",
        ),
        (
            "110100,100000,2,北京市第一分院,Beijing Branch",  # fits; its stored child does not
            "level",
            "level '2' breaks the organs below it: 110101 (level 4) has this organ as its "
            "parent, expected level 3",
        ),
    ],
)
def test_a_row_that_would_break_the_tree_is_quarantined(
    stored: duckdb.DuckDBPyConnection, tmp_path: Path, row: str, column: str, reason: str
) -> None:
    before = stored.execute("SELECT * FROM organs ORDER BY organ_code").fetchall()
    path = write_text(tmp_path / "organs.csv", HEADER + row + "\n")

    report = import_files(stored, [path])[0]

    assert (report.rows_loaded, report.rows_quarantined) == (0, 1)
    [q] = list_quarantine(stored)
    assert (q.row_number, q.column, q.reason) == (2, column, reason)
    assert stored.execute("SELECT * FROM organs ORDER BY organ_code").fetchall() == before


def test_a_whole_file_is_checked_as_one_tree_with_the_rows_it_replaces(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    text = HEADER + (
        "110101,110100,4,东城区院,Dongcheng\n"  # 2: parent defined further down: fine
        "100000,,1,最高检,SPP\n"  # 3
        "110000,100000,2,北京市院,Beijing\n"  # 4
        "110100,110000,3,第一分院,Branch\n"  # 5
        "990000,,1,又一个最高检,Another SPP\n"  # 6: second root, in the file itself
        "120000,130000,2,天津,Tianjin\n"  # 7: cycle of two new rows ...
        "130000,120000,2,河北,Hebei\n"  # 8: ... both blamed
        "140000,120000,3,山西,Shanxi\n"  # 9: its parent is quarantined
    )

    report = import_files(con, [write_text(tmp_path / "organs.csv", text)])[0]

    assert (report.rows_loaded, report.rows_quarantined) == (4, 4)
    reasons = {q.row_number: q.reason for q in list_quarantine(con)}
    assert reasons[6] == (
        "a second national organ (level 1, empty parent_code): row 3 already has 100000"
    )
    cycle = "parent_code '{}' makes the hierarchy a cycle: {} → {} → {}"
    assert reasons[7] == cycle.format("130000", "120000", "130000", "120000")
    assert reasons[8] == cycle.format("120000", "130000", "120000", "130000")
    assert reasons[9] == "the organs row with organ_code '120000' is quarantined in this file"
    assert count(con, "organs") == 4


def _break_by_hand(db_path: Path, sql: str) -> None:
    con = connect(db_path)
    try:
        con.execute(
            "INSERT INTO organs (organ_code, parent_code, level, name_zh, name_en) VALUES "
            "('100000', NULL, 1, 'SPP', 'SPP'), ('110000', '100000', 2, 'BJ', 'BJ'), "
            "('110100', '110000', 3, 'BJ1', 'BJ1')"
        )
        con.execute(sql)
    finally:
        con.close()


BROKEN = [
    ("UPDATE organs SET parent_code = '110100' WHERE organ_code = '110000'", "'110000'", "cycle"),
    ("UPDATE organs SET level = 99 WHERE organ_code = '110100'", "'110100'", "level 99"),
    (
        "INSERT INTO organs (organ_code, parent_code, level, name_zh, name_en) "
        "VALUES ('900000', NULL, 1, 'X', 'X')",
        "'900000'",
        "a second national organ",
    ),
    ("UPDATE organs SET level = 4 WHERE organ_code = '110100'", "'110100'", "expected level 3"),
]


@pytest.mark.parametrize(("sql", "organ", "what"), BROKEN)
def test_a_tree_broken_by_hand_gives_one_line_naming_the_organ(
    db_path: Path, sql: str, organ: str, what: str
) -> None:
    _break_by_hand(db_path, sql)
    runner = CliRunner()

    for args in (["compute"], ["show", "persons_prosecuted", "--period", "2020"]):
        result = runner.invoke(cli, [*args, "--db", str(db_path)])

        assert result.exit_code == 1, result.output
        said = " ".join(result.stderr.split())  # Rich wraps at the terminal's width
        assert said.startswith("error: organs table: organ " + organ), said
        assert said.count("error:") == 1 and what in said, said
        assert "Traceback" not in result.output


def test_the_web_service_answers_503_naming_the_organ(db_path: Path, tmp_path: Path) -> None:
    from kaoping.appdb import make_engine, session_scope
    from kaoping.web import create_app
    from kaoping.web.users import create_user

    _break_by_hand(db_path, BROKEN[0][0])
    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = make_engine(url)
    with session_scope(engine) as session:
        create_user(session, "admin", "a-password-1", "admin")
    engine.dispose()
    application = create_app(db=db_path, app_db=url, secret="test-secret-not-for-production")
    try:
        client = TestClient(application, raise_server_exceptions=False)
        r = client.post("/api/token", json={"username": "admin", "password": "a-password-1"})
        assert r.status_code == 200, r.text
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}

        answer = client.get("/api/organs", headers=headers)

        assert answer.status_code == 503, answer.text
        assert "organ '110000'" in answer.text and "cycle" in answer.text
    finally:
        application.state.kp.data.close()
