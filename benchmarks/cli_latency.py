"""CLI latency: how long a user waits for `kaoping --help`, `--version`, `show`, `explain`.

A `kaoping` command imports its own command module alone, and `kaoping --help` none
(:mod:`kaoping.cli.lazy`, issue 12); the command modules import only Typer and Rich at
start-up and pull in pandas, DuckDB, Ibis, pydantic-settings and the library inside the
command functions (issue 10, item 7); the default data model and the catalogue are read
back compiled (:mod:`kaoping.compiled`). ``tests/test_cli_startup.py`` pins the
structure, this benchmark the time.

Every run keeps the bytecode of both trees (in a private ``PYTHONPYCACHEPREFIX``) and the
compiled definitions (in a private ``KAOPING_CACHE_DIR``), both made by the warm-up runs,
as an installed kaoping has them; ``--no-bytecode`` compiles the sources in every run, as
this machine's sessions do with ``PYTHONDONTWRITEBYTECODE`` set.

The benchmark builds a warehouse through the CLI itself (`kaoping generate`, `import`,
`compute`) or reuses one (``--db``), then runs each command ``--repeat`` times as a fresh
process (wall clock, output discarded) and prints median, min and max, and the median
CPU time (user + system, which a busy machine inflates far less). Two baselines run
in the same way and the same run, so that the figures can be compared on a busy machine:
``python -c pass`` (the interpreter alone) and ``python -c "import kaoping"``.

    python benchmarks/cli_latency.py                                  # 20,000 persons
    python benchmarks/cli_latency.py --persons 1000000 --keep /tmp/kp-1m
    python benchmarks/cli_latency.py --db /tmp/kp-1m/w.duckdb         # reuse it

The console script is the one installed next to the running interpreter (not a pyenv
shim, whose own start-up would be counted), run with this checkout's ``src`` first on
``PYTHONPATH``. ``--before DIR`` times another tree in the same run, alternating run by
run, so that both see the same load on a shared machine::

    git archive 01eba83 src | tar -x -C /tmp/before
    python benchmarks/cli_latency.py --db /tmp/kp-1m/w.duckdb --before /tmp/before/src

Ends with lines such as ``help_ms: 210`` and ``help_vs_python: 9.1``
(medians, and the command's median over ``python -c pass``).

Measured on the shared 2-vCPU machine with four other agents busy (load average 3 to 5,
so the wall clock swings; the CPU column is steadier), 1,000,000 persons (2019-2020, a
215 MB warehouse), ``--before`` commit 01eba83 (every command module importing its
dependencies at start-up), medians of 5 runs, ms:

    command                       before wall  before cpu   after wall  after cpu
    python -c pass                         79          47           76         47
    python -c "import kaoping"             61          49           68         44
    kaoping --help                       1685        1149          411        273
    kaoping --version                    1696        1139          255        172
                                  (before: "Missing command", exit 2)
    show non_arrest_rate (organ)         3009        1892         2946       1858
    show ... --prosecutor                3258        2257         3512       2279
    explain non_arrest_rate              3230        2269         3295       2241

An earlier run (7 each, load 4 to 7) gave help 2141 -> 445 and version 2096 -> 344 ms
wall. `--help` and `--version` are 4 to 7 times faster; of the 0.27 s of CPU that `--help`
still takes, about 0.05 s is the interpreter, 0.1 s Typer and Rich, and 0.1 s Typer's
Rich help formatter (it imports rich.markdown and markdown-it). `show` and `explain` gain
nothing measurable: they need pandas, Ibis and DuckDB anyway, and their time is the
library's -- in-process at 1M persons: importing kaoping.api (pandas) ~1.0-1.7 s, the
Ibis backend ~0.5-1.4 s (import and connect), load_catalogue ~0.4 s (YAML read twice per
file with PyYAML's pure-Python SafeLoader), the hierarchy ~0.4 s, the figure ~0.3 s.

Issue 12, on the 200,000-person warehouse (2019-2020, 131 MB), ``--before`` the tree of
main before it, medians of 9 runs (7 with ``--no-bytecode``), load average 0.5 to 1.4,
ms (wall / CPU; the CPU counts DuckDB's second thread):

    command                       before         after     after, --no-bytecode (before)
    python -c pass                63 / 62        72 / 71        74 / 74   (64 / 63)
    kaoping --help               277 / 274      142 / 141      139 / 138  (297 / 296)
    kaoping --version            266 / 266      144 / 144      132 / 131  (293 / 293)
    show non_arrest_rate         925 / 941      751 / 767      887 / 905  (1078 / 1096)
    show ... --prosecutor       1026 / 1058     869 / 901      909 / 943  (1282 / 1321)
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
INDICATOR = "non_arrest_rate"
PERIOD = "2020"


def kaoping_script() -> str:
    """The installed console script next to the interpreter, else whatever PATH finds."""
    beside = Path(sys.executable).with_name("kaoping")
    if beside.exists():
        return str(beside)
    found = shutil.which("kaoping")
    if found is None:
        sys.exit("no `kaoping` console script: pip install -e . first")
    return found


def environment(src: Path, pycache: Path | None, cache: Path) -> dict[str, str]:
    """The environment of every run: ``src`` first on ``PYTHONPATH``; bytecode kept in
    ``pycache`` (None: compiled anew by every run); the compiled data model and catalogue
    (:mod:`kaoping.compiled`) kept in ``cache``, made by the warm-up runs."""
    env = dict(os.environ)
    env["KAOPING_CACHE_DIR"] = str(cache)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(src), os.environ.get("PYTHONPATH", "")) if p
    )
    if pycache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


FAILED: dict[str, int] = {}


#: CPU seconds (user + system) of the last run, which a busy machine inflates far less
#: than the wall clock
CPU: list[float] = [0.0]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(argv: Sequence[str], env: dict[str, str], cwd: Path, *, tolerate: bool = False) -> float:
    """Seconds of wall clock for one run (its CPU seconds go to :data:`CPU`). A failing
    command stops the benchmark, unless ``tolerate`` (the older tree of ``--before``, whose
    `kaoping --version` answered exit 2): then its exit code is remembered and printed."""
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        list(argv), env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    seconds = time.perf_counter() - started
    CPU[0] = _children_cpu() - cpu
    if done.returncode != 0:
        if not tolerate:
            sys.exit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr.decode()}")
        FAILED[" ".join(argv)] = done.returncode
    return seconds


def build(db: Path, persons: int, years: str, seed: int, env: dict[str, str]) -> None:
    """Generate, import and compute through the CLI, as a user would."""
    script = kaoping_script()
    data = db.parent / "data"
    steps = [
        [script, "generate", "--out", str(data), "--persons", str(persons), "--years", years,
         "--seed", str(seed), "--format", "parquet"],
        [script, "import", str(data), "--db", str(db)],
        [script, "compute", "--db", str(db)],
    ]
    for argv in steps:
        started = time.perf_counter()
        subprocess.run(
            argv, env=env, cwd=db.parent, check=True, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        print(f"{argv[1]:8s} {time.perf_counter() - started:6.1f} s", flush=True)


def a_prosecutor(db: Path) -> str:
    """The prosecutor with the most records of INDICATOR's numerator in PERIOD: one whose
    figure is stored, so that `show --prosecutor` times a read, not a computation from
    the records (the first prosecutor by id may have no case in the period)."""
    import duckdb

    from kaoping.catalogue import load_catalogue

    measure = load_catalogue().get(INDICATOR).numerator
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            f'SELECT prosecutor_id FROM "{measure.table}" '
            f'WHERE prosecutor_id IS NOT NULL AND year("{measure.date}") = ? '
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
            [int(PERIOD[:4])],
        ).fetchone()
    finally:
        con.close()
    if row is None:
        sys.exit(f"{db} has no prosecutor with records of {INDICATOR} in {PERIOD}")
    return str(row[0])


def summary(times: list[float]) -> str:
    return f"{statistics.median(times):8.0f} {min(times):8.0f} {max(times):8.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--years", default="2019-2020")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--db", type=Path, help="reuse this computed warehouse")
    parser.add_argument("--keep", type=Path, help="build the warehouse here and keep it")
    parser.add_argument("--src", type=Path, default=SRC,
                        help="the kaoping sources to time (default: this checkout's src)")
    parser.add_argument("--before", type=Path,
                        help="other kaoping sources (e.g. `git archive` of an older commit, "
                        "unpacked) timed in the same run, alternating with --src")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="compile kaoping's sources in every run (PYTHONDONTWRITEBYTECODE), "
                        "instead of keeping their bytecode as an installed kaoping has it")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        pycache = None if args.no_bytecode else Path(tmp) / "pycache"
        cache = Path(tmp) / "compiled"
        trees = {"after": environment(args.src.resolve(), pycache, cache)}
        if args.before is not None:
            trees["before"] = environment(args.before.resolve(), pycache, cache)
        if args.db is not None:
            db = args.db.resolve()
        else:
            where = args.keep if args.keep is not None else Path(tmp)
            where.mkdir(parents=True, exist_ok=True)
            db = where.resolve() / "w.duckdb"
            if not db.exists():
                build(db, args.persons, args.years, args.seed, trees["after"])
        cwd = Path(tmp)
        script = kaoping_script()
        prosecutor = a_prosecutor(db)
        show = [script, "show", INDICATOR, "--period", PERIOD, "--db", str(db)]
        commands: dict[str, list[str]] = {
            "python": [sys.executable, "-c", "pass"],
            "import_kaoping": [sys.executable, "-c", "import kaoping"],
            "help": [script, "--help"],
            "version": [script, "--version"],
            "show": show,
            "show_prosecutor": [*show, "--prosecutor", prosecutor],
            "explain": [script, "explain", INDICATOR, "--period", PERIOD, "--db", str(db),
                        "--limit", "5"],
        }
        # the older tree's `--version` answered "Missing command" (exit 2): timed anyway
        tolerate = {"after": False, "before": True}
        for tree, env in trees.items():  # warm the page cache and the bytecode
            for argv in commands.values():
                run(argv, env, cwd, tolerate=tolerate[tree])
        print(f"warehouse {db} ({db.stat().st_size / 2**20:,.0f} MB); "
              f"{args.repeat} runs each, wall clock in ms"
              + ("; before and after alternate" if len(trees) > 1 else "")
              + ("; sources compiled in every run" if pycache is None else "")
              + f"; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(f"{'command':18s}" + "".join(
            f" {t + ' median':>14s} {'min':>8s} {'max':>8s} {'cpu':>8s}" for t in trees
        ))
        # round robin over commands and trees, so that a burst of load on the shared
        # machine falls on every command alike rather than on whichever ran then
        times: dict[str, dict[str, list[float]]] = {t: {n: [] for n in commands} for t in trees}
        cpu: dict[str, dict[str, list[float]]] = {t: {n: [] for n in commands} for t in trees}
        for _ in range(args.repeat):
            for name, argv in commands.items():
                for tree, env in trees.items():
                    seconds = run(argv, env, cwd, tolerate=tolerate[tree])
                    times[tree][name].append(seconds * 1000)
                    cpu[tree][name].append(CPU[0] * 1000)
        medians: dict[str, dict[str, float]] = {t: {} for t in trees}
        cpu_medians: dict[str, dict[str, float]] = {t: {} for t in trees}
        for name, argv in commands.items():
            line = f"{name:18s}"
            for tree in trees:
                medians[tree][name] = statistics.median(times[tree][name])
                cpu_medians[tree][name] = statistics.median(cpu[tree][name])
                line += f"       {summary(times[tree][name])} {cpu_medians[tree][name]:8.0f}"
            failed = FAILED.get(" ".join(argv))
            print(line + (f"   (before: exit {failed})" if failed is not None else ""),
                  flush=True)
        print(f"load average at the end {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        after = medians["after"]
        for name, ms in after.items():
            print(f"{name}_ms: {ms:.0f}")
        for name, ms in cpu_medians["after"].items():
            print(f"{name}_cpu_ms: {ms:.0f}")
        for name, ms in after.items():
            if name != "python":
                print(f"{name}_vs_python: {ms / after['python']:.1f}")
        if "before" in medians:
            for name, ms in medians["before"].items():
                print(f"{name}_before_ms: {ms:.0f}")
            for name, ms in cpu_medians["before"].items():
                print(f"{name}_before_cpu_ms: {ms:.0f}")
            for name, ms in after.items():
                if name not in ("python", "import_kaoping"):
                    print(f"{name}_before_vs_after: {medians['before'][name] / ms:.1f}")


if __name__ == "__main__":
    main()
