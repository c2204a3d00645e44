"""Web latency: what the dashboard's pages and the HTTP API cost under load (issue 12).

Builds (or reuses) a computed national warehouse, stores one published organ appraisal
run (scheme ``organs``, period 2020) and one published prosecutor run (``prosecutors``,
2020) in an application database beside it, creates one login per role (admin, officer,
leader, prosecutor; ``kaoping.web.demo.create_demo_users``), starts the real server
(``kaoping serve`` as a subprocess) and drives it over HTTP:

1. a warm-up: every request kind once, then ``--warmup`` random requests, not counted
   (the first request of each kind is printed: what a cold server costs);
2. a sequential pass, one request at a time over the four roles (the baseline of this
   run: what each kind costs on its own);
3. the concurrent pass: ``--clients`` threads (httpx), each logged in as one of the four
   roles in turn -- a bearer token (``POST /api/token``) for the API, a session cookie
   (``POST /login``) for the pages -- sending ``--requests`` requests in all.

Each request picks a kind from a fixed weighted mix (pages, API figures, briefings,
report downloads, appraisal runs and results; kinds a role may not call are not drawn
for it), then an organ of the client's scope (a level first, uniformly among the levels
in scope, then an organ of that level; organs with organs below for league tables), an
indicator and a period among the stored ones (``/api/indicators``, ``/api/periods``;
half the time the default period) and, for scorecards and appraisal results, a subject
of the stored runs the client may see (a prosecutor: himself, his organ).

Prints, per kind: requests, errors (not 200, timeouts of ``--timeout`` included), skipped
(a kind one of whose requests took over ``--cap-seconds`` on its own, in the warm-up or
the sequential pass, gets only ``--capped-more`` requests per pass, so that the run
finishes), p50, p95 and max in ms of the concurrent pass, its target, the sequential p50
and the ratio concurrent p50 / sequential p50; sorted by p95, the kinds with the 300 ms
target first, then briefings and reports with their own targets (issue 12). Ends with
``worst_p95_ms: X``, the worst p95 over the kinds with the 300 ms target.

    python benchmarks/web_latency.py                                   # build 2,000,000 persons
    python benchmarks/web_latency.py --db /tmp/kp/big/k.duckdb --requests 600
    python benchmarks/web_latency.py --reuse --requests 600           # the work dir's warehouse
    python benchmarks/web_latency.py --reuse --profile page_overview  # where the time goes

Measured on the 2-vCPU machine (shared with other jobs, load average ~5; 2,000,000
persons, 3,269 organs, 33,007 prosecutors; runs of 2,873 organs and 28,748 prosecutors;
``--reuse --requests 600 --sequential 100 --warmup 0``, 1 worker): 559 requests in 683 s
(0.8/s; page_scorecard capped at 3). Every kind misses its target; p50 / p95 ms:

    kind                  concurrent p50   p95    sequential p50
    page_scorecard            83,796     87,604      27,901
    page_result               34,776     69,809      10,011
    api_result                32,797     60,518       2,806
    page_indicator            27,976     56,331         507
    page_overview             27,465     43,771       1,291
    api_figure                15,323     27,799         110
    api_runs                  13,283     24,945          11
    page_briefing             77,179    102,152       8,718   (target 1 s)
    report_pdf                73,584     80,491      ~14,000  (target 4 s; warm-up)
    worst_p95_ms: 87604

Under load even the 11 ms kinds wait 10-25 s: the event loop itself waits for the
warehouse lock (``VersionPinning`` asks ``WebData.freshness()`` on it for every ``/api``
request), so one slow read stalls every client.

``--db`` copies the given computed warehouse into the work dir (never writes into it).
``--profile KIND`` serves nothing: it runs one kind (or ``--profile-path``) in-process
(``fastapi.testclient`` over ``kaoping.web.app.create_app``) under cProfile -- in the
worker threads FastAPI runs sync endpoints in -- and prints the top functions and the
DuckDB and SQL calls with their counts. For the real server under load, py-spy
(``py-spy record -p PID --format raw``) samples every thread, the event loop's too. The
work dir (default ``benchmarks/.work/web-latency``) is not committed.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import math
import os
import pstats
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / "benchmarks" / ".work" / "web-latency"
PASSWORD = "bench-latency-password-2020"
ROLES = ("admin", "officer", "leader", "prosecutor")
RUNS = (("organs", "2020"), ("prosecutors", "2020"))
HISTORY_KINDS = ("year", "half", "quarter", "month", "ytd")
#: rows of a run page, if it is paginated (the parameter the page is asked with)
RUN_PAGE_ROWS = 100


# --- the request mix --------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    name: str
    weight: float
    target_ms: float
    staff_only: bool
    build: Callable[[ClientScope, random.Random], str]

    @property
    def own_target(self) -> bool:
        """Briefings and reports have targets of their own, not the 300 ms of the rest."""
        return self.target_ms != 300


@dataclass
class ClientScope:
    """What one role sees: organs by level, league-table organs, periods, indicators,
    prosecutors, and the runs with their visible subjects."""

    role: str
    organs_by_level: dict[int, list[str]]
    parents: list[str]
    periods: list[str]
    default_period: str
    indicators: list[str]
    per_prosecutor: list[str]
    #: indicators with a denominator (the others have no denominator records: 404)
    with_denominator: set[str]
    prosecutors: list[str]
    runs: dict[int, list[str]] = field(default_factory=dict)

    @property
    def staff(self) -> bool:
        return self.role != "prosecutor"

    def organ(self, rng: random.Random) -> str:
        level = rng.choice(sorted(self.organs_by_level))
        return rng.choice(self.organs_by_level[level])

    def parent(self, rng: random.Random) -> str:
        return rng.choice(self.parents) if self.parents else self.organ(rng)

    def period(self, rng: random.Random) -> str:
        return self.default_period if rng.random() < 0.5 else rng.choice(self.periods)

    def run(self, rng: random.Random) -> tuple[int, list[str]]:
        run_id = rng.choice(sorted(self.runs))
        return run_id, self.runs[run_id]


def _p(s: ClientScope, r: random.Random) -> str:
    return f"period={s.period(r)}"


def _ind(s: ClientScope, r: random.Random) -> str:
    return r.choice(s.indicators)


def _records(s: ClientScope, r: random.Random, prefix: str) -> str:
    ind = _ind(s, r)
    sides = ("numerator", "denominator") if ind in s.with_denominator else ("numerator",)
    return (f"{prefix}/organs/{s.organ(r)}/indicators/{ind}/records?{_p(s, r)}"
            f"&side={r.choice(sides)}")


def _result(s: ClientScope, r: random.Random, prefix: str) -> str:
    run_id, subjects = s.run(r)
    return f"{prefix}/runs/{run_id}/results/{r.choice(subjects)}"


def _run_page(s: ClientScope, r: random.Random) -> str:
    run_id, subjects = s.run(r)
    pages = max(1, math.ceil(len(subjects) / RUN_PAGE_ROWS))
    page = 1 if r.random() < 0.5 else r.randint(1, pages)
    return f"/appraisal/runs/{run_id}" + (f"?page={page}" if page > 1 else "")


KINDS: list[Kind] = [
    # pages
    Kind("page_overview", 4, 300, False, lambda s, r: f"/organs/{s.organ(r)}?{_p(s, r)}"),
    Kind("page_indicators", 2, 300, False,
         lambda s, r: f"/organs/{s.organ(r)}/indicators?{_p(s, r)}"),
    Kind("page_indicator", 3, 300, False,
         lambda s, r: f"/organs/{s.organ(r)}/indicators/{_ind(s, r)}?{_p(s, r)}"),
    Kind("page_compare", 2, 300, False,
         lambda s, r: f"/organs/{s.parent(r)}/compare?indicator={_ind(s, r)}&{_p(s, r)}"),
    Kind("page_records", 1.5, 300, True, lambda s, r: _records(s, r, "")),
    Kind("page_scorecard", 2, 300, False,
         lambda s, r: f"/prosecutors/{r.choice(s.prosecutors)}?{_p(s, r)}"),
    Kind("page_appraisal", 1, 300, False, lambda s, r: "/appraisal"),
    Kind("page_run", 1, 300, False, _run_page),
    Kind("page_result", 1.5, 300, False, lambda s, r: _result(s, r, "/appraisal")),
    Kind("page_briefing", 0.7, 1000, True,
         lambda s, r: f"/organs/{s.organ(r)}/briefing?{_p(s, r)}"),
    # API
    Kind("api_figure", 4, 300, False,
         lambda s, r: f"/api/organs/{s.organ(r)}/indicators/{_ind(s, r)}?{_p(s, r)}"),
    Kind("api_organ_indicators", 2, 300, False,
         lambda s, r: f"/api/organs/{s.organ(r)}/indicators?{_p(s, r)}"),
    Kind("api_history", 2, 300, False,
         lambda s, r: f"/api/organs/{s.organ(r)}/indicators/{_ind(s, r)}/history"
         f"?kind={r.choice(HISTORY_KINDS)}"),
    Kind("api_ranking", 2, 300, False,
         lambda s, r: f"/api/organs/{s.parent(r)}/indicators/{_ind(s, r)}/ranking?{_p(s, r)}"),
    Kind("api_distribution", 2, 300, False,
         lambda s, r: f"/api/organs/{s.organ(r)}/indicators/{_ind(s, r)}/distribution"
         f"?{_p(s, r)}"),
    Kind("api_warnings", 2, 300, False,
         lambda s, r: f"/api/organs/{s.organ(r)}/warnings?{_p(s, r)}"
         f"&below={r.choice(('true', 'false'))}"),
    Kind("api_records", 1, 300, True, lambda s, r: _records(s, r, "/api") + "&limit=50"),
    Kind("api_prosecutors", 1, 300, True, lambda s, r: f"/api/organs/{s.organ(r)}/prosecutors"),
    Kind("api_prosecutor_figure", 1.5, 300, False,
         lambda s, r: f"/api/prosecutors/{r.choice(s.prosecutors)}/indicators/"
         f"{r.choice(s.per_prosecutor)}?{_p(s, r)}"),
    Kind("api_runs", 1, 300, False, lambda s, r: "/api/appraisal/runs"),
    Kind("api_run", 0.7, 300, False, lambda s, r: f"/api/appraisal/runs/{s.run(r)[0]}"),
    Kind("api_result", 1.5, 300, False, lambda s, r: _result(s, r, "/api/appraisal")),
    Kind("api_briefing", 0.7, 1000, True,
         lambda s, r: f"/api/organs/{s.organ(r)}/briefing?{_p(s, r)}"),
    Kind("report_xlsx", 0.3, 2000, True,
         lambda s, r: f"/api/organs/{s.organ(r)}/report?format=xlsx&{_p(s, r)}"),
    Kind("report_docx", 0.2, 4000, True,
         lambda s, r: f"/api/organs/{s.organ(r)}/report?format=docx&{_p(s, r)}"),
    Kind("report_pdf", 0.2, 4000, True,
         lambda s, r: f"/api/organs/{s.organ(r)}/report?format=pdf&{_p(s, r)}"),
]
BY_NAME = {k.name: k for k in KINDS}


def allowed(scope: ClientScope) -> list[Kind]:
    return [k for k in KINDS if (scope.staff or not k.staff_only)
            and (scope.runs or ("run" not in k.name and "result" not in k.name))]


def draw(scope: ClientScope, rng: random.Random, n: int) -> list[tuple[str, str]]:
    kinds = allowed(scope)
    picked = rng.choices(kinds, weights=[k.weight for k in kinds], k=n)
    return [(k.name, k.build(scope, rng)) for k in picked]


# --- building the warehouse ---------------------------------------------------------------


def kaoping(*args: str) -> None:
    """Run the kaoping CLI of this interpreter (PYTHONPATH decides which checkout)."""
    subprocess.run([sys.executable, "-m", "kaoping", *args], check=True)


def build(work: Path, persons: int, seed: int, source: Path | None, reuse: bool) -> Path:
    db = work / "warehouse.duckdb"
    if reuse and db.exists():
        print(f"reusing the warehouse {db}")
        return db
    work.mkdir(parents=True, exist_ok=True)
    for old in (db, work / "app.db", work / "kaoping-secret.key"):
        old.unlink(missing_ok=True)
    t = time.perf_counter()
    if source is not None:
        shutil.copyfile(source, db)  # never write into the source
        print(f"copied {source} in {time.perf_counter() - t:.0f} s")
        return db
    data = work / "data"
    shutil.rmtree(data, ignore_errors=True)
    kaoping("generate", "--out", str(data), "--persons", str(persons), "--years", "2019-2020",
            "--seed", str(seed), "--format", "parquet")
    kaoping("import", *map(str, sorted(data.glob("*.parquet"))), "--db", str(db))
    kaoping("compute", "--db", str(db))
    shutil.rmtree(data, ignore_errors=True)
    print(f"generated, imported and computed in {time.perf_counter() - t:.0f} s")
    return db


def appraise(db: Path, app_db: str, reuse: bool) -> None:
    """One published run per scheme (run_appraisal returns a stored run for the same inputs,
    but hashes every record first: with ``reuse`` a published run of the scheme is kept)."""
    from kaoping.appdb import make_engine
    from kaoping.appraisal import load_scheme, publish_run, run_appraisal
    from kaoping.appraisal.runs import list_runs
    from kaoping.web.demo import create_demo_users

    engine = make_engine(app_db)
    try:
        stored = {(r.scheme_id, r.period) for r in list_runs(engine) if r.status == "published"}
        for scheme, period in RUNS:
            if reuse and (load_scheme(scheme).id, period) in stored:
                print(f"appraisal {scheme} {period}: reusing the published run")
                continue
            t = time.perf_counter()
            run = run_appraisal(db, load_scheme(scheme), period, engine, user="bench")
            if run.status == "draft":
                run = publish_run(engine, run.run_id, user="bench")
            print(f"appraisal {scheme} {period}: run {run.run_id}, {run.subjects:,} subjects, "
                  f"{run.status} ({time.perf_counter() - t:.1f} s)")
    finally:
        engine.dispose()
    for u in create_demo_users(db, app_db, password=PASSWORD):
        print(f"login {u.username:10s} {u.role:10s} organ {u.organ_code or '-':8s} "
              f"prosecutor {u.prosecutor_id or '-'}")


def describe(db: Path) -> None:
    import duckdb

    import kaoping as kp

    con = duckdb.connect(str(db), read_only=True)
    try:
        persons = con.execute("SELECT count(*) FROM persons").fetchone()
        organs = con.execute("SELECT count(*) FROM organs").fetchone()
        pros = con.execute("SELECT count(*) FROM prosecutors").fetchone()
    finally:
        con.close()
    print(f"kaoping {getattr(kp, '__version__', '?')}; warehouse {db} "
          f"{db.stat().st_size / 1e6:,.0f} MB: {persons[0] if persons else 0:,} persons, "
          f"{organs[0] if organs else 0:,} organs, {pros[0] if pros else 0:,} prosecutors")


# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(db: Path, app_db: str, port: int, workers: int,
           log: Path) -> Iterator[tuple[str, int]]:
    """``kaoping serve`` in its own session, stopped at the end (also on Ctrl-C); yields its
    address and its session id (its pid), which every process it starts shares."""
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "KAOPING_SECRET_KEY": "bench-latency-secret-not-for-production"}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kaoping", "serve", "--port", str(port), "--db", str(db),
             "--app-db", app_db, "--workers", str(workers)],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"the server exited ({proc.returncode}); see {log}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/login", timeout=5).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit(f"the server did not answer in 120 s; see {log}")
            time.sleep(0.3)
        print(f"server pid {proc.pid} at {base}, {workers} worker(s); log {log}")
        yield base, proc.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def session_cpu(sid: int, workers: int) -> dict[str, float]:
    """CPU seconds (user + system) of the live processes of session ``sid`` (``kaoping
    serve`` and what it started), by role: the serving processes and the render
    processes (each serving process's multiprocessing child: with one worker the server
    serves and its children render; with several, its children serve and theirs
    render). Linux only (``/proc``); what a process that ended used is not counted."""
    tick = os.sysconf("SC_CLK_TCK")
    parent: dict[int, int] = {}
    used: dict[int, float] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) != sid:  # field 6 of stat, the session id
            continue
        parent[int(d.name)] = int(fields[1])
        used[int(d.name)] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime

    def depth(pid: int) -> int:
        return 0 if pid == sid or pid not in parent else 1 + depth(parent[pid])

    serving_depth = 0 if workers <= 1 else 1
    out = {"serving": 0.0, "render": 0.0}
    for pid, seconds in used.items():
        out["serving" if depth(pid) <= serving_depth else "render"] += seconds
    return out


# --- clients ------------------------------------------------------------------------------


class Session:
    """One logged-in user: a bearer token for /api, a session cookie for the pages."""

    def __init__(self, base: str, role: str, timeout: float) -> None:
        self.role = role
        self.pages = httpx.Client(base_url=base, timeout=timeout, follow_redirects=False)
        r = self.pages.post("/login", data={"username": role, "password": PASSWORD, "next": "/"})
        if r.status_code != 303:
            raise SystemExit(f"page login as {role} answered {r.status_code}")
        self.api = httpx.Client(base_url=base, timeout=timeout)
        r = self.api.post("/api/token", json={"username": role, "password": PASSWORD})
        r.raise_for_status()
        self.api.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

    def get(self, path: str) -> int:
        client = self.api if path.startswith("/api/") else self.pages
        r = client.get(path)
        r.read()
        return r.status_code

    def close(self) -> None:
        self.pages.close()
        self.api.close()


class Api(Protocol):
    def get(self, path: str) -> Any: ...


def discover(api: Api, role: str) -> ClientScope:
    """What ``role`` sees, read through the API with its token (not timed)."""
    me = api.get("/api/me").json()
    organs = api.get("/api/organs").json()
    periods = api.get("/api/periods").json()
    defs = api.get("/api/indicators").json()
    by_level: dict[int, list[str]] = {}
    for o in organs:
        by_level.setdefault(int(o["level"]), []).append(o["organ_code"])
    codes = {o["organ_code"] for o in organs}
    parents = sorted({o["parent_code"] for o in organs if o["parent_code"] in codes})
    runs: dict[int, list[str]] = {}
    prosecutors: list[str] = []
    for run in api.get("/api/appraisal/runs").json():
        if run["status"] != "published":
            continue
        detail = api.get(f"/api/appraisal/runs/{run['run_id']}").json()
        subjects = [r["subject"] for r in detail["results"]]
        if subjects:
            runs[int(run["run_id"])] = subjects
        if run["subject_type"] == "prosecutor":
            prosecutors += subjects
    if me.get("prosecutor_id"):
        prosecutors = [me["prosecutor_id"]]
    if not prosecutors:  # no prosecutor run in scope: the prosecutors of a grassroots organ
        leaf = by_level[max(by_level)][0]
        prosecutors = [p["prosecutor_id"] for p in
                       api.get(f"/api/organs/{leaf}/prosecutors").json()]
    return ClientScope(
        role=role, organs_by_level=by_level, parents=parents,
        periods=list(periods["periods"]), default_period=str(periods["default"]),
        indicators=[d["id"] for d in defs],
        per_prosecutor=[d["id"] for d in defs if d["per_prosecutor"]],
        with_denominator={d["id"] for d in defs if d["denominator"]},
        prosecutors=sorted(set(prosecutors)), runs=runs,
    )


@dataclass
class Sample:
    kind: str
    ms: float
    status: int  # 0: timeout or transport error


class Cap:
    """A kind one of whose requests took over ``seconds`` on its own (warm-up, sequential
    pass) gets at most ``more`` requests in the concurrent pass, so that a pathological
    kind cannot hold the whole run up. Latency under load never caps a kind: there every
    kind waits for the slow ones."""

    def __init__(self, seconds: float, more: int) -> None:
        self.seconds, self.more = seconds, more
        self.left: dict[str, int] = {}
        self.skipped: dict[str, int] = {}
        self.lock = threading.Lock()

    def skip(self, kind: str) -> bool:
        with self.lock:
            if kind not in self.left:
                return False
            if self.left[kind] <= 0:
                self.skipped[kind] = self.skipped.get(kind, 0) + 1
                return True
            self.left[kind] -= 1
            return False

    def note(self, kind: str, ms: float) -> None:
        if ms > self.seconds * 1000:
            with self.lock:
                if kind not in self.left:
                    print(f"  {kind}: one request took {ms / 1000:.0f} s; at most {self.more} "
                          "more of this kind per pass", flush=True)
                    self.left[kind] = self.more

    def next_pass(self) -> None:
        with self.lock:
            self.left = dict.fromkeys(self.left, self.more)


def send(session: Session, kind: str, path: str, cap: Cap | None,
         learn: bool) -> Sample | None:
    """One request, unless its kind is capped; with ``learn``, a slow one caps its kind."""
    if cap is not None and cap.skip(kind):
        return None
    t = time.perf_counter()
    try:
        status = session.get(path)
    except httpx.HTTPError:
        status = 0
    ms = (time.perf_counter() - t) * 1000
    if cap is not None and learn:
        cap.note(kind, ms)
    return Sample(kind, ms, status)


def sequential(sessions: dict[str, Session], plan: list[tuple[str, str, str]],
               cap: Cap) -> list[Sample]:
    out = []
    for role, kind, path in plan:
        got = send(sessions[role], kind, path, cap, learn=True)
        if got is not None:
            out.append(got)
    return out


def concurrent(base: str, scopes: dict[str, ClientScope], clients: int, requests: int,
               seed: int, timeout: float, cap: Cap, sid: int,
               workers: int) -> tuple[list[Sample], float, dict[str, float]]:
    """``clients`` threads, roles round robin, ``requests`` in all; returns samples, wall s
    and the CPU seconds the server's processes (:func:`session_cpu` of ``sid``) and these
    clients used from the first request to the last (the logins before are left out)."""
    sessions = [Session(base, ROLES[i % len(ROLES)], timeout) for i in range(clients)]
    plans = []
    for i, s in enumerate(sessions):
        n = requests // clients + (1 if i < requests % clients else 0)
        plans.append(draw(scopes[s.role], random.Random(seed * 1000 + i), n))
    samples: list[Sample] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def work(s: Session, plan: list[tuple[str, str]]) -> None:
        start.wait()
        mine = [x for kind, path in plan
                if (x := send(s, kind, path, cap, learn=False)) is not None]
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=work, args=(s, p), daemon=True)
               for s, p in zip(sessions, plans, strict=True)]
    for th in threads:
        th.start()
    cpu0, own0 = session_cpu(sid, workers), os.times()
    start.wait()
    t = time.perf_counter()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t
    cpu1, own1 = session_cpu(sid, workers), os.times()
    for s in sessions:
        s.close()
    used = {k: cpu1[k] - cpu0[k] for k in cpu0}
    used["clients"] = own1.user + own1.system - own0.user - own0.system
    return samples, wall, used


# --- the report ---------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), linear between the closest ranks."""
    if not values:
        return math.nan
    v = sorted(values)
    k = (len(v) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def report(samples: list[Sample], baseline: list[Sample], cap: Cap) -> None:
    by: dict[str, list[Sample]] = {}
    for s in samples:
        by.setdefault(s.kind, []).append(s)
    seq: dict[str, list[float]] = {}
    for s in baseline:
        seq.setdefault(s.kind, []).append(s.ms)
    rows = []
    for kind in {*by, *cap.skipped}:
        got = by.get(kind, [])
        ms = [s.ms for s in got]
        rows.append((BY_NAME[kind], len(got), sum(s.status != 200 for s in got),
                     cap.skipped.get(kind, 0), pct(ms, 50), pct(ms, 95),
                     max(ms) if ms else math.nan, pct(seq.get(kind, []), 50)))
    head = (f"{'kind':22s} {'n':>5s} {'err':>4s} {'skip':>4s} {'p50':>8s} {'p95':>8s} "
            f"{'max':>8s} {'target':>7s} {'seq_p50':>8s} {'conc/seq':>8s}  ok")

    def line(r: tuple[Any, ...]) -> str:
        k, n, err, skip, p50, p95, mx, sp50 = r
        ok = "yes" if p95 < k.target_ms and (k.own_target or p50 < 100) and not err else "NO"
        ratio = p50 / sp50 if sp50 and not math.isnan(sp50) else math.nan
        return (f"{k.name:22s} {n:5d} {err:4d} {skip:4d} {p50:8.0f} {p95:8.0f} {mx:8.0f} "
                f"{k.target_ms:7.0f} {sp50:8.0f} {ratio:8.1f}  {ok}")

    def order(r: tuple[Any, ...]) -> float:
        return -r[5] if not math.isnan(r[5]) else 0.0

    main = sorted([r for r in rows if not r[0].own_target], key=order)
    own = sorted([r for r in rows if r[0].own_target], key=order)
    print("\nconcurrent pass, ms (target: p95; the 300 ms kinds also need p50 < 100)")
    print(head)
    for r in main:
        print(line(r))
    print("\nbriefings and reports (targets of their own)")
    print(head)
    for r in own:
        print(line(r))
    errors: dict[str, dict[int, int]] = {}
    for s in samples:
        if s.status != 200:
            errors.setdefault(s.kind, {}).setdefault(s.status, 0)
            errors[s.kind][s.status] += 1
    if errors:
        print("\nerrors (status 0: timeout or connection error): " + "; ".join(
            f"{k} " + ", ".join(f"{st} x{n}" for st, n in sorted(v.items()))
            for k, v in sorted(errors.items())))
    worst = max((r for r in main if not math.isnan(r[5])), key=lambda r: r[5], default=None)
    if worst is not None:
        print(f"\nworst_p95_kind: {worst[0].name}")
    print(f"worst_p95_ms: {worst[5] if worst else math.nan:.0f}")


# --- profiling in-process -----------------------------------------------------------------


@contextlib.contextmanager
def profiled_threads(prof: cProfile.Profile) -> Iterator[None]:
    """Profile what runs in AnyIO's worker threads: FastAPI runs sync endpoints and sync
    dependencies there, so a profile of the calling thread would see only waiting. (What
    runs on the event loop itself, e.g. middleware, is not in it: see py-spy for that.)"""
    import anyio.to_thread

    real = anyio.to_thread.run_sync

    async def run_sync(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        def call(*a: Any) -> Any:
            prof.enable()
            try:
                return func(*a)
            finally:
                prof.disable()

        return await real(call, *args, **kwargs)

    anyio.to_thread.run_sync = run_sync  # type: ignore[assignment]
    try:
        yield
    finally:
        anyio.to_thread.run_sync = real


def profile(db: Path, app_db: str, kind_name: str, role: str, repeat: int, seed: int,
            top: int, path: str | None) -> None:
    """One kind ``repeat`` times through TestClient under cProfile: top functions, DuckDB."""
    from fastapi.testclient import TestClient

    from kaoping.web.app import create_app

    kind = BY_NAME[kind_name]
    app = create_app(db=db, app_db=app_db, secret="bench-latency-secret-not-for-production")
    with TestClient(app, base_url="http://127.0.0.1") as tc:
        class InProcess(Session):
            def __init__(self) -> None:
                self.role = role
                r = tc.post("/login", data={"username": role, "password": PASSWORD},
                            follow_redirects=False)
                assert r.status_code == 303, r.status_code
                r = tc.post("/api/token", json={"username": role, "password": PASSWORD})
                self.headers = {"Authorization": f"Bearer {r.json()['access_token']}"}

            def get(self, path: str) -> int:
                headers = self.headers if path.startswith("/api/") else {}
                return tc.get(path, headers=headers, follow_redirects=False).status_code

        s = InProcess()

        class InProcessApi:
            def get(self, path: str) -> Any:
                return tc.get(path, headers=s.headers)

        scope = discover(InProcessApi(), role)
        rng = random.Random(seed)
        paths = [path] * repeat if path else [kind.build(scope, rng) for _ in range(repeat)]
        t = time.perf_counter()
        s.get(paths[0])  # warm the caches the first request fills
        print(f"  warm-up {(time.perf_counter() - t) * 1000:8.0f} ms  {paths[0]}")
        prof = cProfile.Profile()
        times = []
        with profiled_threads(prof):
            for p in paths:
                t = time.perf_counter()
                status = s.get(p)
                times.append((time.perf_counter() - t) * 1000)
                print(f"  {status} {times[-1]:8.0f} ms  {p}")
    print(f"{kind_name} as {role}: median {pct(times, 50):.0f} ms over {repeat}")
    buf = io.StringIO()
    st = pstats.Stats(prof, stream=buf)
    st.sort_stats("cumulative").print_stats(top)
    print(buf.getvalue())
    buf = io.StringIO()
    st = pstats.Stats(prof, stream=buf)
    st.sort_stats("tottime").print_stats(top)
    print(buf.getvalue())
    buf = io.StringIO()
    st = pstats.Stats(prof, stream=buf)
    st.sort_stats("tottime").print_stats("duckdb|execute|fetch|sql")
    print("DuckDB and SQL calls (ncalls over all repeats):")
    print(buf.getvalue())


# --- main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=2_000_000)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="work dir")
    parser.add_argument("--reuse", action="store_true", help="reuse the work dir's warehouse")
    parser.add_argument("--db", type=Path, help="a computed warehouse to copy and use")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000, help="concurrent pass, total")
    parser.add_argument("--sequential", type=int, default=None,
                        help="requests of the sequential baseline (default requests / 5)")
    parser.add_argument("--warmup", type=int, default=20,
                        help="random requests after one of each kind, not timed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    parser.add_argument("--timeout", type=float, default=120, help="per request, seconds")
    parser.add_argument("--cap-seconds", type=float, default=30,
                        help="a kind one of whose requests takes longer gets few more")
    parser.add_argument("--capped-more", type=int, default=3,
                        help="requests a kind still gets after one exceeded --cap-seconds")
    parser.add_argument("--kinds", help="only these kinds, comma-separated")
    parser.add_argument("--profile", metavar="KIND", help="profile one kind in-process")
    parser.add_argument("--profile-role", choices=ROLES, default="admin")
    parser.add_argument("--profile-repeat", type=int, default=5)
    parser.add_argument("--profile-path", help="profile this request (of --profile's kind)")
    parser.add_argument("--profile-top", type=int, default=30)
    args = parser.parse_args()
    if args.kinds:
        wanted = set(args.kinds.split(","))
        KINDS[:] = [k for k in KINDS if k.name in wanted]
    work: Path = args.dir.resolve()
    db = build(work, args.persons, args.seed, args.db, args.reuse or bool(args.profile))
    app_db = f"sqlite:///{work / 'app.db'}"
    describe(db)
    appraise(db, app_db, args.reuse or bool(args.profile))
    if args.profile:
        profile(db, app_db, args.profile, args.profile_role, args.profile_repeat, args.seed,
                args.profile_top, args.profile_path)
        return

    port = args.port or free_port()
    with server(db, app_db, port, args.workers, work / "server.log") as (base, sid):
        sessions = {role: Session(base, role, args.timeout) for role in ROLES}
        scopes = {role: discover(s.api, role) for role, s in sessions.items()}
        for role, sc in scopes.items():
            print(f"{role:10s} organs {sum(map(len, sc.organs_by_level.values())):5,d} "
                  f"(levels {sorted(sc.organs_by_level)}), prosecutors {len(sc.prosecutors):,}, "
                  f"runs {[f'{r}: {len(v):,} rows' for r, v in sc.runs.items()]}")
        cap = Cap(args.cap_seconds, args.capped_more)
        rng = random.Random(args.seed)

        # warm-up: every kind once (as admin, or the prosecutor where admin may not), then
        # random requests; the server's caches fill here, not in the timed passes
        t = time.perf_counter()
        warm = [("admin", k.name, k.build(scopes["admin"], rng)) for k in KINDS]
        warm.append(("prosecutor", "page_scorecard",
                     BY_NAME["page_scorecard"].build(scopes["prosecutor"], rng)))
        for _ in range(args.warmup):
            role = rng.choice(ROLES)
            warm += [(role, *x) for x in draw(scopes[role], rng, 1)]
        first = sequential(sessions, warm, cap)
        print(f"warm-up: {len(first)} requests in {time.perf_counter() - t:.0f} s "
              f"({sum(s.status != 200 for s in first)} not 200); the first of each kind:")
        for s, (role, _, path) in list(zip(first, warm, strict=True))[: len(KINDS) + 1]:
            print(f"  {s.kind:22s} {s.ms:8.0f} ms  {s.status}  {role:10s} {path}")

        cap.next_pass()
        n_seq = args.sequential if args.sequential is not None else max(len(KINDS),
                                                                        args.requests // 5)
        plan = []
        for i in range(n_seq):
            role = ROLES[i % len(ROLES)]
            plan += [(role, *x) for x in draw(scopes[role], rng, 1)]
        t, cpu0 = time.perf_counter(), session_cpu(sid, args.workers)
        baseline = sequential(sessions, plan, cap)
        cpu1 = session_cpu(sid, args.workers)
        per = (cpu1["serving"] - cpu0["serving"]) / max(len(baseline), 1) * 1000
        print(f"sequential pass: {len(baseline)} requests in {time.perf_counter() - t:.0f} s; "
              f"serving CPU {per:.0f} ms per request")
        for s in sessions.values():
            s.close()

        cap.next_pass()
        cap.skipped.clear()
        samples, wall, used = concurrent(base, scopes, args.clients, args.requests,
                                         args.seed, args.timeout, cap, sid, args.workers)
        print(f"concurrent pass: {len(samples)} requests, {args.clients} clients, "
              f"{wall:.0f} s, {len(samples) / wall:.1f} requests/s")
        clients_cpu = used["clients"]
        n = max(len(samples), 1)
        print(f"CPU over the concurrent pass: serving {used['serving']:.1f} s "
              f"({used['serving'] / n * 1000:.0f} ms per request), render "
              f"{used['render']:.1f} s, clients {clients_cpu:.1f} s "
              f"({clients_cpu / n * 1000:.0f} ms per request); "
              f"{os.cpu_count()} cores x {wall:.0f} s = {(os.cpu_count() or 1) * wall:.0f} s")
    report(samples, baseline, cap)


if __name__ == "__main__":
    main()
