"""The briefing's text and figures, from :mod:`kaoping.narrative.briefing` (``kaoping brief``).

The only door from reports into the narrative and, through it, the appraisal: the Word
and PDF versions print the briefing's own Markdown, so they say what ``kaoping brief``
says, and take from its structured :class:`~kaoping.narrative.briefing.Briefing` the few
series the charts need (headline changes, the league table's totals, the grade counts),
copied into plain tuples here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from kaoping.catalogue.models import Catalogue
    from kaoping.narrative.briefing import Briefing, GradeTable

__all__ = ["BriefingSource", "LeagueEntry", "load_briefing"]

Lang = Literal["zh", "en"]


@dataclass(frozen=True)
class LeagueEntry:
    name: str
    total: float
    grade: str
    #: in the scheme's lowest grade
    worst: bool


@dataclass(frozen=True)
class BriefingSource:
    markdown: str
    #: the kind of each ``##`` section of the Markdown, in order: "headline",
    #: "out_of_range", "movers", "league", "prosecutors"
    sections: tuple[str, ...]
    #: (indicator name, change in percentage points, flagged as a large swing)
    headline_changes: tuple[tuple[str, float, bool], ...]
    #: the organs below by total, best first
    league: tuple[LeagueEntry, ...]
    #: (grade name, number of prosecutors), best grade first
    grades: tuple[tuple[str, int], ...]
    #: the content hashes (as the briefing prints them) of the appraisals it cites: a
    #: paragraph naming one is provenance, for the file's properties rather than the body
    hashes: tuple[str, ...] = ()

    def to_json(self) -> bytes:
        """The briefing as JSON, for a cache shared by processes (:meth:`from_json`)."""
        return json.dumps(asdict(self), ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, body: bytes) -> BriefingSource:
        d = json.loads(body)
        return cls(
            markdown=d["markdown"],
            sections=tuple(d["sections"]),
            headline_changes=tuple((str(n), float(c), bool(f))
                                   for n, c, f in d["headline_changes"]),
            league=tuple(LeagueEntry(**e) for e in d["league"]),
            grades=tuple((str(g), int(n)) for g, n in d["grades"]),
            hashes=tuple(d["hashes"]),
        )


def _grade_name(table: GradeTable, grade: str, lang: Lang) -> str:
    for gid, zh, en in table.grades:
        if gid == grade:
            return zh if lang == "zh" else en
    return grade


def _league(b: Briefing, lang: Lang) -> tuple[LeagueEntry, ...]:
    t = b.league
    if t is None or not t.results:
        return ()
    worst = t.grades[-1][0] if t.grades else None
    ordered = sorted(t.results, key=lambda r: (-r.total, r.subject))
    return tuple(
        LeagueEntry(
            name=r.name_zh if lang == "zh" else r.name_en,
            total=r.total,
            grade=_grade_name(t, r.grade, lang),
            worst=r.grade == worst and len(t.grades) > 1,
        )
        for r in ordered
    )


def _grades(b: Briefing, lang: Lang) -> tuple[tuple[str, int], ...]:
    t = b.prosecutors
    if t is None or not t.results:
        return ()
    return tuple(
        (zh if lang == "zh" else en, sum(1 for r in t.results if r.grade == gid))
        for gid, zh, en in t.grades
    )


def _sections(b: Briefing) -> tuple[str, ...]:
    """The sections ``build_briefing`` writes: the league only with organs below."""
    league = ("league",) if b.league is not None and b.league.results else ()
    return ("headline", "out_of_range", "movers", *league, "prosecutors")


def load_briefing(
    db: Path,
    organ: str,
    period: str,
    lang: Lang,
    *,
    catalogue: Catalogue | None = None,
    app_engine: Engine | None = None,
) -> BriefingSource:
    """The briefing of ``organ`` for ``period``; grades from ``app_engine``'s runs if any."""
    from kaoping.narrative.briefing import build_briefing

    b = build_briefing(
        db, period, organ=organ, lang=lang, app_engine=app_engine, catalogue=catalogue
    )
    changes = tuple(
        (v.name_zh if lang == "zh" else v.name_en, v.change, "yoy_swing" in v.flags)
        for v in b.headline
        if v.change is not None and v.change_unit == "percentage_points"
    )
    return BriefingSource(
        markdown=b.text,
        sections=_sections(b),
        headline_changes=changes,
        league=_league(b, lang),
        grades=_grades(b, lang),
        hashes=tuple(t.content_hash[:16] for t in (b.league, b.prosecutors)
                     if t is not None and t.results),
    )
