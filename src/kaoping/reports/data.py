"""The figures a report prints, gathered from the warehouse in one pass.

This module is the reports' only door into the engine: it reads the stored results
through :class:`kaoping.api.Warehouse` and turns each row into a :class:`Figure` with the
engine's own conversion (``IndicatorValue.from_row``), so a figure in a report is the
figure ``kaoping show`` prints. Everything the writers need -- names, units, ranges,
definitions -- is copied into plain dataclasses here, so a change in the engine or the
catalogue is adapted in this one file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

    from kaoping.api import Warehouse
    from kaoping.catalogue.models import Catalogue, Indicator
    from kaoping.engine.breakdown import Breakdown

__all__ = [
    "Family",
    "Figure",
    "IndicatorInfo",
    "OrganRef",
    "ReportData",
    "ReportDataError",
    "gather",
]

Lang = Literal["zh", "en"]


class ReportDataError(LookupError):
    """The warehouse cannot supply the report (no results, an unknown organ or period)."""


@dataclass(frozen=True)
class OrganRef:
    code: str
    name_zh: str
    name_en: str
    level: int

    def name(self, lang: Lang) -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class IndicatorInfo:
    """What a report says about an indicator besides its figures."""

    id: str
    name_zh: str
    name_en: str
    unit: str
    family: str
    direction: str
    definition_zh: str
    definition_en: str
    aspect: int
    #: level -> (low, high) of the reasonable range; key 0 is the default
    ranges: dict[int, tuple[float | None, float | None]] = field(default_factory=dict)
    #: "file:line" of the definition
    source: str | None = None
    #: the value is a median, and the denominator its number of records
    median: bool = False

    def name(self, lang: Lang) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def definition(self, lang: Lang) -> str:
        return self.definition_zh if lang == "zh" else self.definition_en

    def range_for(self, level: int) -> tuple[float | None, float | None] | None:
        """The reasonable range that applies to organs of ``level``, if any."""
        return self.ranges.get(level, self.ranges.get(0))


@dataclass(frozen=True)
class Family:
    code: str
    name_zh: str
    name_en: str
    indicators: tuple[IndicatorInfo, ...]

    def name(self, lang: Lang) -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class Figure:
    """One stored figure: an indicator for an organ and the period (see ``kaoping show``)."""

    indicator: str
    organ: OrganRef
    value: float | None
    numerator: float | None
    denominator: float | None
    previous: float | None
    change: float | None
    #: percentage_points, percent, difference or days
    change_unit: str
    #: rank among the organs with the same parent; 1 = best
    rank: int | None
    peers: int | None
    flags: tuple[str, ...]
    #: the briefing sentence, rendered by the engine's narrative
    sentence_zh: str = ""
    sentence_en: str = ""

    def sentence(self, lang: Lang) -> str:
        return self.sentence_zh if lang == "zh" else self.sentence_en


@dataclass(frozen=True)
class ReportData:
    """Everything a report about one organ and period prints."""

    organ: OrganRef
    #: the organs directly below, by code
    below: tuple[OrganRef, ...]
    period: str
    period_zh: str
    period_en: str
    families: tuple[Family, ...]
    #: indicator id -> the organ's own figure
    own: dict[str, Figure]
    #: indicator id -> organ code -> figure of an organ below
    by_organ: dict[str, dict[str, Figure]]
    computed_at: datetime | None
    warehouse: Path
    #: fingerprint of the indicator definitions (a report names it, not the files' paths)
    catalogue_version: str = ""
    #: the banner's words when the data changed after the last computation, else ''
    stale_zh: str = ""
    stale_en: str = ""
    #: the organ's figures split by every breakdown its indicators declare (catalogue order)
    breakdowns: tuple[Breakdown, ...] = ()

    def stale(self, lang: Lang) -> str:
        """'' when the figures are as new as the data; else what the report must say."""
        return self.stale_zh if lang == "zh" else self.stale_en

    @property
    def indicators(self) -> tuple[IndicatorInfo, ...]:
        return tuple(i for f in self.families for i in f.indicators)

    def info(self, indicator: str) -> IndicatorInfo:
        for ind in self.indicators:
            if ind.id == indicator:
                return ind
        raise KeyError(indicator)

    def period_name(self, lang: Lang) -> str:
        return self.period_zh if lang == "zh" else self.period_en

    def figures_below(self, indicator: str) -> list[Figure]:
        """The figures of the organs below, in the order of :attr:`below`."""
        row = self.by_organ.get(indicator, {})
        return [row[o.code] for o in self.below if o.code in row]


# --- gathering ------------------------------------------------------------------------


def _source_file(source: str | None) -> str | None:
    """``file:line`` of a definition without the server's directories: a report leaves
    the building, the layout of the server's disk should not."""
    return None if source is None else Path(source).name


def _info(ind: Indicator, source: str | None) -> IndicatorInfo:
    ranges: dict[int, tuple[float | None, float | None]] = {}
    rr = ind.reasonable_range
    if rr is not None:
        if rr.default is not None:
            ranges[0] = (rr.default.low, rr.default.high)
        for level, r in rr.by_level.items():
            ranges[int(level)] = (r.low, r.high)
    return IndicatorInfo(
        id=ind.id,
        name_zh=ind.name_zh,
        name_en=ind.name_en,
        unit=str(ind.unit),
        family=ind.family,
        direction=str(ind.direction),
        definition_zh=ind.definition_zh,
        definition_en=ind.definition_en,
        aspect=ind.aspect,
        ranges=ranges,
        source=source,
        median=ind.is_median,
    )


def _families(catalogue: Catalogue, only: Sequence[str] | None) -> tuple[Family, ...]:
    from kaoping.catalogue.models import FAMILIES

    chosen = [i for i in catalogue.indicators if only is None or i.id in only]
    codes = list(
        dict.fromkeys(
            [
                *(f for f in FAMILIES if any(i.family == f for i in chosen)),
                *(i.family for i in chosen),
            ]
        )
    )
    out = []
    for code in codes:
        zh, en = FAMILIES.get(code, (code, code))
        infos = tuple(_info(i, _source_file(catalogue.sources.get(i.id))) for i in chosen
                      if i.family == code)
        out.append(Family(code, zh, en, infos))
    return tuple(out)


def _organ_ref(row: dict[str, Any]) -> OrganRef:
    return OrganRef(
        code=str(row["organ_code"]),
        name_zh=str(row["name_zh"]),
        name_en=str(row["name_en"]),
        level=int(row["level"]),
    )


def _stored_rows(
    wh: Warehouse, organ: OrganRef, indicators: Sequence[str], labels: Sequence[str]
) -> pd.DataFrame:
    """Stored rows of the organ and the organs directly below it, one per indicator/organ.

    When a period is stored under several equivalent labels (2020-H1, 2020-01..2020-06)
    the first label of ``labels`` wins, as in ``Warehouse.indicator``.

    Two point reads (:func:`kaoping.engine.results.read_results`), not a filter on the
    results view: the view ranks every organ of every period with windows before it can
    keep these few rows, which took most of a report's seconds on a national warehouse.
    """
    import pandas as pd

    from kaoping.engine.results import read_results
    from kaoping.engine.store import has_results

    con = wh._connection()
    if not has_results(con):
        raise ReportDataError("no stored results: run `kaoping compute` first")
    rows: list[dict[str, object]] = []
    # the first label first: an equivalent label is read only for the indicators it
    # would fill (a wider IN costs each of them its share of the read)
    for i, label in enumerate(labels):
        found = {str(r["indicator"]) for r in rows}
        ids = [x for x in indicators if x not in found] if i else list(indicators)
        if not ids:
            break
        rows += read_results(con, "organ", ids, level=organ.level, subject=organ.code,
                             periods=[label])
        rows += read_results(con, "organ", ids, level=organ.level + 1, parent=organ.code,
                             periods=[label])
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=["indicator", "subject", "period"])
    frame["__order"] = frame["period"].map(list(labels).index)
    frame = frame.sort_values("__order", kind="stable").drop_duplicates(
        ["indicator", "subject"])
    return frame.drop(columns="__order")


def _figure(
    row: dict[str, Any], ind: Indicator, organ: OrganRef, period: Any, sentences: bool
) -> Figure:
    from kaoping.engine.values import IndicatorValue, Subject

    subject = Subject(
        kind="organ",
        code=organ.code,
        organ_code=organ.code,
        level=organ.level,
        parent_code=None,
        name_zh=organ.name_zh,
        name_en=organ.name_en,
        organs=(organ.code,),
    )
    v = IndicatorValue.from_row(
        {**row, "period": period.label},
        ind,
        subject,
        period_zh=period.label_zh,
        period_en=period.phrase_en,
        source="stored",
    )
    return Figure(
        indicator=v.indicator,
        organ=organ,
        value=v.value,
        numerator=v.numerator,
        denominator=v.denominator,
        previous=v.previous,
        change=v.change,
        change_unit=v.change_unit,
        rank=v.rank,
        peers=v.peers,
        flags=v.flags,
        sentence_zh=v.sentence("zh") if sentences else "",
        sentence_en=v.sentence("en") if sentences else "",
    )


def gather_from(
    wh: Warehouse, organ: str | None, period: str, *, indicators: Sequence[str] | None = None,
    breakdowns: bool = False,
) -> ReportData:
    """The figures of ``organ`` (None: the top organ) and the organs directly below it;
    with ``breakdowns``, the organ's figures split by every breakdown they declare (the
    workbook prints them; a query each, so only the formats that print them ask)."""
    from kaoping.engine.periods import parse_period

    p = parse_period(period)
    h = wh.hierarchy
    if organ is None:
        organ = wh.subject().code
    if organ not in h:
        raise ReportDataError(h.unknown_organ_message(organ))
    own = _organ_ref(h.organ(organ))
    children = h.organs[h.organs["parent_code"] == organ].sort_values("organ_code")
    below = tuple(
        _organ_ref({str(k): v for k, v in r.items()}) for r in children.to_dict("records")
    )
    refs = {o.code: o for o in (own, *below)}
    wanted = list(indicators) if indicators is not None else list(wh.catalogue.ids())
    frame = _stored_rows(wh, own, wanted, p.equivalent_labels())
    # indicators never computed (e.g. `kaoping compute -i ...`) are left out, not printed
    # as empty columns
    families = _families(wh.catalogue, sorted(set(frame["indicator"])))
    if frame.empty:
        raise ReportDataError(
            f"no stored figures for organ {organ} and period {p.label}: run `kaoping compute` "
            "for that year (reports read stored results only)"
        )
    own_figs: dict[str, Figure] = {}
    by_organ: dict[str, dict[str, Figure]] = {}
    for row in frame.to_dict("records"):
        code = str(row["subject"])
        if code not in refs:  # results older than the organs table: not an organ below now
            continue
        ind = wh.definition(str(row["indicator"]))
        mine = code == organ
        fig = _figure({str(k): v for k, v in row.items()}, ind, refs[code], p, sentences=mine)
        if mine:
            own_figs[ind.id] = fig
        else:
            by_organ.setdefault(ind.id, {})[code] = fig
    last = wh.last_run()
    fresh = wh.freshness()
    from kaoping.engine.compute import catalogue_digest

    split = tuple(wh.breakdowns(
        [(info.id, by)
         for family in (families if breakdowns else ())
         for info in family.indicators
         for by in wh.definition(info.id).breakdowns],
        organ=organ, period=p,
    ))

    return ReportData(
        organ=own,
        below=below,
        period=p.label,
        period_zh=p.label_zh,
        period_en=p.label_en,
        families=families,
        own=own_figs,
        by_organ=by_organ,
        computed_at=last.finished_at if last is not None else None,
        warehouse=wh.path,
        catalogue_version=catalogue_digest(wh.catalogue.indicators),
        stale_zh=fresh.message("zh"),
        stale_en=fresh.message("en"),
        breakdowns=split,
    )


def gather(
    db: Path | str,
    organ: str | None,
    period: str,
    *,
    catalogue: Catalogue | None = None,
    indicators: Sequence[str] | None = None,
    breakdowns: bool = False,
) -> ReportData:
    """Open the warehouse ``db`` read-only and gather the report's figures."""
    from kaoping.api import Warehouse

    path = Path(db)
    if not path.exists():
        raise ReportDataError(
            f"no warehouse at {path}: run `kaoping import` and "
            "`kaoping compute` first, or name one with --db"
        )
    with Warehouse(path, catalogue=catalogue) as wh:
        return gather_from(wh, organ, period, indicators=indicators, breakdowns=breakdowns)
