"""The web layer's one door to the warehouse and the indicator engine.

Every figure a page or an endpoint shows comes through :class:`WebData`, which calls the
engine's Python API (:class:`kaoping.api.Warehouse`) -- the same code ``kaoping show``
runs, so a page's numbers are the CLI's numbers. Keeping the dependency in one small
module means a change in the engine's API is absorbed here, not in every route.

The warehouse is opened read-only and shared; DuckDB connections are not safe for
concurrent use from several threads, so access is serialised by a lock (a page needs a few
dozen milliseconds of it). Each request reads the version of the warehouse published when
it began (:meth:`WebData.pinned`); a new version -- after ``kaoping import`` or
``kaoping compute`` -- is picked up by the next request, with no restart.

The engine's ``KeyError`` / ``ValueError`` messages already name the culprit; they are
re-raised as :mod:`kaoping.web.errors` so they reach the client as 4xx with the same
words.
"""

from __future__ import annotations

import copy
import functools
import inspect
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import pandas as pd

from kaoping.model.organs import has_prosecutors
from kaoping.web.errors import BadRequest, NotFound, Unavailable
from kaoping.web.readcache import ReadCache

if TYPE_CHECKING:
    import duckdb

    from kaoping.api import Warehouse
    from kaoping.catalogue.models import Indicator, Measure
    from kaoping.engine.freshness import Freshness
    from kaoping.versions import Token

__all__ = ["HISTORY_KINDS", "WebData", "definition_dict", "records_page"]

#: period kinds a history can be asked for (the engine's stored kinds)
HISTORY_KINDS = ("year", "half", "quarter", "month", "ytd")
RECORD_SIDES = ("numerator", "denominator")
_INTEGER_COLUMNS = ("level", "rank_in_parent", "peers_in_parent", "rank_in_level",
                    "peers_in_level")


def _clean(x: Any) -> Any:
    """JSON-safe scalars: NaN/NA -> None, numpy numbers -> Python numbers."""
    if x is None:
        return None
    kind = type(x)
    if kind is str or kind is int or kind is bool:  # most cells: answered at once
        return x
    if kind is float:
        return None if x != x else x
    if isinstance(x, float) and math.isnan(x):
        return None
    try:
        if pd.isna(x):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(x, "item"):
        return x.item()
    if hasattr(x, "isoformat"):
        return x.isoformat()
    return x


def _rows(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    cols = list(columns) if columns is not None else list(frame.columns)
    return [
        {c: _clean(v) for c, v in zip(cols, row, strict=True)}
        for row in frame[cols].itertuples(index=False, name=None)
    ]


def _flags(x: Any) -> list[str]:
    """Flags as a list, whether stored as a comma-separated string or as a list."""
    if x is None:
        return []
    if isinstance(x, str):
        return [f for f in x.split(",") if f]
    try:
        if pd.isna(x):
            return []
    except (TypeError, ValueError):
        pass
    return [str(f) for f in x]


def _measure_dict(m: Measure | None) -> dict[str, Any] | None:
    if m is None:
        return None
    return {"table": m.table, "agg": str(m.agg), "expr": m.expr, "filter": m.filter,
            "date": m.date}


def definition_dict(ind: Indicator) -> dict[str, Any]:
    """An indicator definition as the API publishes it."""
    rr = ind.reasonable_range
    return {
        "id": ind.id,
        "name_zh": ind.name_zh,
        "name_en": ind.name_en,
        "definition_zh": ind.definition_zh,
        "definition_en": ind.definition_en,
        "unit": str(ind.unit),
        "direction": str(ind.direction),
        "family": ind.family,
        "aspect": ind.aspect,
        "per_prosecutor": ind.per_prosecutor,
        "numerator": _measure_dict(ind.numerator),
        "denominator": _measure_dict(ind.denominator),
        "reasonable_range": None if rr is None else rr.model_dump(),
        "min_denominator": ind.min_denominator,
        "max_yoy_change": ind.max_yoy_change,
        "breakdowns": list(ind.breakdowns),
        "versions": [
            {"version": ind.version_label(n + 2), **v.model_dump(mode="json")}
            for n, v in enumerate(sorted(ind.versions, key=lambda v: v.effective_from))
        ],
    }


def records_page(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return _rows(frame)


#: a warning's columns, besides its organ's names (after the first four) and its flags
_WARNING_COLUMNS = ("indicator", "subject", "organ_code", "level", "period", "value",
                    "numerator", "denominator", "previous", "change", "change_unit")
#: readers per version: a slow request (a briefing, a report) must not hold up quick ones
POOL_SIZE = 4
#: answers kept per version (they cannot change: a version is never written)
CACHE_SIZE = 4096


class _Snapshot:
    """One published version of the warehouse, as the requests that started on it read it.

    The warehouse is replaced, never written in place (:mod:`kaoping.versions`): a request
    reads the version that was published when it began, from start to end, so a page
    never mixes two computations; the next request opens the new one. The version is
    opened read-only once; up to :data:`POOL_SIZE` readers (DuckDB connections to it,
    each with its own Ibis backend) serve requests in parallel -- a DuckDB connection
    is not safe for concurrent use, so each request leases one. What a reader answers
    is kept (:meth:`cached`): nothing can change it until the next version.
    """

    def __init__(
        self, path: Path, token: Token | None, root: duckdb.DuckDBPyConnection | None = None
    ) -> None:
        self.path, self.token = path, token
        self.users = 0
        self.retired = False
        self.tree: tuple[dict[str, dict[str, Any]], dict[str, list[str]], str] | None = None
        self.periods: tuple[str, ...] | None = None
        #: the organ and every organ below it, by organ (:meth:`WebData.descendants`)
        self.below: dict[str, frozenset[str]] = {}
        self._cond = threading.Condition()
        self._root = root
        self._free: list[Warehouse] = []
        self._all: list[Warehouse] = []
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._cache_lock = threading.Lock()

    @classmethod
    def published(cls, path: Path) -> _Snapshot:
        """The version published now, opened: its token is the one of the file opened,
        so what is kept under it (here and in the :class:`ReadCache`) was read from it."""
        from kaoping.versions import version_token
        from kaoping.warehouse import connect_version, results_dir

        if results_dir() is not None:
            return cls(path, version_token(path))
        try:
            root, token = connect_version(path)
        except FileNotFoundError:
            return cls(path, None)
        return cls(path, token, root)

    def _new_reader(self) -> Warehouse:
        """A reader on a connection of its own to the version (called under ``_cond``)."""
        from kaoping.api import Warehouse
        from kaoping.warehouse import connect_reader, results_dir

        if results_dir() is None and self._root is None:
            raise Unavailable(
                f"no warehouse at {self.path}: run `kaoping demo` or `kaoping import` "
                "and `kaoping compute`, or start the server with --db FILE"
            )
        first = self._all[0] if self._all else None
        if self._root is None:
            self._root = connect_reader(self.path)
        wh = Warehouse.over(self.path, self._root.cursor(), self.token,
                            catalogue=first.catalogue if first else None, beside=first)
        self._all.append(wh)
        return wh

    @contextmanager
    def lease(self) -> Iterator[Warehouse]:
        """A reader for this request (the one it holds already, when it asks again)."""
        held = _held.get()
        if held is not None and held[0] is self:
            yield held[1]
            return
        with self._cond:
            while not self._free and len(self._all) >= POOL_SIZE:
                self._cond.wait()
            wh = self._free.pop() if self._free else self._new_reader()
        reset = _held.set((self, wh))
        try:
            yield wh
        finally:
            _held.reset(reset)
            with self._cond:
                self._free.append(wh)
                self._cond.notify()

    def cached(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """``make()``, kept under ``key`` for this version; a copy is handed out, so a
        caller may change what it gets."""
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return _copied(self._cache[key])
        value = make()
        with self._cache_lock:
            self._cache[key] = value
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return _copied(value)

    def close(self) -> None:
        with self._cond:
            for wh in self._all:
                wh.close()
            self._all, self._free = [], []
            if self._root is not None:
                self._root.close()
                self._root = None


def _copied(x: Any) -> Any:
    """A copy of ``x`` a caller may change: its dicts and lists copied, their scalars
    shared. Why not ``copy.deepcopy``: what is kept is JSON-like rows (a level's league
    is 3,000 dicts), and deepcopy's memo of every object made it a tenth of a page's
    time; anything else is deep-copied as before."""
    kind = type(x)
    if kind is dict:
        return {k: _copied(v) for k, v in x.items()}
    if kind is list:
        return [_copied(v) for v in x]
    if kind is tuple:
        return tuple(_copied(v) for v in x)
    if x is None or kind in (str, int, float, bool):
        return x
    return copy.deepcopy(x)


_held: ContextVar[tuple[_Snapshot, Warehouse] | None] = ContextVar("kaoping_reader", default=None)
_pinned: ContextVar[_Snapshot | None] = ContextVar("kaoping_snapshot", default=None)


def _frozen(x: Any) -> Any:
    """``x`` as a hashable key: lists, tuples and sets become tuples, dicts sorted items."""
    if isinstance(x, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in x.items()))
    if isinstance(x, (list, tuple)):
        return tuple(_frozen(v) for v in x)
    if isinstance(x, (set, frozenset)):
        return tuple(sorted(_frozen(v) for v in x))
    return x


_R = TypeVar("_R")


def _per_version(method: Callable[..., _R]) -> Callable[..., _R]:
    """Keep what ``method`` answers for the version being read: a version is never
    written, so the same question gets the same answer until the next one is published.
    Errors are not kept."""

    signature = inspect.signature(method)

    @functools.wraps(method)
    def wrapper(self: WebData, *args: Any, **kwargs: Any) -> _R:
        # one key however the arguments are given: by position, by name or left out
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        key = (method.__name__, _frozen(bound.args[1:]), _frozen(bound.kwargs))
        answer: _R = self._snapshot().cached(key, lambda: method(self, *args, **kwargs))
        return answer

    return wrapper


class WebData:
    """Read-only access to organs, prosecutors, definitions, figures and records."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.readcache = ReadCache(self.path)
        self._swap = threading.Lock()
        self._current: _Snapshot | None = None

    # --- plumbing ---------------------------------------------------------------------

    def _latest(self) -> _Snapshot:
        """The snapshot of the version published now (opened lazily), under ``_swap``."""
        from kaoping.versions import version_token

        token = version_token(self.path)
        current = self._current
        if current is None or current.token != token:
            if current is not None:
                current.retired = True
                if current.users == 0:
                    current.close()
            current = self._current = _Snapshot.published(self.path)
        return current

    @contextmanager
    def pinned(self) -> Iterator[None]:
        """Read one version for the whole block (a request): the one published now."""
        with self._swap:
            snap = self._latest()
            snap.users += 1
        reset = _pinned.set(snap)
        try:
            yield
        finally:
            _pinned.reset(reset)
            with self._swap:
                snap.users -= 1
                if snap.retired and snap.users == 0:
                    snap.close()

    def _snapshot(self) -> _Snapshot:
        snap = _pinned.get()
        if snap is not None and snap.path == self.path:
            return snap
        with self._swap:
            return self._latest()

    @contextmanager
    def open(self) -> Iterator[Warehouse]:
        """The warehouse version of this request, under its lock, with engine errors
        turned into 4xx."""
        from kaoping.engine.periods import PeriodError

        snap = self._snapshot()
        with snap.lease() as wh:
            try:
                yield wh
            except PeriodError as exc:
                raise BadRequest(str(exc)) from None
            except KeyError as exc:
                raise NotFound(str(exc.args[0]) if exc.args else str(exc)) from None
            except LookupError as exc:
                raise Unavailable(str(exc)) from None
            except ValueError as exc:
                raise BadRequest(str(exc)) from None

    def close(self) -> None:
        with self._swap:
            if self._current is not None:
                self._current.close()
                self._current = None

    def freshness(self) -> Freshness | None:
        """Whether the stored figures are as new as the data (None without a warehouse);
        read once per version."""
        if not self.path.exists():
            return None
        return self._freshness()

    @_per_version
    def _freshness(self) -> Freshness:
        with self.open() as wh:
            return wh.freshness()

    def version(self) -> str:
        """An opaque identifier of the version this request reads (for caches, headers)."""
        from kaoping.versions import version_label

        return version_label(self._snapshot().token)

    # --- organs and prosecutors -------------------------------------------------------

    def _tree(self) -> tuple[dict[str, dict[str, Any]], dict[str, list[str]], str]:
        """(organ rows by code, children by code, root code): the small reference table,
        kept with the version it was read from."""
        snap = self._snapshot()
        if snap.tree is None:
            snap.tree = self._read_tree()
        return snap.tree

    def _read_tree(self) -> tuple[dict[str, dict[str, Any]], dict[str, list[str]], str]:
        with self.open() as wh:
            frame = wh.hierarchy.organs
        organs = {
            str(r["organ_code"]): r
            for r in _rows(frame, ["organ_code", "parent_code", "level", "name_zh", "name_en"])
        }
        children: dict[str, list[str]] = {code: [] for code in organs}
        roots = []
        for code, row in organs.items():
            parent = row["parent_code"]
            if parent is None or parent == "":
                roots.append(code)
            elif parent in children:
                children[parent].append(code)
        for kids in children.values():
            kids.sort()
        if len(roots) != 1:
            raise Unavailable("the warehouse has no single national organ")
        return organs, children, roots[0]

    def root(self) -> str:
        return self._tree()[2]

    def organ(self, code: str) -> dict[str, Any]:
        organs = self._tree()[0]
        if code not in organs:
            raise NotFound(f"no organ {code!r} in the warehouse")
        return dict(organs[code])

    def has_organ(self, code: str) -> bool:
        return code in self._tree()[0]

    def children(self, code: str) -> list[dict[str, Any]]:
        organs, children, _ = self._tree()
        return [dict(organs[c]) for c in children.get(code, [])]

    def descendants(self, code: str) -> frozenset[str]:
        """The organ and every organ below it, kept with the version (the nation's are
        3,269: walked twice per overview, they took 3 ms of it)."""
        snap = self._snapshot()
        kept = snap.below.get(code)
        if kept is not None:
            return kept
        _, children, _ = self._tree()
        out: set[str] = set()
        stack = [code]
        while stack:
            c = stack.pop()
            out.add(c)
            stack.extend(children.get(c, []))
        found = snap.below[code] = frozenset(out)
        return found

    def ancestors(self, code: str) -> list[str]:
        """From the national organ down to ``code`` (inclusive)."""
        organs = self._tree()[0]
        chain = []
        node: str | None = code
        while node is not None and node in organs:
            chain.append(node)
            node = organs[node]["parent_code"]
        return list(reversed(chain))

    @_per_version
    def prosecutor(self, prosecutor_id: str) -> dict[str, Any]:
        if not has_prosecutors():
            raise NotFound("this data model keeps no prosecutors")
        with self.open() as wh:
            rows = wh.prosecutor_rows(prosecutor=prosecutor_id)
        if not rows:
            raise NotFound(f"no prosecutor {prosecutor_id!r} in the warehouse")
        return rows[0]

    @_per_version
    def prosecutors_of(self, organ_code: str) -> list[dict[str, Any]]:
        if not has_prosecutors():  # another office's model: figures per organ only
            return []
        with self.open() as wh:
            return wh.prosecutor_rows(organ=organ_code)

    # --- definitions ------------------------------------------------------------------

    def indicators(self) -> list[Indicator]:
        with self.open() as wh:
            return list(wh.catalogue.indicators)

    def definition(self, indicator_id: str) -> Indicator:
        with self.open() as wh:
            return wh.definition(indicator_id)

    # --- periods ----------------------------------------------------------------------

    def _periods(self) -> tuple[str, ...]:
        snap = self._snapshot()
        if snap.periods is None:
            snap.periods = self._read_periods()
        return snap.periods

    def _read_periods(self) -> tuple[str, ...]:
        from kaoping.engine.store import has_results, stored_periods

        with self.open() as wh:
            if not has_results(wh.backend.con):
                return ()
            frame = stored_periods(wh.backend.con)
        kinds = {"year": 0, "half": 1, "quarter": 2, "ytd": 3, "month": 4}
        frame = frame[frame["period_kind"].isin(list(kinds))]
        frame = frame.assign(k=frame["period_kind"].map(kinds))
        frame = frame.sort_values(["year", "k", "period"], ascending=[False, True, True])
        return tuple(str(p) for p in frame["period"])

    def periods(self) -> list[str]:
        """Stored periods, latest year first, year before halves before quarters."""
        return list(self._periods())

    def default_period(self) -> str:
        """The latest stored year (what a leader opens first)."""
        stored = self._periods()
        years = [p for p in stored if p.removeprefix("FY").isdigit()]  # 2020 or FY2020
        if years:
            return years[0]
        if stored:
            return stored[0]
        raise Unavailable("no stored results: run `kaoping compute` first")

    def normalise_period(self, text: str | None) -> str:
        """The canonical label of ``text`` (default: the latest year); 400 if malformed."""
        from kaoping.engine.periods import PeriodError, parse_period

        if text is None or text == "":
            return self.default_period()
        try:
            return parse_period(text).label
        except PeriodError as exc:
            raise BadRequest(str(exc)) from None

    # --- figures ----------------------------------------------------------------------

    @_per_version
    def value(
        self, indicator: str, period: str, *, organ: str | None = None,
        prosecutor: str | None = None,
    ) -> dict[str, Any]:
        """Exactly what ``kaoping show --json`` prints for the same arguments."""
        return self._figure(indicator, period, organ, prosecutor)[0]

    @_per_version
    def _figure(
        self, indicator: str, period: str, organ: str | None, prosecutor: str | None
    ) -> tuple[dict[str, Any], str, str]:
        """A figure as :meth:`value` gives it, and its sentence in Chinese and English: one
        read for an indicator page's card and sentence (each read it, 8 ms of 43)."""
        with self.open() as wh:
            v = wh.indicator(indicator, period=period, organ=organ, prosecutor=prosecutor)
            shown = {**v.to_dict(), "freshness": wh.freshness().to_dict()}
            return shown, v.sentence("zh"), v.sentence("en")

    @_per_version
    def values_many(
        self, indicators: Sequence[str], period: str, *, organ: str | None = None,
        prosecutor: str | None = None, stored_only: bool = False,
    ) -> list[dict[str, Any]]:
        """``value`` for several indicators of one subject, reading stored rows in one query
        (:meth:`kaoping.api.Warehouse.indicators`; with ``stored_only`` the figures not
        stored are left out). The web tests check the result against ``kaoping show``."""
        with self.open() as wh:
            values = wh.indicators(
                indicators, period=period, organ=organ, prosecutor=prosecutor,
                stored_only=stored_only,
            )
            fresh = wh.freshness().to_dict()
            return [{**v.to_dict(), "freshness": fresh} for v in values]

    @_per_version
    def breakdown(
        self, indicator: str, period: str, *, organ: str, by: str | None
    ) -> dict[str, Any]:
        """What ``kaoping show --by`` prints as JSON; ``by`` None is the indicator's first
        declared breakdown (a NotFound when it declares none)."""
        with self.open() as wh:
            ind = wh.definition(indicator)
            if by is None:
                if not ind.breakdowns:
                    raise NotFound(f"indicator {indicator!r} declares no breakdowns; name a "
                                   "column with by=")
                by = ind.breakdowns[0]
            return wh.breakdown(indicator, organ=organ, period=period, by=by).to_dict()

    @_per_version
    def sentence(
        self, indicator: str, period: str, lang: str, *, organ: str | None = None,
        prosecutor: str | None = None,
    ) -> str:
        _, zh, en = self._figure(indicator, period, organ, prosecutor)
        return en if lang == "en" else zh

    def history(
        self, indicator: str, *, subject_type: str, subject: str, kind: str
    ) -> list[dict[str, Any]]:
        """The stored values of one subject over every period of ``kind``, oldest first."""
        return self.histories([indicator], subject_type=subject_type, subject=subject,
                              kind=kind)[indicator]

    @_per_version
    def histories(
        self, indicators: Sequence[str], *, subject_type: str, subject: str, kind: str
    ) -> dict[str, list[dict[str, Any]]]:
        """:meth:`history` of several indicators in one query."""
        from kaoping.engine.results import has_results, read_histories

        if kind not in HISTORY_KINDS:
            raise BadRequest(f"invalid kind {kind!r}: use one of {', '.join(HISTORY_KINDS)}")
        with self.open() as wh:
            ids = [wh.definition(i).id for i in indicators]
            con = wh.backend.con
            if not has_results(con):
                raise Unavailable("no stored results: run `kaoping compute` first")
            frame = pd.DataFrame(
                read_histories(con, subject_type, subject, kind, ids),
                columns=["indicator", "period", "value", "numerator", "denominator",
                         "previous", "change", "change_unit", "flags"],
            )
        # a range whose months equal a year/half/quarter may be stored under both labels
        frame = frame.drop_duplicates(subset=["indicator", "period"]).sort_values("period")
        out: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
        cols = [c for c in frame.columns if c not in ("indicator", "flags")]
        for ind, row, flags in zip(frame["indicator"], _rows(frame, cols), frame["flags"],
                                   strict=True):
            row["flags"] = _flags(flags)
            out[str(ind)].append(row)
        return out

    @_per_version
    def league(self, indicator: str, period: str, *, parent: str) -> list[dict[str, Any]]:
        """The organs directly below ``parent``, best first (the engine's ranks)."""
        with self.open() as wh:
            return self._league_rows(wh.value_rows(indicator, period, parent=parent))

    @_per_version
    def level_figures(self, indicator: str, period: str, *, level: int) -> tuple[float, ...]:
        """The figures of every organ of ``level`` that has one, ascending: the population
        a distribution is drawn from. Only the figures are kept: a page that bins them
        would otherwise copy 3,000 rows of names and ranks out of the cache per request."""
        with self.open() as wh:
            figures = wh.level_values(indicator, period, level=level)
        return tuple(sorted(x for x in figures if not math.isnan(x)))

    @_per_version
    def prosecutor_values(
        self, indicator: str, period: str, *, organ: str
    ) -> list[dict[str, Any]]:
        with self.open() as wh:
            return self._league_rows(
                wh.value_rows(indicator, period, parent=organ, subject_type="prosecutor")
            )

    #: what a league's row carries (Warehouse.value_rows' columns)
    _LEAGUE_COLUMNS = (
        "subject", "organ_code", "level", "parent_code", "name_zh", "name_en", "period",
        "value", "numerator", "denominator", "previous", "change", "change_unit",
        "rank_in_parent", "peers_in_parent", "rank_in_level", "peers_in_level",
        "percentile",
    )

    @classmethod
    def _league_rows(cls, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for row in rows:
            kept = {c: _clean(row[c]) for c in cls._LEAGUE_COLUMNS if c in row}
            kept["flags"] = _flags(row.get("flags"))
            for key in _INTEGER_COLUMNS:
                if kept.get(key) is not None:
                    kept[key] = int(kept[key])
            out.append(kept)
        return out

    @_per_version
    def flagged(
        self, organs: Sequence[str], period: str, *, limit: int = 200
    ) -> list[dict[str, Any]]:
        """Stored organ figures of ``period`` with at least one flag (the warnings)."""
        with self.open() as wh:
            _, rows = self._flagged(wh, organs, period, (), limit=limit, offset=0)
            return rows

    def _flagged(
        self, wh: Warehouse, organs: Sequence[str], period: str,
        severity: Sequence[tuple[str, int]], *, limit: int, offset: int,
    ) -> tuple[int, list[dict[str, Any]]]:
        """How many stored organ figures of ``period`` of ``organs`` have a flag, and
        one page of them as warnings (:func:`kaoping.engine.results.read_flagged`)."""
        from kaoping.engine.results import has_results, read_flagged

        con = wh.backend.con
        if not has_results(con):
            raise Unavailable("no stored results: run `kaoping compute` first")
        # "all organs" needs no filter
        every = set(organs) == set(self._tree()[0])
        total, rows = read_flagged(con, period, None if every else list(organs),
                                   severity=severity, limit=limit, offset=offset)
        return total, self._warning_rows(rows)

    def _warning_rows(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Flagged figures with their organ's names: dicts from the kept tree (a pandas
        merge with the organs per page took 7 ms of an overview's 70)."""
        organs = self._tree()[0]
        out = []
        for r in rows:
            organ = organs.get(str(r["organ_code"]), {})
            row = {c: _clean(r[c]) for c in _WARNING_COLUMNS[:4]}
            row["name_zh"], row["name_en"] = organ.get("name_zh"), organ.get("name_en")
            row.update((c, _clean(r[c])) for c in _WARNING_COLUMNS[4:])
            row["flags"] = _flags(r["flags"])
            out.append(row)
        return out

    def report(self, organ: str, period: str, fmt: str, lang: str,
               app_engine: Any) -> tuple[bytes, str, str]:
        """A report file (kaoping.reports): its bytes, media type and file name.

        Made once per data version, state of the appraisals, organ, period, language
        and format, in the render process (:mod:`kaoping.web.renderpool`), then served
        from the read cache (:mod:`kaoping.web.readcache`)."""
        from kaoping.reports import MEDIA_TYPES, ReportDataError, report_filename
        from kaoping.web import renderpool

        language = "en" if lang == "en" else "zh"
        kind = fmt if fmt in ("xlsx", "docx", "pdf") else "xlsx"
        if not self.has_organ(organ):
            raise NotFound(f"no organ {organ!r} in the warehouse")
        key = ("report", self._appraisals(app_engine), organ, period, language, kind)
        try:
            body = self.readcache.kept(self.version(), key, lambda: renderpool.run(
                renderpool.report, str(self.path), _url(app_engine), organ, period, kind,
                language))
        except ReportDataError as exc:
            raise NotFound(str(exc)) from None
        return body, MEDIA_TYPES[kind], report_filename(organ, period, kind, language)  # type: ignore[arg-type]

    @staticmethod
    def _appraisals(app_engine: Any) -> str:
        """The state of the stored appraisals, for the keys of what quotes their grades."""
        from kaoping.appraisal.runs import state_token

        return "none" if app_engine is None else state_token(app_engine)

    def _annex(self, organ: str, period: str) -> list[Any] | None:
        """The briefing's annex: the detections of ``organ`` and the organs below it,
        from the detections kept per data version (kaoping.web.detect_routes) -- None
        (no annex) when the period cannot be tested."""
        from kaoping.detect.annex import annex_rows
        from kaoping.web.detect_routes import all_detections

        try:
            found = all_detections(self, period)
        except (KeyError, ValueError):
            return None
        below = self.descendants(organ)
        return list(annex_rows([d for d in found if d.organ_code in below]))

    def briefing(self, organ: str, period: str, lang: str, app_engine: Any) -> str:
        """The narrative briefing's Markdown (kaoping.narrative.briefing), same figures;
        made once per data version, state of the appraisals, organ, period and language,
        in the render process."""
        from kaoping.web import renderpool

        language = "en" if lang == "en" else "zh"
        key = ("briefing", self._appraisals(app_engine), organ, period, language)

        def make() -> tuple[str, bytes]:
            annex = self._annex(organ, period)
            made, text = self._rendered(renderpool.briefing_text, organ, period, language,
                                        app_engine, annex)
            return made, text.encode()

        return self.readcache.kept(self.version(), key, make).decode()

    def _rendered(self, fn: Any, organ: str, period: str, language: str, app_engine: Any,
                  *more: Any) -> Any:
        """``fn`` of :mod:`kaoping.web.renderpool` on this warehouse, engine errors as 4xx."""
        from kaoping.web import renderpool

        try:
            return renderpool.run(fn, str(self.path), _url(app_engine), organ, period,
                                  language, *more)
        except KeyError as exc:
            raise NotFound(str(exc.args[0]) if exc.args else str(exc)) from None
        except ValueError as exc:
            raise BadRequest(str(exc)) from None

    # --- records ----------------------------------------------------------------------

    @_per_version
    def records(
        self, indicator: str, period: str, *, side: str, organ: str | None = None,
        prosecutor: str | None = None, limit: int = 50, offset: int = 0,
    ) -> dict[str, Any]:
        """One page of the records behind a figure (pseudonymous ids only).

        The engine's ``explain`` decides which columns leave the warehouse: the table's
        key, the case id, the organ, the prosecutor id, the date and the measured value.
        """
        if side not in RECORD_SIDES:
            raise BadRequest(f"invalid side {side!r}: use numerator or denominator")
        from kaoping.engine.explain import dates_as_dates

        with self.open() as wh:
            # the first page is read with the count (one query per side); a later one
            # after it
            e = wh.explain(indicator, period=period, organ=organ, prosecutor=prosecutor,
                           limit=limit if offset == 0 else 0)
            chosen = e.numerator if side == "numerator" else e.denominator
            if chosen is None:
                raise NotFound(f"indicator {indicator!r} has no denominator records")
            frame = chosen.records if offset == 0 else dates_as_dates(
                wh.backend.execute(chosen.query.limit(limit, offset=offset)))
            return {
                "indicator": e.indicator.id,
                "period": e.period.label,
                "side": side,
                "description_zh": chosen.describe("zh"),
                "description_en": chosen.describe("en"),
                "date_bounds": list(e.date_bounds),
                "arithmetic": e.arithmetic(),
                "total": chosen.total_records,
                "offset": offset,
                "limit": limit,
                "columns": [str(c) for c in frame.columns],
                "records": _rows(frame),
            }

    # --- imports and quarantine (the data pages of issue 13; added by h-workflows) ------

    def import_log(self, limit: int | None = None) -> list[Any]:
        """The ``imports`` log of this version, newest first."""
        from kaoping.ingest import list_imports

        if not self.path.exists():
            return []
        with self.open() as wh:
            return list_imports(wh.backend.con, limit)

    def quarantined_files(self) -> list[Any]:
        """Every file with refused rows (:func:`kaoping.ingest.quarantine_files`)."""
        from kaoping.ingest import quarantine_files

        if not self.path.exists():
            return []
        with self.open() as wh:
            return quarantine_files(wh.backend.con)

    def quarantine(
        self, *, import_id: str | None = None, limit: int | None = None, offset: int = 0
    ) -> tuple[int, list[Any]]:
        """(how many quarantined values, ``limit`` of them from ``offset``), of one file's
        import or of every file."""
        from kaoping.ingest import count_quarantine, list_quarantine

        if not self.path.exists():
            return 0, []
        with self.open() as wh:
            con = wh.backend.con
            return (count_quarantine(con, import_id=import_id),
                    list_quarantine(con, limit=limit, offset=offset, import_id=import_id))
    # --- added for issue 13 (reading and presentation); the methods above are unchanged --

    #: how much a flag weighs when warnings are sorted, most severe first
    FLAG_SEVERITY: ClassVar[dict[str, int]] = {
        "out_of_range": 4, "yoy_swing": 2, "small_denominator": 1,
    }

    @_per_version
    def warnings_page(
        self, organs: Sequence[str], period: str, *, limit: int, offset: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """How many organ figures of ``period`` are flagged, and one page of them, most
        severe first: an out-of-range figure before a swing before a small denominator,
        more flags before fewer, then higher organs first (by level, code, indicator).
        Counted and sorted in the warehouse, so a national page of 20,000 warnings costs
        one page of rows."""
        with self.open() as wh:
            return self._flagged(wh, organs, period, list(self.FLAG_SEVERITY.items()),
                                 limit=limit, offset=offset)

    @_per_version
    def search_prosecutors(self, text: str, *, limit: int) -> list[dict[str, Any]]:
        """Prosecutors whose id or display name contains ``text`` (case-insensitive)."""
        if not has_prosecutors():
            return []
        with self.open() as wh:
            p = wh.backend.table("prosecutors")
            needle = text.lower()
            frame = wh.backend.execute(
                p.filter(p.prosecutor_id.lower().contains(needle)
                         | p.display_name.lower().contains(needle))
                .order_by("prosecutor_id").limit(limit)
            )
        return _rows(frame, ["prosecutor_id", "organ_code", "department", "display_name"])

    def search_organs(self, text: str) -> list[dict[str, Any]]:
        """Organs whose code or Chinese or English name contains ``text``, by code."""
        needle = text.lower()
        organs = self._tree()[0]
        return [
            dict(row) for code, row in sorted(organs.items())
            if needle in code.lower() or needle in str(row["name_zh"] or "").lower()
            or needle in str(row["name_en"] or "").lower()
        ]

    def briefing_source(self, organ: str, period: str, lang: str, app_engine: Any) -> Any:
        """The briefing's Markdown with the series its charts need
        (:class:`kaoping.reports.narrative.BriefingSource`), for the briefing page; made
        once per data version, state of the appraisals, organ, period and language, in
        the render process."""
        from kaoping.reports.narrative import BriefingSource
        from kaoping.web import renderpool

        language = "en" if lang == "en" else "zh"
        key = ("briefing_source", self._appraisals(app_engine), organ, period, language)
        body = self.readcache.kept(self.version(), key, lambda: self._rendered(
            renderpool.briefing_source, organ, period, language, app_engine))
        return BriefingSource.from_json(body)


def _url(app_engine: Any) -> str | None:
    """The application database's URL, for a process that opens it itself."""
    if app_engine is None:
        return None
    url: str = app_engine.url.render_as_string(hide_password=False)
    return url
