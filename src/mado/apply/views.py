"""Resident application pages: /apply/<procedure code>/ → steps → review → receipt.

Why server-rendered POST/redirect steps: the flow must work on any phone, with
the keyboard alone and with JavaScript off. Every step POST stores the raw
input in the draft *before* anything is validated, so a mistake never loses
what was typed (the step is re-rendered with a 400 and the same text); a
success redirects (PRG) so reload and back never resubmit. Logic (show,
require, compute) is evaluated by eforms over the whole answer set at each
submit. Values verified by a My Number card are re-imposed on every POST, so
a crafted request cannot change them.

The draft a browser works on is remembered in the session per procedure;
"save and resume later" sends a link with a secret token instead.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mado.apply import emails, engine, forms
from mado.apply.display import answers_by_step, fee_text

SESSION_DRAFTS = "mado.apply.drafts"
SESSION_DONE = "mado.apply.done"
SESSION_TOKENS = "mado.apply.tokens"


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _title(form: engine.Form) -> str:
    d = form.definition
    return str((_english() and d.get("title_en")) or d.get("title") or form.procedure.name)


def not_found(request: HttpRequest, message: str = "") -> HttpResponse:
    return render(request, "apply/not_found.html", {
        "message": message or _("この手続のオンライン申請は見つかりませんでした。手続ナビで手続を探せます"
                                " / No online application was found for this procedure."),
    }, status=404)


def _form_or_404(request: HttpRequest, code: str) -> engine.Form:
    municipality = getattr(request, "municipality", None)
    form = engine.find_form(municipality, code) if municipality is not None else None
    if form is None:
        raise _NotFound
    return form


class _NotFound(Http404):
    pass


def _draft_for(request: HttpRequest, form: engine.Form) -> Any | None:
    pk = request.session.get(SESSION_DRAFTS, {}).get(form.procedure.code)
    if pk is None:
        return None
    draft = engine.get_draft(request.municipality, pk)  # type: ignore[attr-defined]
    if draft is None or engine.draft_form_code(draft) != form.code:
        return None
    if not engine.draft_matches(draft, engine.current_identity(request)):
        return None
    return draft


def _remember(request: HttpRequest, code: str, draft: Any, token: str) -> None:
    """Keep the draft (and its resume token, for the e-mail) with this browser's session."""
    drafts = dict(request.session.get(SESSION_DRAFTS, {}))
    drafts[code] = draft.pk
    request.session[SESSION_DRAFTS] = drafts
    tokens = dict(request.session.get(SESSION_TOKENS, {}))
    tokens[str(draft.pk)] = token
    request.session[SESSION_TOKENS] = tokens


def _forget(request: HttpRequest, code: str) -> None:
    drafts = dict(request.session.get(SESSION_DRAFTS, {}))
    drafts.pop(code, None)
    request.session[SESSION_DRAFTS] = drafts


def _sign_in_links(request: HttpRequest, level: str) -> dict[str, str]:
    here = request.get_full_path()
    links = {}
    if level in ("card", "email"):
        links["card"] = engine.sign_in_url("card", here)
    if level == "email":
        links["email"] = engine.sign_in_url("email", here)
    return links


def intro(request: HttpRequest, code: str) -> HttpResponse:
    """What the form is, its fee, the identity it needs, and the start button."""
    try:
        form = _form_or_404(request, code)
    except _NotFound:
        return not_found(request)
    identity = engine.current_identity(request)
    allowed = engine.level_ok(identity, form.identity_level)
    draft = _draft_for(request, form)
    d = form.definition
    context = {
        "form": form, "code": code, "title": _title(form),
        "description": (_english() and d.get("description_en")) or d.get("description", ""),
        "fee": fee_text(form.procedure), "level": form.identity_level,
        "identity": identity, "allowed": allowed, "draft": draft,
        "sign_in": _sign_in_links(request, form.identity_level),
        "steps": [_step_title(s) for s in form.steps],
    }
    return render(request, "apply/intro.html", context)


@require_http_methods(["POST"])
def start(request: HttpRequest, code: str) -> HttpResponse:
    """Create the draft (prefilled), remember it in the session, go to the first step."""
    try:
        form = _form_or_404(request, code)
    except _NotFound:
        return not_found(request)
    identity = engine.current_identity(request)
    if not engine.level_ok(identity, form.identity_level):
        return redirect("eforms:apply", code)
    draft = _draft_for(request, form)
    if draft is None:
        pre = engine.prefill(form, identity, request.municipality)  # type: ignore[attr-defined]
        draft, token = engine.create_draft(form, request.municipality, identity, pre)  # type: ignore[attr-defined]
        _remember(request, code, draft, token)
    return redirect("eforms:step", code, form.steps[0]["key"])


def _step_title(step: dict[str, Any]) -> str:
    return str((_english() and step.get("title_en")) or step.get("title") or step.get("key"))


def _progress(form: engine.Form, current: int) -> list[dict[str, Any]]:
    return [{"number": i + 1, "title": _step_title(s), "key": s["key"], "current": i == current,
             "done": i < current} for i, s in enumerate(form.steps)]


def _state(form: engine.Form, draft: Any, identity: Any, evaluation: engine.Evaluation | None,
           errors: dict[str, str]) -> forms.FieldState:
    meta = engine.draft_meta(draft)
    return forms.FieldState(
        errors=errors, locked=frozenset(meta.get("locked", [])),
        prefilled=frozenset(meta.get("prefilled", [])),
        required=frozenset(evaluation.required if evaluation else ()),
        computed=evaluation.computed if evaluation else {},
        compute_targets=frozenset(r.get("target") for r in form.definition.get("logic", [])
                                  if r.get("action") == "compute"),
        attachments=engine.attachment_names(draft), english=_english())


def _render_step(request: HttpRequest, form: engine.Form, draft: Any, index: int,
                 raw: dict[str, Any], errors: dict[str, str], status: int = 200) -> HttpResponse:
    step = form.steps[index]
    identity = engine.current_identity(request)
    evaluation = engine.evaluate(form, raw, engine.locked_values(draft, raw))
    state = _state(form, draft, identity, evaluation, errors)
    mirror = _logic_mirror_enabled()
    hidden = set(evaluation.hidden)
    logic_data = None
    if mirror:
        from mado.eforms import logic as eforms_logic
        from mado.eforms.logic_js import export_logic, hidden_sections

        compiled = eforms_logic.compile_version(form.version)
        hidden |= hidden_sections(compiled, step["key"], evaluation.values)
        logic_data = export_logic(compiled, step["key"], evaluation.values)
        logic_data["required_mark"] = _("必須")
    views = []
    for f in step.get("fields", []):
        if f.get("key") in hidden and not mirror:
            continue
        view = forms.field_view(f, raw.get(f.get("key")), state)
        # With the mirror on, hidden fields are rendered inside an inert <template>
        # (step.html: not shown, not submitted) for logic.js to reveal.
        view["hidden"] = f.get("key") in hidden
        views.append(view)
    summary = [{"label": v["label"], "message": errors[v["path"]], "target": v["target"]}
               for v in _walk(views) if v.get("path") in errors]
    summary += [{"label": "", "message": m, "target": ""} for p, m in errors.items()
                if p not in {s_v.get("path") for s_v in _walk(views)}]
    context = {
        "form": form, "code": form.procedure.code, "title": _title(form),
        "step": step, "step_title": _step_title(step), "number": index + 1,
        "total": len(form.steps), "progress": _progress(form, index), "fields": views,
        "errors": summary, "has_files": any(v["type"] == "file" for v in _walk(views)),
        "is_first": index == 0, "logic": logic_data,
    }
    return render(request, "apply/step.html", context, status=status)


def _logic_mirror_enabled() -> bool:
    """The browser mirror of show/require/compute (apply/logic.js); a switch to turn it off."""
    from django.conf import settings

    return bool(getattr(settings, "MADO_APPLY_LOGIC_JS", True))


def _walk(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for v in views:
        out.append(v)
        for row in v.get("rows", []):
            out.extend(_walk(row["fields"]))
    return out


@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, code: str, step_key: str) -> HttpResponse:
    try:
        form = _form_or_404(request, code)
    except _NotFound:
        return not_found(request)
    index = form.step_index(step_key)
    if index < 0:
        return not_found(request, _("そのステップはありません / There is no such step."))
    identity = engine.current_identity(request)
    draft = _draft_for(request, form)
    if draft is None or not engine.level_ok(identity, form.identity_level):
        return redirect("eforms:apply", code)
    raw = engine.draft_raw(draft)
    if request.method == "GET":
        return _render_step(request, form, draft, index, raw, {})

    stepdef = form.steps[index]
    posted = forms.read_step(stepdef, request.POST, request.FILES)
    raw.update(posted.raw)
    upload_errors = engine.store_uploads(request.municipality, form, draft,  # type: ignore[attr-defined]
                                         stepdef, posted.files, raw)
    engine.reimpose_locked(draft, raw)
    engine.save_draft(draft, raw, step_key)
    action = posted.action
    if forms.is_row_action(action):
        group = action.split(":")[1]
        url = reverse("eforms:step", args=[code, step_key])
        return HttpResponseRedirect(f"{url}#f-{group}")
    if action == "save":
        return redirect("eforms:save", code)
    if action == "back" and index > 0:
        return redirect("eforms:step", code, form.steps[index - 1]["key"])
    evaluation = engine.evaluate(form, raw, engine.locked_values(draft, raw))
    keys = engine.step_keys(stepdef)
    errors = {**evaluation.errors_for(k for k in keys if k not in evaluation.hidden),
              **upload_errors}
    if errors:
        return _render_step(request, form, draft, index, raw, errors, status=400)
    engine.step_completed(draft, step_key, raw)
    later = [s["key"] for s in form.steps[index + 1:]
             if not evaluation.visible_steps or s["key"] in evaluation.visible_steps]
    if later:
        return redirect("eforms:step", code, later[0])
    return redirect("eforms:review", code)


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, code: str) -> HttpResponse:
    """Every answer with an edit link per step; POST submits."""
    try:
        form = _form_or_404(request, code)
    except _NotFound:
        return not_found(request)
    identity = engine.current_identity(request)
    draft = _draft_for(request, form)
    if draft is None or not engine.level_ok(identity, form.identity_level):
        return redirect("eforms:apply", code)
    raw = engine.draft_raw(draft)
    engine.reimpose_locked(draft, raw)
    evaluation = engine.evaluate(form, raw, engine.locked_values(draft, raw))
    if evaluation.errors:
        first = next(iter(evaluation.errors))
        step_key = form.step_of(first.split(".", 1)[0].split("[", 1)[0]) or form.steps[0]["key"]
        if request.method == "POST":
            messages.error(request, _("入力内容に確認が必要な項目があります / Some answers need checking."))
        return redirect("eforms:step", code, step_key)
    if request.method == "POST":
        submission = engine.submit(form, draft, evaluation, identity, raw)
        _open_fee(submission)
        _forget(request, code)
        done = list(request.session.get(SESSION_DONE, []))
        request.session[SESSION_DONE] = [*done[-19:], submission.pk]
        emails.send_confirmation(request, submission, _title(form))
        return redirect("eforms:receipt", submission.pk)
    context = {
        "form": form, "code": code, "title": _title(form),
        "steps": answers_by_step(form, evaluation, engine.attachment_names(draft), _english()),
        "fee": fee_text(form.procedure), "total": len(form.steps),
    }
    return render(request, "apply/review.html", context)


def _open_fee(submission: Any) -> None:
    """The fee to pay now (pay-before procedures); a fee problem never loses the submission."""
    import logging

    from mado.payments import services as payments

    try:
        payments.payment_for_submission(submission)
    except Exception:
        logging.getLogger(__name__).exception("fee of submission %s not created", submission.pk)


@require_http_methods(["GET", "POST"])
def save(request: HttpRequest, code: str) -> HttpResponse:
    """Save and resume later: e-mail a link with a secret token to the applicant."""
    try:
        form = _form_or_404(request, code)
    except _NotFound:
        return not_found(request)
    draft = _draft_for(request, form)
    if draft is None:
        return redirect("eforms:apply", code)
    identity = engine.current_identity(request)
    address = request.POST.get("email", "") if request.method == "POST" else (
        engine.known_email(identity, engine.draft_raw(draft)))
    error = ""
    if request.method == "POST":
        address = address.strip()
        if not emails.valid_address(address):
            error = _("メールアドレスの形式が正しくありません / Enter a valid e-mail address.")
        else:
            token = request.session.get(SESSION_TOKENS, {}).get(str(draft.pk), "")
            emails.send_resume_link(request, address, _title(form), token)
            return render(request, "apply/saved.html", {"title": _title(form), "email": address,
                                                        "code": code})
    return render(request, "apply/save.html", {"title": _title(form), "email": address,
                                               "error": error, "code": code},
                  status=400 if error else 200)


def resume(request: HttpRequest, token: str) -> HttpResponse:
    """Open a saved draft from the e-mailed link."""
    municipality = getattr(request, "municipality", None)
    draft = engine.resume_draft(municipality, token) if municipality is not None else None
    if draft is None:
        return render(request, "apply/not_found.html", {
            "message": _("このリンクは正しくないか、有効期限が切れています。もう一度はじめから申請してください"
                         " / This link is invalid or has expired. Please start the application again."),
        }, status=404)
    form = engine.form_of_draft(draft)
    _remember(request, form.procedure.code, draft, token)
    step_key = engine.draft_meta(draft).get("step") or form.steps[0]["key"]
    if form.step_index(step_key) < 0:
        step_key = form.steps[0]["key"]
    messages.info(request, _("保存した申請の続きから再開します / Resuming your saved application."))
    return redirect("eforms:step", form.procedure.code, step_key)
