"""Public API of the counter (書かないワンストップ窓口): one visit from identification to receipts.

Why these steps, in this order (seed 001: 北見市, 北九州市, 志摩市, 熊本市):

1. identify the resident (registry search, the My Number card through the
   identity port, or a pre-visit code) — :func:`start_session`;
2. the navigator's staff mode proposes the procedures from the registry and a
   few questions (漏れがない) — :func:`proposals`;
3. every form of the chosen procedures is filled once from the registry, the
   household and the answers (書かない) — :func:`filled_forms`; staff type
   only what the city cannot know — :func:`type_values`;
4. one PDF for signature (or the staff attestation), and on confirmation one
   Submission per procedure, all or none, each in its department's inbox
   (回さない) — :func:`confirm`.

ServiceEvents ``counter_identified`` and ``counter_confirmed`` carry the time
from identification to confirmation, the number of forms and the fields
prefilled vs typed; the resident writes nothing at the counter.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from mado.core import audit
from mado.core.models import Municipality
from mado.counter import previsit as codec
from mado.counter.fill import ANSWER_FIELDS, FilledForm, fill_form, missing_unknowable
from mado.counter.models import CounterSession, IdentifiedBy, SessionStatus
from mado.eforms import services as eforms
from mado.navigator import services as navigator
from mado.procedures.facts import clean_facts
from mado.submissions import events
from mado.submissions import services as submissions

IDENTIFIED = "counter_identified"
CONFIRMED = "counter_confirmed"
ATTESTATION = "本人が内容を確認し署名に代えて同意した"


class CounterError(ValueError):
    """Bad input at the counter; ``field`` names the input, the message is bilingual."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class Proposal:
    """One procedure the navigator proposes, with its form filled as far as the city knows."""

    item: Any  # navigator PlanItem
    form: FilledForm | None
    checked: bool
    missing: list[str]

    @property
    def code(self) -> str:
        return str(self.item.code)


# -- identification -----------------------------------------------------------


def start_session(
    municipality: Municipality,
    resident: Any,
    *,
    user: Any,
    identified_by: str,
    life_event: str = "",
    facts: dict[str, Any] | None = None,
    answers: dict[str, Any] | None = None,
    previsit: dict[str, Any] | None = None,
    identity: dict[str, Any] | None = None,
) -> CounterSession:
    """Open a visit for an identified resident; records ``counter_identified``."""
    if resident is None or resident.municipality_id != municipality.pk:
        raise CounterError("resident_id", "住民が見つかりません / resident not found")
    if identified_by not in IdentifiedBy.values:
        raise CounterError("identified_by", "本人確認の方法が不正です / invalid method")
    if life_event:
        navigator.validate_life_event(life_event)
    clean, _ignored = clean_facts(facts or {})
    clean_answers = clean_answers_of(answers or {})
    identity = identity or {}
    session = CounterSession.unscoped.create(
        municipality=municipality,
        resident=resident,
        staff=user if getattr(user, "is_authenticated", False) else None,
        life_event=life_event,
        identified_by=identified_by,
        identity_level=identity.get("level") or "none",
        identity_subject=str(identity.get("subject") or "")[:200],
        identified_at=timezone.now(),
        facts=clean,
        answers=clean_answers,
        answers_typed_by_staff=[] if identified_by == IdentifiedBy.PREVISIT else list(clean_answers),
        previsit=dict(previsit or {}),
    )
    events.record_event(
        municipality,
        IDENTIFIED,
        channel=_channel(session),
        detail={"method": identified_by, "life_event": life_event},
    )
    audit.record(
        audit.Action.READ,
        user=user,
        municipality=municipality,
        target_type="resident",
        target_id=resident.pk,
        reason="書かない窓口の受付 / one-stop counter visit",
        detail={"session": str(session.pk), "method": identified_by},
    )
    return session


def identify_by_card(
    municipality: Municipality, card_id: object, pin: str, nonce: str, challenge: str, origin: str,
    *, user: Any = None,
) -> tuple[Any, dict[str, Any]]:
    """Read a demo My Number card at the counter: (resident, verified identity).

    The card reader signs the challenge with the PIN (the resident types it),
    the identity port verifies the signature, the CA, the validity and the CRL
    exactly as for /id/card/; the card must match a resident of this city.
    Raises ``identity.IdentityError`` or :class:`CounterError`.
    """
    from mado.identity import services as identity
    from mado.identity.models import DemoCard
    from mado.registry import services as registry

    card = None
    if str(card_id).isdigit():
        card = DemoCard.unscoped.filter(municipality=municipality, pk=int(str(card_id))).first()
    if card is None:
        raise CounterError("card", "カードを選んでください / choose a card")
    if not pin.strip():
        raise CounterError("pin", "暗証番号を入力してください / enter the PIN")
    response = identity.card_sign(card, pin, identity.ChallengeData(nonce=nonce, origin=origin))
    verified = dict(identity.verify(response, challenge))
    resident = None
    if verified.get("resident_id"):
        resident = registry.get_resident(
            municipality, int(verified["resident_id"]), user=user,
            reason="マイナンバーカードによる窓口での本人確認 / card read at the counter",
        )
    if resident is None:
        raise CounterError(
            "card", "カードの方が住民記録に見つかりません / the card holder is not in the registry"
        )
    return resident, verified


def get_session(municipality: Municipality, session_id: object) -> CounterSession | None:
    try:
        key = uuid.UUID(str(session_id))
    except (ValueError, TypeError):
        return None
    return (
        CounterSession.unscoped.select_related("resident", "resident__household", "municipality")
        .filter(municipality=municipality, pk=key)
        .first()
    )


def household(session: CounterSession) -> list[Any]:
    from mado.registry import services as registry

    return registry.household_members(session.resident)


# -- answers, plan and procedures ----------------------------------------------


def clean_answers_of(raw: dict[str, Any]) -> dict[str, Any]:
    """The move answers (new address, move date), trimmed; unknown keys are ignored."""
    from mado.core.text import normalize_postal_code, parse_date

    out: dict[str, Any] = {}
    for key in ANSWER_FIELDS:
        value = str(raw.get(key) or "").strip()
        if not value:
            continue
        if len(value) > 300:
            raise CounterError(key, "長すぎます(300文字まで) / too long (max 300)")
        if key == "move_date":
            try:
                value = parse_date(value).isoformat()
            except (ValueError, TypeError, AttributeError):
                raise CounterError(key, "日付が読めません（例: 令和8年4月1日、2026-04-01） / unreadable date") from None
        elif key == "new_postal_code":
            try:
                value = normalize_postal_code(value)
            except (ValueError, TypeError):
                raise CounterError(key, "郵便番号は7桁の数字です / a postal code has 7 digits") from None
        out[key] = value
    return out


def plan_of(session: CounterSession) -> Any:
    return navigator.plan_for_resident(
        session.municipality, session.resident, session.life_event, session.facts
    )


def _fill(session: CounterSession, code: str, version: Any) -> FilledForm:
    return fill_form(
        version,
        session.resident,
        procedure_code=code,
        answers=session.answers,
        previsit=session.previsit,
        typed=(session.typed or {}).get(version.form.code, {}),
    )


def proposals(session: CounterSession, plan: Any = None) -> list[Proposal]:
    """The plan's procedures, each with its form filled and whether it is ticked.

    Before staff choose, a procedure is ticked when the counter can take it
    and its form needs nothing the city cannot know (書かない first); the
    others are shown unticked with the fields staff would have to type.
    """
    plan = plan or plan_of(session)
    versions = eforms.version_for_procedure(session.municipality, [i.code for i in plan.items])
    out = []
    for item in plan.items:
        version = versions.get(item.code)
        filled = _fill(session, item.code, version) if version is not None else None
        missing = missing_unknowable(filled) if filled is not None else []
        if session.procedures_chosen:
            checked = item.code in session.procedures
        else:
            checked = "counter" in item.entry.data.get("channels", []) and not missing
        out.append(Proposal(item, filled, checked, missing))
    return out


def update_plan(
    session: CounterSession,
    *,
    life_event: str | None = None,
    facts: dict[str, Any] | None = None,
    answers: dict[str, Any] | None = None,
    procedures: list[str] | None = None,
) -> CounterSession:
    """Save what staff chose on the plan screen (raises CounterError / navigator errors)."""
    _check_open(session)
    if life_event is not None and life_event != session.life_event:
        session.life_event = navigator.validate_life_event(life_event)
        session.procedures, session.procedures_chosen = [], False
    if facts is not None:
        session.facts, _ignored = clean_facts(facts)
    if answers is not None:
        clean_answers = clean_answers_of(answers)
        typed = [k for k, v in clean_answers.items() if session.answers.get(k) != v]
        session.answers = clean_answers
        session.answers_typed_by_staff = sorted(set(session.answers_typed_by_staff) | set(typed))
    if procedures is not None:
        known = {i.code for i in plan_of(session).items}
        session.procedures = [c for c in dict.fromkeys(procedures) if c in known]
        session.procedures_chosen = True
    session.save()
    return session


def chosen(session: CounterSession) -> list[Proposal]:
    return [p for p in proposals(session) if p.checked]


def filled_forms(session: CounterSession) -> list[FilledForm]:
    return [p.form for p in chosen(session) if p.form is not None]


def type_values(session: CounterSession, form_code: str, data: dict[str, Any]) -> CounterSession:
    """Keep what staff typed into one form (empty values are dropped)."""
    _check_open(session)
    typed = dict(session.typed or {})
    current = {k: v for k, v in {**typed.get(form_code, {}), **data}.items() if v not in ("", None)}
    typed[form_code] = current
    session.typed = typed
    session.save(update_fields=["typed", "updated_at"])
    return session


def counts(forms: list[FilledForm], session: CounterSession) -> dict[str, int]:
    """Fields prefilled vs typed; ``resident_written`` is what the resident wrote at the counter."""
    return {
        "forms": len(forms),
        "fields_prefilled": sum(f.prefilled for f in forms),
        "fields_typed": sum(f.typed for f in forms) + len(session.answers_typed_by_staff),
        "fields_previsit": sum(f.count("previsit") for f in forms),
        "resident_written": 0,
    }


# -- confirmation ---------------------------------------------------------------


def _check_open(session: CounterSession) -> None:
    if session.status != SessionStatus.OPEN:
        raise CounterError("session", "この受付は完了しています / this visit is already confirmed")


def _channel(session: CounterSession) -> str:
    return "previsit" if session.identified_by == IdentifiedBy.PREVISIT else "counter"


def confirm(session: CounterSession, *, user: Any, attested: bool) -> list[Any]:
    """One Submission per chosen procedure, all or none; records ``counter_confirmed``."""
    from mado.procedures.models import Procedure

    _check_open(session)
    if not attested:
        raise CounterError(
            "attested", f"「{ATTESTATION}」を確認してください / confirm the resident's consent"
        )
    picked = chosen(session)
    if not picked:
        raise CounterError("procedures", "手続を1つ以上選んでください / choose at least one procedure")
    invalid = [p for p in picked if p.form is not None and not p.form.ok]
    if invalid:
        names = "、".join(p.item.entry.name for p in invalid)
        raise CounterError("forms", f"未入力の項目があります: {names} / some required fields are empty")
    models = {
        p.code: p
        for p in Procedure.unscoped.select_related("department").filter(
            municipality=session.municipality, code__in=[p.code for p in picked]
        )
    }
    identity = None
    if session.identity_level != "none":
        identity = {"level": session.identity_level, "subject": session.identity_subject}
    channel = _channel(session)
    forms = [p.form for p in picked if p.form is not None]
    made = []
    now = timezone.now()
    with transaction.atomic():
        locked = CounterSession.unscoped.select_for_update().get(pk=session.pk)
        _check_open(locked)
        for p in picked:
            version = p.form.version if p.form is not None else None
            data = p.form.clean if p.form is not None else dict(session.answers)
            made.append(submissions.create_submitted(
                session.municipality, models[p.code], version, data, channel=channel,
                identity=identity, resident=session.resident, by=user,
                fields_prefilled=p.form.prefilled if p.form else 0,
                fields_typed=p.form.typed if p.form else 0,
            ))
        total = counts(forms, session)
        duration = int((now - session.identified_at).total_seconds() * 1000)
        events.record_event(
            session.municipality, CONFIRMED, channel=channel,
            fields_prefilled=total["fields_prefilled"], fields_typed=total["fields_typed"],
            duration_ms=max(duration, 0),
            detail={"forms": total["forms"], "procedures": len(made),
                    "resident_written": 0, "fields_previsit": total["fields_previsit"],
                    "life_event": session.life_event, "method": session.identified_by},
        )
        locked.status, locked.confirmed_at, locked.attested = SessionStatus.CONFIRMED, now, True
        locked.procedures, locked.procedures_chosen = [p.code for p in picked], True
        locked.save()
        locked.submissions.set(made)
    session.refresh_from_db()
    return made


def take_home(session: CounterSession, plan: Any = None) -> dict[str, list[Any]]:
    """北九州市's take-home list: what was done here, what the resident may still apply for.

    ``elsewhere``: procedures of the plan not taken at this counter (staff
    unticked them); ``maybe``: those that may apply (questions unanswered).
    """
    plan = plan or plan_of(session)
    done = set(session.procedures) if session.procedures_chosen else {
        p.code for p in proposals(session, plan) if p.checked
    }
    return {
        "done": [i for i in plan.items if i.code in done],
        "elsewhere": [i for i in plan.items if i.code not in done],
        "maybe": list(plan.maybe),
    }


def guide_sheet_url(session: CounterSession) -> str | None:
    """The navigator's guide sheet when counters remain for procedures not taken here."""
    remaining = take_home(session)["elsewhere"]
    if not remaining or not session.life_event:
        return None
    facts = navigator.facts_from_registry(session.resident, session.life_event)
    facts.update(session.facts)
    return navigator.guide_sheet_url(session.life_event, facts)


def bundle_pdf(session: CounterSession) -> bytes:
    """Every prefilled form of the chosen procedures in one PDF, then the take-home list."""
    from mado.counter.pdf import render_bundle

    forms = filled_forms(session)
    return render_bundle(
        [(f.version, f.values) for f in forms],
        municipality_name=session.municipality.name,
        take_home=take_home(session),
    )


# -- pre-visit --------------------------------------------------------------------


def previsit_codes(municipality: Municipality, data: dict[str, Any]) -> list[str]:
    """The QR texts for what a resident entered at home (see previsit.py)."""
    return codec.encode(data, municipality_code=municipality.code)


def resident_for_previsit(municipality: Municipality, data: dict[str, Any], *, user: Any) -> list[Any]:
    """Candidates for the person of a pre-visit code: search by name (kana) and birth date."""
    from mado.registry import services as registry

    query = str(data.get("k") or data.get("n") or "").strip()[:100]
    birth = str(data.get("b") or "").strip()[:20] or None
    if not query:
        return []
    try:
        return registry.search_residents(
            municipality, query, birth, user=user, reason="来庁前申請の読込 / pre-visit code", limit=10
        )
    except registry.QueryError:
        return []


def session_from_previsit(
    municipality: Municipality, data: dict[str, Any], resident: Any, *, user: Any
) -> CounterSession:
    """The visit the resident prepared at home, for the resident staff confirmed."""
    answers = data.get("a") if isinstance(data.get("a"), dict) else {}
    facts = data.get("f") if isinstance(data.get("f"), dict) else {}
    fields = data.get("p") if isinstance(data.get("p"), dict) else {}
    previsit_fields = {str(k)[:50]: str(v)[:300] for k, v in fields.items() if v not in ("", None)}
    return start_session(
        municipality, resident, user=user, identified_by=IdentifiedBy.PREVISIT,
        life_event=str(data.get("e") or ""), facts=facts, answers=answers,
        previsit=previsit_fields,
    )


__all__ = [
    "ATTESTATION",
    "CounterError",
    "Proposal",
    "bundle_pdf",
    "chosen",
    "clean_answers_of",
    "confirm",
    "counts",
    "filled_forms",
    "get_session",
    "guide_sheet_url",
    "household",
    "identify_by_card",
    "plan_of",
    "previsit_codes",
    "proposals",
    "resident_for_previsit",
    "session_from_previsit",
    "start_session",
    "take_home",
    "type_values",
    "update_plan",
]
