"""The reports' CJK fonts come with kaoping (issue 11): no system font, no font cache.

The faces are the files of the ``pylopdf-fonts-zh-cn`` dependency (Noto Sans SC, Noto
Serif SC), used by path: reportlab embeds subsets cut from them, matplotlib resolves the
family to that very file. A report is made in a fresh process whose matplotlib
configuration and cache directory is empty, and the PDF's font list must name nothing but
the packaged faces. A font that is configured but missing ends in one line (CLI) or a 503
with the reason (web), never a traceback or a bare 500.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pylopdf_fonts_zh_cn as packaged
import pytest
from fastapi.testclient import TestClient
from fontTools.ttLib import TTFont
from tests.reports.conftest import PERIOD, PROVINCE
from typer.testing import CliRunner

import kaoping
from kaoping.cli import app
from kaoping.reports import charts, fonts

SRC = Path(kaoping.__file__).resolve().parent.parent


def test_the_faces_are_the_packaged_files() -> None:
    sans, serif = fonts.cjk_font("sans"), fonts.cjk_font("serif")
    assert sans.path == packaged.sans_path() and sans.family == "Noto Sans SC"
    assert serif.path == packaged.serif_path() and serif.family == "Noto Serif SC"
    assert fonts.find_cjk_font() == serif and fonts.find_cjk_font(bold=True) == sans


def test_the_packaged_fonts_are_cff_so_the_pdf_converts_them() -> None:
    """reportlab's TTFont refuses CFF outlines: the subset must be TrueType, and load."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont as ReportlabTTFont

    assert "CFF " in TTFont(str(packaged.serif_path()), lazy=True)
    text = "最高人民检察院不捕率17.1%"
    data = fonts.truetype_subset(fonts.cjk_font("serif"), text, suffix="fonttest")
    tt = TTFont(io.BytesIO(data))
    assert "glyf" in tt and "CFF " not in tt
    cmap = tt["cmap"].getBestCmap()
    assert all(ord(c) in cmap for c in text)
    pdfmetrics.registerFont(ReportlabTTFont("KaopingFontTest", io.BytesIO(data)))
    assert pdfmetrics.stringWidth("检察院", "KaopingFontTest", 10) == pytest.approx(30, abs=1)


def test_matplotlib_draws_chinese_with_the_packaged_file() -> None:
    from matplotlib import font_manager

    prop = fonts.chart_font()
    found = font_manager.findfont(
        font_manager.FontProperties(family=prop.get_family()), fallback_to_default=False
    )
    assert Path(found).resolve() == packaged.sans_path().resolve()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        png = charts.bar_chart([charts.Bar("北京市人民检察院", 0.2)], percent=True)
    assert png.startswith(b"\x89PNG")


def test_a_configured_font_replaces_the_packaged_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAOPING_FONT_SERIF", str(packaged.sans_path()))
    assert fonts.cjk_font("serif").family == "Noto Sans SC"


def test_a_file_that_is_no_cjk_font_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bad = tmp_path / "not-a-font.ttf"
    bad.write_bytes(b"not a font")
    monkeypatch.setenv("KAOPING_FONT_SANS", str(bad))
    with pytest.raises(fonts.FontNotFoundError, match="KAOPING_FONT_SANS"):
        fonts.cjk_font("sans")


def _fresh_env(tmp_path: Path) -> dict[str, str]:
    """A process with this checkout's sources and an empty matplotlib config and cache, as
    on a machine where matplotlib never ran."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAOPING_FONT_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    env["MPLCONFIGDIR"] = str(tmp_path / "mpl")
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    return env


def test_report_pdf_on_a_fresh_process_uses_only_the_packaged_fonts(
    warehouse: Path, tmp_path: Path
) -> None:
    out = tmp_path / "通报.pdf"
    argv = [sys.executable, "-m", "kaoping", "report", "--organ", PROVINCE, "--period", PERIOD,
            "--format", "pdf", "--db", str(warehouse), "--out", str(out),
            "--app-db", f"sqlite:///{tmp_path / 'app.db'}"]
    done = subprocess.run(argv, env=_fresh_env(tmp_path), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    text = subprocess.run(["pdftotext", str(out), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "检察院" in text
    listing = subprocess.run(["pdffonts", str(out)], check=True, capture_output=True,
                             text=True).stdout.splitlines()[2:]
    # reportlab declares Helvetica, a standard PDF font that needs no file, on every page
    fonts_used = [line for line in listing if not line.startswith("Helvetica ")]
    faces = {line.split("+")[1].split("-")[0] for line in fonts_used}  # pdffonts cuts names
    assert faces == {"NotoSerifSC", "NotoSansSC"}, listing
    assert all(" yes yes yes " in line for line in fonts_used), listing  # embedded subsets


def test_a_missing_font_is_one_line_from_the_cli(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "仿宋_GB2312.ttf"
    monkeypatch.setenv("KAOPING_FONT_SERIF", str(missing))
    result = CliRunner().invoke(app, [
        "report", "--organ", PROVINCE, "--period", PERIOD, "--format", "pdf",
        "--db", str(warehouse), "--out", str(tmp_path / "x.pdf"),
        "--app-db", f"sqlite:///{tmp_path / 'app.db'}",
    ])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "error:" in result.stderr and str(missing) in result.stderr.replace("\n", "")
    assert not (tmp_path / "x.pdf").exists()


def test_a_missing_font_is_a_503_with_the_reason_from_the_web(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kaoping.appdb import make_engine, session_scope
    from kaoping.web import create_app
    from kaoping.web.users import create_user

    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = make_engine(url)
    with session_scope(engine) as session:
        create_user(session, "admin", "font-test-password", "admin")
    engine.dispose()
    client = TestClient(create_app(db=warehouse, app_db=url, secret="font-test-secret"),
                        raise_server_exceptions=False)
    token = client.post("/api/token", json={"username": "admin",
                                            "password": "font-test-password"})
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    base = f"/api/organs/{PROVINCE}/report?period={PERIOD}"
    monkeypatch.setenv("KAOPING_FONT_SANS", str(tmp_path / "missing.otf"))
    pdf = client.get(f"{base}&format=pdf", headers=headers)
    assert pdf.status_code == 503, pdf.text[:300]
    assert "missing.otf" in pdf.json()["detail"]
    xlsx = client.get(f"{base}&format=xlsx", headers=headers)  # needs no font
    assert xlsx.status_code == 200


def _shapes(tt: TTFont, text: str) -> dict[str, tuple[object, ...]]:
    """char -> (advance, contour end points, points) of ``text``'s glyphs in ``tt``."""
    cmap, glyf = tt.getBestCmap(), tt["glyf"]
    out: dict[str, tuple[object, ...]] = {}
    for ch in text:
        g = glyf[cmap[ord(ch)]]
        coords, ends, _ = g.getCoordinates(glyf)
        out[ch] = (tt["hmtx"][cmap[ord(ch)]][0], tuple(ends), tuple(coords))
    return out


def test_a_pdf_font_has_the_source_glyphs_and_keeps_them_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The glyphs a PDF font holds have the source font's advance widths and outline
    bounds (the CFF curves' own, measured by fontTools, within 2 font units of the
    quadratic approximation); a new process reads them from the kept files instead of
    drawing them, and gets the same outlines."""
    from fontTools.pens.boundsPen import BoundsPen

    face = fonts.cjk_font("serif")
    text = "检察院不起诉率批捕ABCxyz0123%（），"
    fonts.keep_outlines_in(tmp_path)
    try:
        fonts._cff_source.cache_clear()
        drawn = TTFont(io.BytesIO(fonts.truetype_subset(face, text, "drawn")))
        assert len(list(tmp_path.glob("*.json"))) == 1
        fonts._cff_source.cache_clear()  # as a new process

        def no_drawing(*args: object) -> None:
            raise AssertionError("a kept glyph was drawn again")

        monkeypatch.setattr("fontTools.pens.ttGlyphPen.TTGlyphPen", no_drawing)
        read = TTFont(io.BytesIO(fonts.truetype_subset(face, text, "read")))
    finally:
        fonts.keep_outlines_in(None)
        fonts._cff_source.cache_clear()
    assert _shapes(read, text) == _shapes(drawn, text)
    source = TTFont(str(face.path), lazy=True)
    glyphs, cmap = source.getGlyphSet(), source.getBestCmap()
    for ch, (advance, _, coords) in _shapes(drawn, text).items():
        assert advance == source["hmtx"][cmap[ord(ch)]][0], ch
        pen = BoundsPen(glyphs)
        glyphs[cmap[ord(ch)]].draw(pen)
        xs, ys = [x for x, _ in coords], [y for _, y in coords]  # type: ignore[attr-defined]
        assert pen.bounds is not None
        for got, want in zip((min(xs), min(ys), max(xs), max(ys)), pen.bounds, strict=True):
            assert abs(got - want) <= 2, ch
