"""What several test packages share: a real warehouse built from generated data."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from kaoping.model.schema import TABLES


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: Iterable[Sequence[Any]],
                columns: Sequence[str] | None = None) -> None:
    """Insert hand-built rows; ``columns`` default to the data model's, in its order."""
    cols = list(columns if columns is not None else TABLES[table].column_names)
    frame = pd.DataFrame(list(rows), columns=cols)
    if frame.empty:
        return
    names = ", ".join(f'"{c}"' for c in cols)
    con.register("__rows", frame)
    try:
        con.execute(f'INSERT INTO "{table}" ({names}) SELECT {names} FROM __rows')
    finally:
        con.unregister("__rows")


def build_warehouse(
    root: Path,
    *,
    persons: int,
    seed: int,
    indicators: Iterable[str] | None = None,
    years: tuple[int, ...] = (2020,),
    db_name: str = "kaoping.duckdb",
) -> Path:
    """Generate a dataset under ``root``, import it the way users do, compute ``indicators``.

    The import goes through ``kaoping.ingest`` (not a raw copy) so that every suite built on
    it also exercises the validated path real exports take.
    """
    import kaoping
    from kaoping.ingest import import_files
    from kaoping.synth import generate_dataset
    from kaoping.warehouse import connect

    paths = generate_dataset(root / "data", persons=persons, years=(2019, 2020), seed=seed,
                             fmt="parquet")
    db = root / db_name
    con = connect(db)
    try:
        import_files(con, list(paths.values()))
    finally:
        con.close()
    with kaoping.Warehouse(db) as wh:
        chosen = None if indicators is None else [i for i in indicators if i in wh.catalogue]
        wh.compute(years=list(years), indicators=chosen)
    return db


#: the tables of a generated dataset that a raw load copies (every table but the ones
#: the generator does not write)
GENERATED_TABLES = ("organs", "prosecutors", "crimes", "persons", "suggestions", "petitions",
                    "leads", "property_returns", "quality_reviews", "public_interest_cases")


def load_generated(root: Path, *, persons: int, seed: int) -> tuple[Path, dict[str, Path]]:
    """Generate a dataset of 2019-2020 under ``root`` and copy it into a new warehouse as
    it is (no validation: quicker than :func:`build_warehouse` where the import is not
    what a test is about). Returns the warehouse and the generated files by table."""
    from kaoping.synth import generate_dataset
    from kaoping.warehouse import connect

    files = generate_dataset(root / "data", persons=persons, years=(2019, 2020), seed=seed)
    db = root / "w.duckdb"
    con = connect(db)
    try:
        for table in GENERATED_TABLES:
            con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM read_parquet(?)',
                        [str(files[table])])
    finally:
        con.close()
    return db, files


ADMIN_PASSWORD = "helper-admin-password-1"


@contextmanager
def admin_client(db: Path, tmp_path: Path) -> Iterator[tuple[Any, dict[str, str]]]:
    """A web application over the warehouse ``db`` with one admin user: (a client
    logged in through the login form, the admin's bearer headers for the API)."""
    from fastapi.testclient import TestClient

    from kaoping.appdb import make_engine, session_scope
    from kaoping.web import create_app
    from kaoping.web.users import create_user

    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = make_engine(url)
    with session_scope(engine) as session:
        create_user(session, "admin", ADMIN_PASSWORD, "admin")
    engine.dispose()
    app = create_app(db=db, app_db=url, secret="helper-secret-not-for-production")
    try:
        client = TestClient(app, raise_server_exceptions=True)
        login = {"username": "admin", "password": ADMIN_PASSWORD}
        token = client.post("/api/token", json=login).json()["access_token"]
        client.post("/login", data=login)
        yield client, {"Authorization": f"Bearer {token}"}
    finally:
        app.state.kp.data.close()
