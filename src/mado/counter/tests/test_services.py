"""The counter's services: a family of four moving within the city, from identification to receipts."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from mado.counter import services
from mado.counter.models import SessionStatus
from mado.submissions.models import ServiceEvent, Submission

NEW = {"new_postal_code": "297-0023", "new_address": "千葉県サンプル市新町2丁目3番4号",
       "move_date": "令和8年4月1日"}


def _session(family: dict[str, Any], **kw: Any) -> Any:
    return services.start_session(family["city"], family["takahashi"], user=family["madoguchi"],
                                  identified_by="search", life_event="moving_within", **kw)


def pdf_text(data: bytes, tmp_path: Any) -> str:
    path = tmp_path / "bundle.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"],  # noqa: S603, S607 - fixed argv
                          capture_output=True, text=True, check=True).stdout


def test_plan_proposes_the_move_procedures_from_the_registry(family: dict[str, Any]) -> None:
    session = _session(family)
    proposals = {p.code: p for p in services.proposals(session)}
    assert {"tenkyo-todoke", "kokuho-jusho-henko", "jidoteate-henko-todoke",
            "kodomo-iryo-henko", "tennyugaku-shogakko"} <= set(proposals)
    assert "koki-jusho-henko" not in proposals  # nobody is 75+
    ticked = {c for c, p in proposals.items() if p.checked}
    assert "tenkyo-todoke" in ticked
    # 就学校変更 needs a wish and a reason only the family knows: proposed, not ticked.
    assert "shugakko-henko" not in ticked and proposals["shugakko-henko"].missing


def test_forms_are_filled_once_with_sources(family: dict[str, Any]) -> None:
    session = _session(family, answers=NEW)
    forms = {f.code: f for f in services.filled_forms(session)}
    tenkyo = forms["counter-tenkyo"]
    assert tenkyo.ok, tenkyo.errors
    assert tenkyo.sources["name"] == "registry"
    assert tenkyo.sources["movers"] == "household"
    assert tenkyo.sources["new_address"] == "question"
    assert len(tenkyo.values["movers"]) == 4
    # The answer typed once fills every form that asks for it.
    assert all(f.values.get("new_address") == NEW["new_address"] for f in forms.values())
    children = forms["counter-jidoteate-henko"].values["children"]
    assert {c["name"]["given"] for c in children} == {"花子", "一郎", "𠮷子"}


def test_confirm_makes_one_submission_per_procedure_routed_to_departments(
    family: dict[str, Any], tmp_path: Any
) -> None:
    session = _session(family, answers=NEW)
    picked = [p.code for p in services.chosen(session)]
    with pytest.raises(services.CounterError):
        services.confirm(session, user=family["madoguchi"], attested=False)
    made = services.confirm(session, user=family["madoguchi"], attested=True)
    assert sorted(s.procedure.code for s in made) == sorted(picked)
    assert {s.channel for s in made} == {"counter"}
    assert all(s.receipt_number for s in made)
    depts = {s.procedure.code: s.procedure.department.code for s in made}
    assert depts["tenkyo-todoke"] == "shimin" and depts["kokuho-jusho-henko"] == "hoken"
    session.refresh_from_db()
    assert session.status == SessionStatus.CONFIRMED
    event = ServiceEvent.unscoped.get(kind="counter_confirmed")
    assert event.detail["procedures"] == len(made) and event.detail["resident_written"] == 0
    assert event.detail["forms"] == sum(1 for s in made if s.form_version_id)
    assert event.fields_prefilled > 20 and event.duration_ms is not None
    assert event.fields_typed == 3  # the three move answers, typed once
    with pytest.raises(services.CounterError):
        services.confirm(session, user=family["madoguchi"], attested=True)


def test_confirm_is_all_or_none(family: dict[str, Any], monkeypatch: Any) -> None:
    session = _session(family, answers=NEW)
    real = services.submissions.create_submitted
    calls = []

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(services.submissions, "create_submitted", failing)
    with pytest.raises(RuntimeError):
        services.confirm(session, user=family["madoguchi"], attested=True)
    assert Submission.unscoped.count() == 0
    session.refresh_from_db()
    assert session.status == SessionStatus.OPEN


def test_bundle_pdf_holds_every_form_with_names_and_new_address(
    family: dict[str, Any], tmp_path: Any
) -> None:
    session = _session(family, answers=NEW)
    forms = services.filled_forms(session)
    text = pdf_text(services.bundle_pdf(session), tmp_path)
    for f in forms:
        assert f.title in text
    assert text.count("千葉県サンプル市新町2丁目3番4号") >= len(forms)
    for name in ("髙橋", "太郎", "花子", "一郎", "𠮷子"):
        assert name in text
    assert "お持ち帰り用" in text
