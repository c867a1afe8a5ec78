"""The apply flow's one door to eforms, identity and submissions (a thin adapter).

Why a separate module: the resident pages need a handful of operations —
find the published form of a procedure, prefill it, evaluate validation and
logic over the raw answers, keep a draft, submit — that belong to three other
apps. Going through this module keeps views.py about pages and HTTP, and
keeps the knowledge of those apps' exact signatures in one place.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse

from mado.apply import forms
from mado.core.models import Municipality
from mado.identity import services as identity_services

CARD_PREFILLS = {"identity.name", "identity.birth_date", "identity.sex", "identity.address"}


@dataclass
class Form:
    """The published form version a procedure is applied for with."""

    version: Any
    definition: dict[str, Any]
    procedure: Any

    @property
    def code(self) -> str:
        return str(self.definition.get("code", ""))

    @property
    def steps(self) -> list[dict[str, Any]]:
        return list(self.definition.get("steps", []))

    def step_index(self, key: str) -> int:
        for i, step in enumerate(self.steps):
            if step.get("key") == key:
                return i
        return -1

    def step_of(self, field_key: str) -> str:
        for step in self.steps:
            if any(f.get("key") == field_key for f in step.get("fields", [])):
                return str(step.get("key"))
        return ""

    @property
    def identity_level(self) -> str:
        return str(self.definition.get("identity") or "none")


@dataclass
class Evaluation:
    """Validation and logic over the whole answer set."""

    values: dict[str, Any]
    errors: dict[str, str]
    hidden: set[str] = field(default_factory=set)
    required: set[str] = field(default_factory=set)
    computed: dict[str, Any] = field(default_factory=dict)
    visible_steps: list[str] = field(default_factory=list)

    def errors_for(self, keys: Iterable[str]) -> dict[str, str]:
        keys = set(keys)
        return {p: m for p, m in self.errors.items()
                if p.split(".", 1)[0].split("[", 1)[0] in keys}


@dataclass
class Prefill:
    values: dict[str, Any]
    locked: set[str]
    prefilled: set[str]


def current_identity(request: HttpRequest) -> dict[str, Any] | None:
    return identity_services.current_identity(request)  # type: ignore[return-value]


def level_ok(identity: Mapping[str, Any] | None, required: str) -> bool:
    return identity_services.level_at_least(identity, required)  # type: ignore[arg-type]


def _messages(errors: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for path, msgs in errors.items():
        out[path] = " ".join(msgs) if isinstance(msgs, list | tuple) else str(msgs)
    return out


# find_form() answers from a per-process memo for a few seconds: it is on
# every page of the flow and on the JSON submission path (issue 4's throughput
# goal), and a published version never changes (FormVersion is immutable once
# published). Publishing a new version, or editing a procedure, clears the memo
# in this process at once (signals in apps.py); other worker processes see it
# within FORM_CACHE_SECONDS.
FORM_CACHE_SECONDS = 5.0
_form_cache: dict[tuple[int, str], tuple[float, Any, Any]] = {}


def clear_form_cache(*_args: Any, **_kwargs: Any) -> None:
    """Forget the memo of :func:`find_form` (signal receiver; also used by tests)."""
    _form_cache.clear()


def find_form(municipality: Municipality, procedure_code: str) -> Form | None:
    """The newest published form version bound to ``procedure_code`` in ``municipality``.

    Bound means the form's procedure is that procedure, or (for a form not yet
    linked) its definition's ``"procedure"`` names the code.
    """
    key = (municipality.pk, procedure_code)
    now = time.monotonic()
    hit = _form_cache.get(key)
    if hit is not None and hit[0] > now:
        _expires, version, procedure = hit
    else:
        version, procedure = _find_form_uncached(municipality, procedure_code)
        if len(_form_cache) > 10_000:  # bounded: codes come from URLs anyone can type
            _form_cache.clear()
        _form_cache[key] = (now + FORM_CACHE_SECONDS, version, procedure)
    if version is None:
        return None
    return Form(version=version, definition=dict(version.definition), procedure=procedure)


def _find_form_uncached(municipality: Municipality, procedure_code: str) -> tuple[Any, Any]:
    from django.db.models import Q

    from mado.eforms.models import FormVersion, VersionStatus
    from mado.procedures.models import Procedure

    procedure = Procedure.unscoped.filter(municipality=municipality,
                                          code=procedure_code).first()
    if procedure is None:
        return None, None
    version = (FormVersion.unscoped.select_related("form")
               .filter(Q(form__procedure=procedure) | Q(definition__procedure=procedure_code),
                       municipality=municipality, status=VersionStatus.PUBLISHED)
               .order_by("-published_at", "-number").first())
    return version, procedure


def _compiled(form: Form) -> Any:
    from mado.eforms import logic

    return logic.compile_version(form.version)


def prefill(form: Form, identity: Mapping[str, Any] | None,
            municipality: Municipality) -> Prefill:
    """Values from the verified identity and, for a known resident, the registry."""
    from mado.eforms import prefill as eprefill
    from mado.registry.models import ResidentRecord

    resident = None
    resident_id = (identity or {}).get("resident_id")
    if resident_id:
        resident = ResidentRecord.unscoped.filter(municipality=municipality,
                                                  pk=resident_id).first()
    values, locked, sources = eprefill.prefill(_compiled(form), identity, resident)
    return Prefill(values=dict(values), locked=set(locked), prefilled=set(sources))


def evaluate(form: Form, raw: Mapping[str, Any],
             locked: Mapping[str, Any] | None = None) -> Evaluation:
    """Parse, apply logic (show/require/compute) and validate every field of the form."""
    from mado.eforms import logic

    result = logic.validate_submission(_compiled(form), dict(raw), locked=locked)
    state = result.state
    all_keys = {f.key for f in _compiled(form).fields}
    return Evaluation(values=dict(result.values), errors=_messages(result.errors),
                      hidden=(all_keys - set(state.visible)) if state else set(),
                      required=set(state.required) if state else set(),
                      computed=dict(state.computed) if state else {},
                      visible_steps=list(state.visible_steps) if state else [])


def step_keys(step: Mapping[str, Any]) -> list[str]:
    return [f["key"] for f in forms.value_fields(step.get("fields", []))]


# --- drafts (submissions app) ------------------------------------------------------

META = "_apply"  # the flow's own bookkeeping inside a draft's data (step, locked keys)


def draft_raw(draft: Any) -> dict[str, Any]:
    """The raw answers kept in a draft (exactly as typed; validated only on submit)."""
    return {k: v for k, v in (draft.data or {}).items() if k != META}


def draft_meta(draft: Any) -> dict[str, Any]:
    meta = (draft.data or {}).get(META)
    return dict(meta) if isinstance(meta, dict) else {}


def draft_form_code(draft: Any) -> str:
    return str(draft_meta(draft).get("form", ""))


def create_draft(form: Form, municipality: Municipality, identity: Mapping[str, Any] | None,
                 pre: Prefill) -> tuple[Any, str]:
    """A new web draft holding the prefilled values: (Submission, resume token).

    The token is returned once (only its hash is stored); the view keeps it in
    the session so that "save and resume later" can e-mail it.
    """
    from mado.registry.models import ResidentRecord
    from mado.submissions import services as subs

    resident = None
    resident_id = (identity or {}).get("resident_id")
    if resident_id:
        resident = ResidentRecord.unscoped.filter(municipality=municipality,
                                                  pk=resident_id).first()
    draft, token = subs.create_draft(municipality, form.procedure, form.version, channel="web",
                                     identity=dict(identity) if identity else None,
                                     resident=resident)
    meta = {"form": form.code, "step": form.steps[0]["key"], "locked": sorted(pre.locked),
            "prefilled": sorted(pre.prefilled),
            "prefill_digest": {k: _digest(v) for k, v in pre.values.items()},
            "locked_values": {k: pre.values[k] for k in pre.locked if k in pre.values},
            "subject": (identity or {}).get("subject", "")}
    subs.update_draft(draft, {**pre.values, META: meta}, replace=True)
    return draft, token


def get_draft(municipality: Municipality, pk: Any) -> Any | None:
    from mado.submissions.models import Status, Submission

    return (Submission.unscoped.select_related("procedure", "form_version")
            .filter(municipality=municipality, pk=pk, status=Status.DRAFT).first())


def draft_matches(draft: Any, identity: Mapping[str, Any] | None) -> bool:
    """A draft started under one verified identity is not continued under another."""
    subject = draft_meta(draft).get("subject", "")
    return not subject or subject == (identity or {}).get("subject", "")


def save_draft(draft: Any, raw: Mapping[str, Any], step_key: str) -> None:
    from mado.submissions import services as subs

    meta = {**draft_meta(draft), "step": step_key}
    subs.update_draft(draft, {**raw, META: meta}, replace=True)


def reimpose_locked(draft: Any, raw: dict[str, Any]) -> None:
    """Card-verified values win over anything posted (a crafted POST changes nothing).

    For a name only the kanji parts are the card's; the readings stay editable
    when the card value has none.
    """
    for key, value in draft_meta(draft).get("locked_values", {}).items():
        if isinstance(value, dict) and isinstance(raw.get(key), dict):
            merged = dict(raw[key])
            merged.update({k: v for k, v in value.items() if v})
            raw[key] = merged
        else:
            raw[key] = value


def locked_values(draft: Any, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The locked fields' values (after :func:`reimpose_locked`), for eforms to enforce too."""
    return {k: raw[k] for k in draft_meta(draft).get("locked", []) if k in raw}


def resume_draft(municipality: Municipality, token: str) -> Any | None:
    from mado.submissions import services as subs

    return subs.resume_draft(municipality, token)


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def form_of_draft(draft: Any) -> Form:
    version = draft.form_version
    return Form(version=version, definition=dict(version.definition), procedure=draft.procedure)


def attachment_names(draft: Any) -> dict[str, str]:
    """Attachment reference → the uploaded file's name (display only)."""
    from mado.submissions.models import Attachment

    refs = _file_refs(draft_raw(draft))
    if not refs:
        return {}
    rows = Attachment.unscoped.filter(municipality_id=draft.municipality_id, ref__in=refs)
    return {str(a.ref): a.original_name or str(a.ref) for a in rows}


def _file_refs(raw: Mapping[str, Any]) -> list[str]:
    refs: list[str] = []

    def visit(value: Any) -> None:
        if isinstance(value, str) and len(value) == 36 and value.count("-") == 4:
            refs.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                visit(v)
        elif isinstance(value, list):
            for v in value:
                visit(v)

    visit(dict(raw))
    return refs


def _field_at(step: Mapping[str, Any], path: str) -> Mapping[str, Any] | None:
    top, _, rest = path.partition("[")
    for f in step.get("fields", []):
        if f.get("key") == top:
            if not rest:
                return f
            sub = rest.split("].", 1)[-1]
            return next((s for s in f.get("fields", []) if s.get("key") == sub), None)
    return None


def store_uploads(municipality: Municipality, form: Form, draft: Any, step: Mapping[str, Any],
                  uploads: Mapping[str, Any], raw: dict[str, Any]) -> dict[str, str]:
    """Store this step's uploads; put each new reference into ``raw``; return refusals by path.

    A refused upload leaves the earlier attachment (if any) in place, and the
    message says why (too large, not an accepted type, disguised, unsafe PDF).
    """
    from mado.submissions import services as subs

    errors: dict[str, str] = {}
    for path, upload in uploads.items():
        spec = _field_at(step, path)
        if spec is None:
            continue
        accept = list(spec.get("accept") or ["image/jpeg", "image/png", "application/pdf"])
        max_size = int(spec.get("max_size") or 10 * 1024 * 1024)
        try:
            attachment = subs.store_upload(municipality, upload, accept=accept, max_size=max_size,
                                           submission=draft, field_key=path)
        except subs.AttachmentError as exc:
            label = spec.get("label") or spec.get("key")
            errors[path] = f"「{label}」{exc}"
            continue
        ref = str(attachment.ref)
        if "[" in path:
            top, rest = path.split("[", 1)
            index_text, sub = rest.split("].", 1)
            rows = raw.get(top)
            index = int(index_text)
            if isinstance(rows, list) and 0 <= index < len(rows) and isinstance(rows[index], dict):
                rows[index][sub] = ref
        else:
            raw[path] = ref
    return errors


def step_completed(draft: Any, step_key: str, raw: Mapping[str, Any]) -> None:
    from mado.submissions import events

    events.record_event(draft.municipality, events.STEP_COMPLETED, submission=draft,
                        detail={"step": step_key})


def counts(draft: Any, values: Mapping[str, Any]) -> tuple[int, int]:
    """(fields prefilled and kept, fields typed) of the final values, for the KPI event."""
    meta = draft_meta(draft)
    digest, locked = meta.get("prefill_digest", {}), set(meta.get("locked", []))
    prefilled = typed = 0
    for key, value in values.items():
        if forms.is_empty(value):
            continue
        if key in locked or (key in digest and digest[key] == _digest(value)):
            prefilled += 1
        else:
            typed += 1
    return prefilled, typed


def submit(form: Form, draft: Any, evaluation: Evaluation, identity: Mapping[str, Any] | None,
           raw: Mapping[str, Any]) -> Any:
    """Submit the validated values; returns the Submission with its receipt number."""
    from mado.submissions import services as subs

    values = {k: v for k, v in evaluation.values.items() if k not in evaluation.hidden}
    prefilled, typed = counts(draft, {k: v for k, v in values.items()
                                      if k not in evaluation.computed})
    fee = _fee_of(form, values)
    return subs.submit(draft, values, identity=dict(identity) if identity else None,
                       fee_yen=fee, fields_prefilled=prefilled, fields_typed=typed,
                       attachment_refs=_file_refs(values))


def _fee_of(form: Form, values: Mapping[str, Any]) -> int:
    """The fee the answers cost (per copy, per item, exemptions: payments.fees); catalogue price if unsure."""
    from mado.payments.fees import FeeError, quote, rule_for

    try:
        rule = rule_for(form.procedure.municipality, form.procedure)
        return int(quote(rule, values, form.definition).amount_yen)
    except FeeError:
        return int(getattr(form.procedure, "fee", 0) or 0)


def known_email(identity: Mapping[str, Any] | None, raw: Mapping[str, Any]) -> str:
    """The applicant's address: the verified one, else the first e-mail answer."""
    if identity and identity.get("email"):
        return str(identity["email"])
    for value in raw.values():
        if isinstance(value, str) and "@" in value and len(value) < 255:
            return value.strip()
    return ""


def sign_in_url(method: str, next_url: str) -> str:
    name = "identity:card" if method == "card" else "identity:email"
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def submissions_for(municipality: Municipality, identity: Mapping[str, Any] | None) -> list[Any]:
    from mado.submissions import services as subs

    return subs.submissions_for_identity(municipality, dict(identity) if identity else None)


def status_history(submission: Any) -> list[Any]:
    from mado.submissions import services as subs

    return subs.status_history(submission, for_resident=True)


def attachment_names_of(submission: Any) -> dict[str, str]:
    from mado.submissions.models import Attachment

    return {str(a.ref): a.original_name or str(a.ref)
            for a in Attachment.unscoped.filter(submission=submission)}


def sign_out_url() -> str:
    return reverse("identity:signout")
