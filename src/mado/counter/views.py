"""The counter screens at /staff/counter/: identify → plan → forms → confirm → receipts.

Why plain forms and redirects: the counter must work by keyboard alone and
without JavaScript (a USB code scanner is a keyboard that types the code and
presses Enter), and every step is a POST that either moves on or re-renders
with a 400 and everything typed kept. Logic lives in services.py.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from mado.counter import previsit as codec
from mado.counter import services
from mado.counter.fill import ANSWER_FIELDS, SOURCE_LABELS
from mado.counter.forms_web import ANSWER_LABELS, fact_rows, facts_from_post, life_event_choices
from mado.identity.base import IdentityError
from mado.navigator.services import FactError, LifeEventError
from mado.registry import services as registry
from mado.staff.views import staff_required

PARTS_KEY = "mado.counter.previsit_parts"


def _session_or_404(request: HttpRequest, session_id: Any) -> Any:
    session = services.get_session(request.municipality, session_id)
    if session is None:
        raise Http404("受付が見つかりません / no such counter session")
    return session


def _home_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    from mado.identity import services as identity

    origin = f"{request.scheme}://{request.get_host()}"
    context = {
        "life_events": life_event_choices(),
        "q": request.GET.get("q", "").strip()[:100],
        "birth_date": request.GET.get("birth_date", "").strip()[:20],
        "life_event": request.GET.get("life_event", "moving_within"),
        "cards": identity.demo_cards(request.municipality),
        "challenge": identity.start_challenge(origin=origin, municipality=request.municipality),
        "parts": request.session.get(PARTS_KEY, []),
        "errors": {},
        "rows": None,
    }
    context.update(extra)
    if context["parts"]:
        try:
            context["missing"] = codec.missing_parts(context["parts"])
        except codec.PrevisitError:
            context["missing"] = []
    return context


@staff_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def home(request: HttpRequest) -> HttpResponse:
    context = _home_context(request)
    status = 200
    if context["q"] or context["birth_date"]:
        try:
            context["rows"] = registry.search_residents(
                request.municipality, context["q"], context["birth_date"] or None,
                user=request.user, reason="書かない窓口 住民検索 / counter search", limit=20,
            )
        except registry.QueryError as exc:
            context["errors"]["search"], status = str(exc), 400
    return render(request, "counter/home.html", context, status=status)


@staff_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    resident_id = request.POST.get("resident_id", "")
    resident = None
    if resident_id.isdigit():
        resident = registry.get_resident(request.municipality, int(resident_id), user=request.user,
                                         reason="書かない窓口 / counter visit")
    if resident is None:
        context = _home_context(request, errors={"search": "住民を選んでください / choose a resident"})
        return render(request, "counter/home.html", context, status=400)
    try:
        session = services.start_session(
            request.municipality, resident, user=request.user, identified_by="search",
            life_event=request.POST.get("life_event", ""),
        )
    except (services.CounterError, LifeEventError) as exc:
        context = _home_context(request, errors={"search": str(exc)})
        return render(request, "counter/home.html", context, status=400)
    return redirect("counter:plan", session.pk)


@staff_required
@require_POST
def card(request: HttpRequest) -> HttpResponse:
    post = request.POST
    origin = f"{request.scheme}://{request.get_host()}"
    try:
        resident, identity = services.identify_by_card(
            request.municipality, post.get("card", ""), post.get("pin", ""),
            post.get("nonce", ""), post.get("challenge", ""), origin, user=request.user,
        )
        session = services.start_session(
            request.municipality, resident, user=request.user, identified_by="card",
            life_event=post.get("life_event", ""), identity=identity,
        )
    except services.CounterError as exc:
        errors = {exc.field if exc.field in ("card", "pin") else "card": exc.message}
    except IdentityError as exc:
        errors = {"pin" if exc.code in ("wrong_pin", "pin_locked", "bad_pin_format") else "card":
                  exc.message}
    except LifeEventError as exc:
        errors = {"card": str(exc)}
    else:
        return redirect("counter:plan", session.pk)
    context = _home_context(request, errors=errors, selected_card=post.get("card", ""))
    return render(request, "counter/home.html", context, status=400)


@staff_required
@require_POST
def scan(request: HttpRequest) -> HttpResponse:
    """A scanned (or typed) pre-visit code part; when all parts are in, open the visit."""
    if request.POST.get("clear"):
        request.session.pop(PARTS_KEY, None)
        return redirect("counter:home")
    parts = list(request.session.get(PARTS_KEY, [])) + codec.split_text(request.POST.get("code", ""))
    try:
        missing = codec.missing_parts(parts)
        parts = list(dict.fromkeys(parts))
        if missing:
            request.session[PARTS_KEY] = parts
            return render(request, "counter/home.html", _home_context(request), status=200)
        data = codec.decode(parts, municipality_code=request.municipality.code)
    except codec.PrevisitError as exc:
        context = _home_context(request, errors={"code": str(exc)}, code=request.POST.get("code", ""))
        return render(request, "counter/home.html", context, status=400)
    candidates = services.resident_for_previsit(request.municipality, data, user=request.user)
    chosen_id = request.POST.get("resident_id", "")
    picked = [r for r in candidates if str(r.pk) == chosen_id] or (
        candidates if len(candidates) == 1 else [])
    if not picked:
        request.session[PARTS_KEY] = parts
        context = _home_context(request, previsit_candidates=candidates, previsit=data)
        return render(request, "counter/home.html", context, status=200)
    request.session.pop(PARTS_KEY, None)
    try:
        session = services.session_from_previsit(request.municipality, data, picked[0],
                                                  user=request.user)
    except (services.CounterError, LifeEventError, FactError) as exc:
        context = _home_context(request, errors={"code": str(exc)})
        return render(request, "counter/home.html", context, status=400)
    return redirect("counter:plan", session.pk)


@staff_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def plan(request: HttpRequest, session_id: Any) -> HttpResponse:
    session = _session_or_404(request, session_id)
    if session.status != "open":
        return redirect("counter:done", session.pk)
    errors: dict[str, str] = {}
    status = 200
    posted: dict[str, Any] = {}
    if request.method == "POST":
        posted = {k: request.POST.get(k, "") for k in ANSWER_FIELDS}
        try:
            facts = facts_from_post(request.POST, session)
            services.update_plan(
                session,
                life_event=request.POST.get("life_event") or session.life_event,
                facts=facts,
                answers=posted,
                procedures=request.POST.getlist("procedures")
                if request.POST.get("life_event", session.life_event) == session.life_event
                and "procedures_shown" in request.POST else None,
            )
        except (services.CounterError, FactError) as exc:
            errors[getattr(exc, "field", "general")] = exc.message
        except LifeEventError as exc:
            errors["life_event"] = str(exc)
        if errors:
            status = 400
        elif request.POST.get("action") == "forms":
            return redirect("counter:forms", session.pk)
        else:
            return redirect("counter:plan", session.pk)
    the_plan = services.plan_of(session) if session.life_event else None
    answers = {**session.answers, **{k: v for k, v in posted.items() if v}}
    context = {
        "session": session,
        "members": services.household(session),
        "life_events": life_event_choices(),
        "plan": the_plan,
        "proposals": services.proposals(session, the_plan) if the_plan else [],
        "questions": fact_rows(the_plan, session, request.POST if errors else None) if the_plan else [],
        "answer_rows": [(k, ANSWER_LABELS[k], answers.get(k, "")) for k in ANSWER_FIELDS],
        "errors": errors,
        "today": timezone.localdate(),
    }
    return render(request, "counter/plan.html", context, status=status)


@staff_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def forms(request: HttpRequest, session_id: Any) -> HttpResponse:
    session = _session_or_404(request, session_id)
    if session.status != "open":
        return redirect("counter:done", session.pk)
    error = ""
    status = 200
    if request.method == "POST":
        for filled in services.filled_forms(session):
            prefix = f"{filled.code}__"
            typed = {k[len(prefix):]: v.strip() for k, v in request.POST.items()
                     if k.startswith(prefix) and v.strip()}
            if typed:
                services.type_values(session, filled.code, typed)
        if request.POST.get("action") == "confirm":
            try:
                services.confirm(session, user=request.user,
                                 attested=request.POST.get("attested") == "on")
            except services.CounterError as exc:
                error, status = exc.message, 400
            else:
                return redirect("counter:done", session.pk)
        else:
            return redirect("counter:forms", session.pk)
    filled_forms = services.filled_forms(session)
    context = {
        "session": session,
        "forms": [_form_rows(f) for f in filled_forms],
        "counts": services.counts(filled_forms, session),
        "without_form": [p for p in services.chosen(session) if p.form is None],
        "attestation": services.ATTESTATION,
        "error": error,
        "attested": request.POST.get("attested") == "on",
    }
    return render(request, "counter/forms.html", context, status=status)


def _display(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(str(v) for k, v in value.items() if v and not k.endswith("_kana"))
    if isinstance(value, list):
        return "、".join(_display(v.get("name", v)) if isinstance(v, dict) else str(v) for v in value)
    return str(value)


def _form_rows(filled: Any) -> dict[str, Any]:
    from mado.eforms import services as eforms

    rows = []
    for info in eforms.compiled(filled.version).fields:
        key = info.key
        if key in filled.values:
            source = filled.sources.get(key, "")
            rows.append({"key": key, "label": info.spec.get("label", key),
                         "value": _display(filled.values[key]),
                         "source": SOURCE_LABELS.get(source, "既定値"), "input": False})
        elif key in filled.errors and info.spec.get("type") not in ("group", "file"):
            rows.append({"key": key, "label": info.spec.get("label", key), "value": "",
                         "source": SOURCE_LABELS["staff"], "input": True,
                         "error": "、".join(filled.errors[key])})
    return {"form": filled, "rows": rows,
            "other_errors": {k: v for k, v in filled.errors.items()
                             if not any(r["key"] == k and r["input"] for r in rows)}}


@staff_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def bundle(request: HttpRequest, session_id: Any) -> HttpResponse:
    session = _session_or_404(request, session_id)
    response = HttpResponse(services.bundle_pdf(session), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="counter-{session.pk}.pdf"'
    return response


@staff_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def done(request: HttpRequest, session_id: Any) -> HttpResponse:
    session = _session_or_404(request, session_id)
    if session.status != "confirmed":
        return redirect("counter:forms", session.pk)
    submissions = list(session.submissions.select_related("procedure", "procedure__department")
                       .order_by("receipt_number"))
    context = {
        "session": session,
        "submissions": submissions,
        "take_home": services.take_home(session),
        "guide_sheet_url": services.guide_sheet_url(session),
    }
    return render(request, "counter/done.html", context)
