"""An import or a computation killed at any moment loses nothing.

Each is started as users start it (``kaoping import`` / ``kaoping compute`` in a process
of its own) and killed with SIGKILL after a random delay, twenty times: afterwards the
published warehouse is exactly as before -- every table's row count, a checksum of the
persons, the data version and a checksum of every stored figure -- or, when the kill
came after the publication, exactly as a complete run leaves it. Never anything in
between. The next run then completes.
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from tests.operations.ops import compute_args, env_for, kaoping_cmd, run, state

from kaoping.synth import generate_dataset

KILLS = 20


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("kill")
    files = generate_dataset(root / "data", persons=3000, years=(2019, 2020), seed=3,
                             fmt="parquet")
    db = root / "kaoping.duckdb"
    run(db, "import", *[str(p) for p in files.values()])
    run(db, *compute_args())
    # a correction export: other decisions for a tenth of the persons
    persons = pd.read_parquet(files["persons"])
    changed = persons.sample(frac=0.1, random_state=1).copy()
    changed["sentence_months"] = changed["sentence_months"].fillna(0) + 1
    correction = root / "correction" / "persons.parquet"
    correction.parent.mkdir()
    changed.to_parquet(correction, index=False)
    return {"root": root, "db": db, "correction": correction}


def _kill_after(db: Path, args: list[str], delay: float) -> int | None:
    """Start ``kaoping ARGS``, SIGKILL it after ``delay`` seconds; its exit code if it
    ended first."""
    proc = subprocess.Popen(kaoping_cmd(*args), env=env_for(db), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=delay)
        return proc.returncode
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return None


def _until_published(db: Path, args: list[str]) -> float:
    """Run ``kaoping ARGS`` to the end; how long it took to publish its version (the
    warehouse file replaced by a rename: a new inode).

    Kills are drawn up to about this moment, not up to the process's end: what a run does
    after publishing (its summary, the interpreter's exit) is a varying share of a short
    run, and kills landing there would test nothing."""
    first = db.stat().st_ino
    proc = subprocess.Popen(kaoping_cmd(*args), env=env_for(db), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    published = None
    while proc.poll() is None:
        if published is None and db.exists() and db.stat().st_ino != first:
            published = time.monotonic() - t0
        time.sleep(0.005)
    assert proc.returncode == 0, f"kaoping {' '.join(args)} failed"
    return published if published is not None else time.monotonic() - t0


def _exercise(base: dict[str, Any], tag: str, args: list[str], prepare: Any) -> None:
    """Kill ``kaoping ARGS`` at random points; the state is always before or after."""
    work = base["root"] / tag
    work.mkdir()
    db = work / "kaoping.duckdb"
    start = work / "start.duckdb"
    prepare(db)
    shutil.copyfile(db, start)
    before = state(db)
    # timed twice: the first run of a fresh checkout also compiles every module it imports
    _until_published(db, args)
    shutil.copyfile(start, db)
    duration = _until_published(db, args)
    after = state(db)
    assert after != before, "the run under test changes nothing: nothing would be caught"
    rng = random.Random(2024)
    outcomes = {"before": 0, "after": 0}
    # Kills are drawn up to a bound that starts a little past the measured publication
    # and shrinks below any kill that came after it: on a loaded machine one run's timing
    # says little about the next one's, and a fixed bound could leave every kill landing
    # after publication, testing nothing. So kills go on until half of them have landed
    # mid-run (bounded, so a run that always publishes instantly still fails).
    bound = duration * 1.1
    attempts = 0
    while (outcomes["before"] + outcomes["after"] < KILLS
           or outcomes["before"] < KILLS // 2):
        attempts += 1
        assert attempts <= 3 * KILLS, f"too few kills landed mid-run: {outcomes}"
        shutil.copyfile(start, db)
        delay = rng.uniform(0.0, bound)
        _kill_after(db, args, delay)
        now = state(db)
        assert now in (before, after), f"kill {attempts}: a state between before and after"
        if now == before:
            outcomes["before"] += 1
        else:
            outcomes["after"] += 1
            bound = min(bound, delay) * 0.9
    # the next run completes after a kill that landed mid-run: drawn below the bound the
    # kills above learned (half of the measured run could still come after publication
    # when that run was slowed by load), and drawn again lower if it came late
    delay = min(bound, duration) * 0.5
    for _ in range(5):
        shutil.copyfile(start, db)
        _kill_after(db, args, delay)
        if state(db) == before:
            break
        delay *= 0.5
    assert state(db) == before, "no kill landed mid-run before the run that follows it"
    run(db, *args)
    assert state(db) == after
    leftovers = [p.name for p in work.iterdir() if ".next-" in p.name]
    assert leftovers == [], leftovers


def test_killed_imports_leave_the_warehouse_as_it_was(base: dict[str, Any]) -> None:
    def prepare(db: Path) -> None:
        shutil.copyfile(base["db"], db)

    _exercise(base, "import", ["import", str(base["correction"])], prepare)


def test_killed_computations_leave_the_results_as_they_were(base: dict[str, Any]) -> None:
    def prepare(db: Path) -> None:
        shutil.copyfile(base["db"], db)
        run(db, "import", str(base["correction"]))  # data changed: compute has work

    _exercise(base, "compute", compute_args(), prepare)
