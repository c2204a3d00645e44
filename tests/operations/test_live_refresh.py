"""`kaoping serve` keeps answering while `import` and `compute` run, with no restart.

A real server process reads the warehouse while an import of a new month's export and a
computation run in other processes, and a client reads five API endpoints and three
pages in a loop the whole time: no request may fail, every figure must be consistent in
itself (one computation's numerator, denominator and value), the stale flag must appear
after the import and go after the computation, and every request made after the
computation has ended must be answered with the new figures (the server reads the version
published when a request arrives; how soon a loaded machine gets to the next request is
not what is tested).
"""

from __future__ import annotations

import math
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.operations.ops import compute_args, env_for, kaoping_cmd, run, split_persons

from kaoping.synth import generate_dataset
from kaoping.web.server import free_port

PASSWORD = "live-refresh-password-1"
ROOT = "000000"


@dataclass
class Loop:
    """A client reading endpoints until told to stop, recording what it saw."""

    base: str
    token: str
    cookies: dict[str, str]
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    inconsistent: list[str] = field(default_factory=list)
    stale_seen: list[tuple[float, bool]] = field(default_factory=list)
    december: list[tuple[float, float | None]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def endpoints(self) -> list[tuple[str, bool]]:
        api = [
            f"/api/organs/{ROOT}/indicators/persons_prosecuted?period=2020-12",
            f"/api/organs/{ROOT}/indicators/non_prosecution_rate?period=2020",
            f"/api/organs/{ROOT}/indicators?period=2020",
            f"/api/organs/{ROOT}/warnings?period=2020",
            f"/api/organs/{ROOT}/indicators/non_arrest_rate/history?kind=month",
            "/api/freshness",
        ]
        pages = [
            f"/organs/{ROOT}?period=2020",
            f"/organs/{ROOT}/indicators",
            f"/organs/{ROOT}/indicators/non_prosecution_rate?period=2020",
        ]
        return [(u, True) for u in api] + [(u, False) for u in pages]

    def run(self) -> None:
        bearer = {"Authorization": f"Bearer {self.token}"}
        with (
            httpx.Client(base_url=self.base, timeout=30, headers=bearer) as api,
            httpx.Client(base_url=self.base, timeout=30, cookies=self.cookies) as pages,
        ):
            while not self.stop.is_set():
                for url, is_api in self.endpoints():
                    self.one(api if is_api else pages, url, is_api)

    def one(self, client: httpx.Client, url: str, is_api: bool) -> None:
        started = time.monotonic()
        try:
            r = client.get(url)
        except httpx.HTTPError as exc:
            self.failures.append(f"{url}: {exc!r}")
            return
        self.requests += 1
        if r.status_code != 200:
            self.failures.append(f"{url}: {r.status_code} {r.text[:300]}")
            return
        if not is_api:
            return
        body = r.json()
        if url == "/api/freshness":
            self.stale_seen.append((time.monotonic(), bool(body["stale"])))
            if r.headers.get("x-kaoping-stale") != ("true" if body["stale"] else "false"):
                self.inconsistent.append(f"{url}: header and body disagree")
        for value in _values(body):
            _check(value, self.inconsistent)
        if "persons_prosecuted" in url:
            self.december.append((started, body["value"]))


def _values(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict) and "numerator" in body:
        return [body]
    if isinstance(body, list):
        return [c["value"] for c in body if isinstance(c, dict) and "value" in c]
    return []


def _check(v: dict[str, Any], bad: list[str]) -> None:
    """A figure is one computation's: its value is its numerator over its denominator."""
    num, den, value = v.get("numerator"), v.get("denominator"), v.get("value")
    if v.get("unit") == "rate" and den:
        if value is None or not math.isclose(value, num / den, rel_tol=1e-9):
            bad.append(f"{v['indicator']}: {num}/{den} != {value}")
    elif v.get("unit") == "count" and value is not None and value != num:
        bad.append(f"{v['indicator']}: value {value} != numerator {num}")


def _login(base: str) -> tuple[str, dict[str, str]]:
    r = httpx.post(f"{base}/api/token", json={"username": "officer", "password": PASSWORD})
    r.raise_for_status()
    page = httpx.post(f"{base}/login", data={"username": "officer", "password": PASSWORD},
                      follow_redirects=False)
    assert page.status_code == 303, page.text[:300]
    return r.json()["access_token"], dict(page.cookies)


def _wait_up(base: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not start")


@pytest.mark.parametrize(("workers", "app_db_kind"), [(1, "sqlite"), (2, "postgresql")])
def test_serve_answers_throughout_import_and_compute(
    tmp_path: Path, workers: int, app_db_kind: str, request: pytest.FixtureRequest
) -> None:
    files = generate_dataset(tmp_path / "data", persons=4000, years=(2019, 2020), seed=5,
                             fmt="parquet")
    early, whole = split_persons(files["persons"], tmp_path, "2020-12-01")
    db = tmp_path / "kaoping.duckdb"
    app_db = (
        f"sqlite:///{tmp_path / 'app.db'}"
        if app_db_kind == "sqlite"
        else str(request.getfixturevalue("postgres_url"))
    )
    others = [str(p) for name, p in files.items() if name != "persons"]
    run(db, "import", *others, str(early))
    run(db, *compute_args())
    run(db, "users", "add", "officer", "--role", "officer", "--organ", ROOT, app_db=app_db,
        input=PASSWORD + "\n")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        kaoping_cmd("serve", "--port", str(port), "--workers", str(workers)),
        env=env_for(db, app_db), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        _wait_up(base, server)
        token, cookies = _login(base)
        loop = Loop(base, token, cookies)
        reader = threading.Thread(target=loop.run, daemon=True)
        reader.start()
        deadline = time.monotonic() + 60
        while len(loop.december) < 2 and time.monotonic() < deadline and not loop.failures:
            time.sleep(0.2)
        assert loop.failures == [], loop.failures[:5]
        before = [v for _, v in loop.december]
        assert before and before[-1] == 0, "December prosecutions before the new month"

        run(db, "import", str(whole))
        imported = time.monotonic()
        _wait(lambda: any(s for t, s in loop.stale_seen if t > imported), 30)
        assert any(s for t, s in loop.stale_seen if t > imported), "no stale flag after import"

        run(db, *compute_args())
        computed = time.monotonic()
        expected = _show(db)
        assert expected > 0
        _wait(lambda: any(t > computed for t, _ in loop.december), 120)
        _wait(lambda: any(t > computed + 10 for t, _ in loop.stale_seen), 120)
        loop.stop.set()
        reader.join(timeout=60)
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert loop.failures == [], loop.failures[:5]
    assert loop.inconsistent == [], loop.inconsistent[:5]
    assert loop.requests > 30
    # requests started after the computation had published: all of them see it
    seen = [(t - computed, v) for t, v in loop.december if t > computed]
    assert seen, "no request was made after the computation"
    assert all(v == expected for _, v in seen), f"an old figure after publishing: {seen[:5]}"
    assert [s for t, s in loop.stale_seen if t > computed + 10][-1:] == [False]


def _wait(condition: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.1)


def _show(db: Path) -> float:
    import json

    out = run(db, "show", "persons_prosecuted", "--period", "2020-12", "--json")
    value: float = json.loads(out.stdout)["value"]
    return value
