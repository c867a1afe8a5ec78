"""The guide sheet PDF: embedded Japanese font, no procedure split across pages, fallbacks."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from mado.navigator import pdf
from mado.navigator.views import GroupView, ItemView

HAS_PDFTOTEXT = shutil.which("pdftotext") is not None
needs_pdftotext = pytest.mark.skipif(
    not HAS_PDFTOTEXT, reason="pdftotext (poppler-utils) がありません / pdftotext is not installed")


def context(groups: list[GroupView], **extra: Any) -> dict[str, Any]:
    data = {"municipality_name": "山﨑市", "event_label": "転入", "issued": "令和8年4月1日",
            "groups": groups, "procedure_count": sum(len(g.items) for g in groups),
            "total_fee": "300", "maybe": []}
    data.update(extra)
    return data


def item(n: int, **extra: Any) -> ItemView:
    values = {"code": f"p{n}", "name": f"手続{n:02d}", "reason": "18歳未満のお子さんがいるため",
              "documents": ["本人確認書類（マイナンバーカード、運転免許証など）", "転出証明書"],
              "fee": "無料", "deadline": f"期限{n:02d}日", "channels": ["窓口"],
              "apply_url": None, "description": ""}
    values.update(extra)
    return ItemView(**values)


def text_of(data: bytes, tmp_path: Path, page: int | None = None) -> str:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", *pages, str(path), "-"],  # noqa: S603, S607
                         capture_output=True, check=True, text=True).stdout
    return re.sub(r"\s+", "", out)


@pytest.fixture
def no_font_cache() -> Any:
    pdf.japanese_font.cache_clear()
    yield
    pdf.japanese_font.cache_clear()


def test_a_japanese_truetype_font_is_embedded_when_installed(no_font_cache: Any) -> None:
    if not any(path.exists() for _name, path in pdf.FONT_CANDIDATES):
        pytest.skip("日本語フォントがありません / no Japanese TrueType font installed")
    name, embedded = pdf.japanese_font()
    assert embedded and name != pdf.CID_FALLBACK
    data = pdf.render_guide_sheet(context([GroupView("shimin", "市民課", "1階", "", [item(1)])]))
    assert data.startswith(b"%PDF-")
    assert b"/FontFile2" in data  # the TrueType program is inside the file


def test_without_any_font_file_the_cid_font_is_used(
    no_font_cache: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", (("Nothing", Path("/nonexistent/font.ttf")),))
    assert pdf.japanese_font() == (pdf.CID_FALLBACK, False)
    data = pdf.render_guide_sheet(context([GroupView("shimin", "市民課", "", "", [item(1)])]))
    assert b"HeiseiMin-W3" in data and b"/FontFile2" not in data


@needs_pdftotext
def test_ipamj_keeps_rare_kanji(no_font_cache: Any, tmp_path: Path) -> None:
    if not pdf.FONT_CANDIDATES[0][1].exists():
        pytest.skip("IPAmj明朝 (fonts-ipamj-mincho) がありません / IPAmj Mincho is not installed")
    data = pdf.render_guide_sheet(context([GroupView("shimin", "市民課", "", "", [
        item(1, name="髙橋さんの転入届"), item(2, documents=["渡邊さんの委任状"])])]))
    text = text_of(data, tmp_path)
    for expected in ("山﨑市", "髙橋さんの転入届", "渡邊さんの委任状", "令和8年4月1日"):
        assert expected in text


@needs_pdftotext
def test_long_plans_break_between_procedures_never_inside_one(tmp_path: Path) -> None:
    groups = [GroupView(f"d{g}", f"課{g}", f"本庁舎{g}階", "0475-00-0000",
                        [item(g * 10 + i) for i in range(10)]) for g in range(1, 5)]
    data = pdf.render_guide_sheet(context(groups))
    pages = int(re.search(rb"/Count (\d+)", data).group(1))
    assert pages >= 2
    page_text = [text_of(data, tmp_path, p) for p in range(1, pages + 1)]
    for g in range(1, 5):
        for i in range(10):
            n = g * 10 + i
            on = [p for p, t in enumerate(page_text) if f"手続{n:02d}" in t]
            assert len(on) == 1, n
            assert f"期限{n:02d}日" in page_text[on[0]], f"procedure {n} split across pages"
        # A counter's heading is never alone at the bottom of a page.
        heading = next(p for p, t in enumerate(page_text) if f"{g}.課{g}" in t)
        assert f"手続{g * 10:02d}" in page_text[heading]
    assert "手数料の合計（定額のもの）:300円" in page_text[-1]


@needs_pdftotext
def test_labels_follow_the_active_language(tmp_path: Path) -> None:
    groups = [GroupView("shimin", "市民課", "1階", "", [item(1, fee="Free")])]
    with translation.override("en"):
        data = pdf.render_guide_sheet(context(groups, total_fee="0"))
    text = text_of(data, tmp_path)
    assert "counterguidesheet" in text and "Bring:" in text and "Fee:Free" in text
