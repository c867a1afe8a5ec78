"""Public API of ``casework``: open cases, who may act on them, and the lifecycle actions.

Other apps (the submission pipeline, the counter, the national-portal import)
call :func:`open_case`; the back office views and the API call the action
functions here, which drive the status through
``submissions.services.change_status`` (the single source of truth) and add
the department's own facts (assignee, comments, timeline) beside it.

Permissions: a staff member works the cases of the departments where they hold
a casework role (審査・決裁・所属長), plus departments granted to them with a
:class:`~mado.casework.models.CaseGrant`. Everything else is refused with
:class:`CaseForbidden`, whatever the URL or API call.

Focused modules: inbox (listing), review (automatic review), approval (決裁),
decisions (notices), exports and imports; their public functions are
re-exported at the bottom of this module.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mado.casework.calendar import add_business_days
from mado.casework.models import (
    ApprovalRoute,
    ApprovalState,
    Case,
    CaseAttachment,
    CaseEvent,
    CaseGrant,
)
from mado.core import audit
from mado.core.models import Role, StaffMembership
from mado.core.services import staff_municipality
from mado.procedures.models import Procedure
from mado.submissions import services as subs
from mado.submissions.attachments import PDF, SUPPORTED_TYPES, sniff
from mado.submissions.models import PendingCompletion, Status, StatusChange, Submission

CASE_ROLES = frozenset({Role.REVIEWER, Role.APPROVER, Role.MANAGER})
DEFAULT_DUE_DAYS = 10
MAX_INTERNAL_FILE = 10 * 1024 * 1024
CaseError = subs.TransitionError


class CaseForbidden(PermissionDenied):
    """The staff member may not see or act on this case (another department or municipality)."""


# -- permissions ---------------------------------------------------------------

def case_department_ids(user: Any) -> set[int]:
    """Departments whose cases ``user`` may work: casework roles plus live grants."""
    municipality = staff_municipality(user)
    if municipality is None:
        return set()
    ids = set(StaffMembership.unscoped.filter(
        municipality=municipality, user=user, role__in=CASE_ROLES,
    ).values_list("department_id", flat=True))
    today = timezone.localdate()
    ids |= set(CaseGrant.unscoped.filter(
        Q(until__isnull=True) | Q(until__gte=today), municipality=municipality, user=user,
    ).values_list("department_id", flat=True))
    return ids


def has_case_role(user: Any, department_id: int, *roles: str) -> bool:
    return StaffMembership.unscoped.filter(
        user=user, department_id=department_id, role__in=roles).exists()


def check_case(user: Any, case: Case) -> Case:
    """Return ``case`` if ``user`` may act on it, else raise CaseForbidden."""
    municipality = staff_municipality(user)
    if municipality is None or case.municipality_id != municipality.pk:
        raise CaseForbidden("この案件は表示できません / this case is not yours to see")
    if case.department_id not in case_department_ids(user):
        raise CaseForbidden(
            "他の課の案件は操作できません / cases of another department need a grant")
    return case


def get_case(user: Any, case_id: Any) -> Case | None:
    """The case of the user's municipality (None when absent); raises CaseForbidden for others'."""
    municipality = staff_municipality(user)
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        return None
    if municipality is None:
        return None
    case = (Case.unscoped.select_related("submission", "procedure", "department", "assignee",
                                         "submission__form_version", "submission__resident")
            .filter(municipality=municipality, pk=pk).first())
    if case is None:
        return None
    return check_case(user, case)


# -- opening cases -------------------------------------------------------------

def applicant_names(sub: Submission) -> tuple[str, str]:
    """(name, kana) of the applicant from the form data, else from the registry record."""
    data = sub.data or {}
    name = data.get("name")
    kana = data.get("name_kana") or ""
    if isinstance(name, dict):
        text = " ".join(str(name.get(k) or "") for k in ("family", "given")).strip()
        kana = kana or " ".join(str(name.get(k) or "")
                                for k in ("family_kana", "given_kana")).strip()
    else:
        text = str(name or "")
    if not text and sub.resident_id:
        text, kana = sub.resident.full_name, sub.resident.full_name_kana
    return text[:200], str(kana)[:200]


def _due_days(procedure_id: int) -> int:
    route = ApprovalRoute.unscoped.filter(procedure_id=procedure_id).first()
    return route.due_business_days if route else DEFAULT_DUE_DAYS


def open_case(submission: Submission, *, new: bool = False) -> Case:
    """The case of a submitted submission, created on first call (idempotent).

    Called by the pipeline right after ``submit``; on a resubmission after 差戻し
    the existing case continues, with the applicant's name refreshed.
    ``new=True`` (a submission created in this transaction) skips the lookup:
    the submission path is throughput-critical (issue 4), so opening a case
    there costs the route lookup and two INSERTs, without a savepoint.
    """
    if submission.status == Status.DRAFT:
        raise CaseError("下書きには案件を作れません / drafts have no case")
    name, kana = applicant_names(submission)
    existing = None if new else Case.unscoped.filter(submission=submission).first()
    if existing is not None:
        # The status copy is kept by casework.sync; refreshed here too in case a
        # case was opened for a row whose status then moved without a StatusChange.
        current = (existing.applicant_name, existing.applicant_kana, existing.status)
        if current != (name, kana, submission.status):
            existing.applicant_name, existing.applicant_kana = name, kana
            existing.status = submission.status
            existing.save(update_fields=["applicant_name", "applicant_kana", "status"])
        return existing
    procedure = submission.procedure
    opened = submission.submitted_at or timezone.now()
    due = add_business_days(timezone.localdate(opened), _due_days(procedure.pk))
    with transaction.atomic(savepoint=False):
        case = Case.unscoped.create(
            municipality_id=submission.municipality_id, submission=submission,
            department_id=procedure.department_id, procedure=procedure, opened_at=opened,
            due_date=due, applicant_name=name, applicant_kana=kana,
            status=submission.status, channel=submission.channel)
        CaseEvent.unscoped.create(municipality_id=case.municipality_id, case=case,
                                  kind=CaseEvent.Kind.OPENED, actor_label="system", at=opened)
    return case


def open_new_cases(submissions: list[Submission]) -> int:
    """Open the cases of submissions created without one (deferred completion); return count.

    The same rows as :func:`open_case` (``new=True``) per submission — the case
    with its due date and applicant, and the ``opened`` timeline event — in two
    batched INSERTs (:func:`mado.core.bulk.insert_rows`; no instances, no signals).
    """
    from mado.core.bulk import insert_rows

    if not submissions:
        return 0
    procedure_ids = {sub.procedure_id for sub in submissions}
    departments = dict(Procedure.unscoped.filter(pk__in=procedure_ids)
                       .values_list("pk", "department_id"))
    days = dict(ApprovalRoute.unscoped.filter(procedure_id__in=procedure_ids)
                .order_by("-pk").values_list("procedure_id", "due_business_days"))
    rows: list[dict[str, Any]] = []
    due_cache: dict[tuple[dt.date, int], dt.date] = {}  # a batch shares a few days
    for sub in submissions:
        if sub.status == Status.DRAFT:
            raise CaseError("下書きには案件を作れません / drafts have no case")
        name, kana = applicant_names(sub)
        opened = sub.submitted_at or timezone.now()
        key = (timezone.localdate(opened), days.get(sub.procedure_id, DEFAULT_DUE_DAYS))
        due = due_cache.get(key)
        if due is None:
            due = due_cache[key] = add_business_days(*key)
        rows.append({"municipality_id": sub.municipality_id, "submission_id": sub.pk,
                     "department_id": departments[sub.procedure_id],
                     "procedure_id": sub.procedure_id, "opened_at": opened, "due_date": due,
                     "applicant_name": name, "applicant_kana": kana, "status": sub.status,
                     "channel": sub.channel})
    made = insert_rows(Case, rows)
    opened_cases = Case.unscoped.filter(submission_id__in=[sub.pk for sub in submissions])
    insert_rows(CaseEvent, [
        {"municipality_id": city, "case_id": pk, "kind": CaseEvent.Kind.OPENED,
         "actor_label": "system", "at": at, "actor_id": None}
        for pk, city, at in opened_cases.values_list("pk", "municipality_id", "opened_at")])
    return made


def ensure_cases(municipality: Any, *, batch: int = 2000) -> int:
    """Open a case for every submitted submission of ``municipality`` without one; return count.

    Set-based (one query to find them, bulk inserts), so the inbox may call it
    lazily and the demo can seed thousands of cases quickly.
    """
    # Pending ones get their case from submissions.completion, with their other records.
    pending = PendingCompletion.objects.values("submission_id")
    missing = (Submission.unscoped.filter(municipality=municipality, case__isnull=True)
               .exclude(pk__in=pending)
               .exclude(status=Status.DRAFT)
               .select_related("procedure", "resident"))
    days = dict(ApprovalRoute.unscoped.filter(municipality=municipality)
                .values_list("procedure_id", "due_business_days"))
    made = 0
    due_cache: dict[tuple[dt.date, int], dt.date] = {}
    rows: list[Case] = []
    for sub in missing.iterator(chunk_size=batch):
        name, kana = applicant_names(sub)
        opened = sub.submitted_at or sub.created_at
        key = (timezone.localdate(opened), days.get(sub.procedure_id, DEFAULT_DUE_DAYS))
        if key not in due_cache:
            due_cache[key] = add_business_days(*key)
        rows.append(Case(municipality_id=sub.municipality_id, submission_id=sub.pk,
                         department_id=sub.procedure.department_id,
                         procedure_id=sub.procedure_id, opened_at=opened,
                         due_date=due_cache[key], applicant_name=name, applicant_kana=kana,
                         status=sub.status, channel=sub.channel))
        if len(rows) >= batch:
            made += len(Case.unscoped.bulk_create(rows, ignore_conflicts=True))
            rows = []
    if rows:
        made += len(Case.unscoped.bulk_create(rows, ignore_conflicts=True))
    return made


# -- timeline and actions ----------------------------------------------------------

def add_event(case: Case, kind: str, *, by: Any = None, text: str = "",
              detail: dict[str, Any] | None = None) -> CaseEvent:
    user = by if getattr(by, "is_authenticated", False) else None
    label = user.get_username() if user else str(by or "system")
    return CaseEvent.unscoped.create(municipality_id=case.municipality_id, case=case, kind=kind,
                                     actor=user, actor_label=label, text=text,
                                     detail=detail or {})


def timeline(case: Case) -> list[dict[str, Any]]:
    """Status changes, comments, review results, approvals and notices, oldest first."""
    items: list[dict[str, Any]] = []
    for sc in StatusChange.unscoped.filter(submission_id=case.submission_id):
        items.append({"at": sc.at, "kind": "status", "label": "状態変更",
                      "text": f"{Status(sc.from_status).label} → {Status(sc.to_status).label}",
                      "note": sc.note, "actor": sc.actor})
    for ev in CaseEvent.unscoped.filter(case=case):
        items.append({"at": ev.at, "kind": ev.kind, "label": ev.get_kind_display(),
                      "text": ev.text, "note": "", "actor": ev.actor_label})
    if case.reviewed_at is not None:
        from mado.casework.review import event_text

        items.append({"at": case.reviewed_at, "kind": "review", "label": "自動審査",
                      "text": event_text(case.review_outcome, case.review_reasons),
                      "note": "", "actor": "system"})
    items.sort(key=lambda i: i["at"])
    return items


def _change(case: Case, to: str, by: Any, note: str = "") -> Case:
    check_case(by, case)
    case.submission = subs.change_status(case.submission, to, by=by, note=note)
    case.status = case.submission.status  # the row was updated by casework.sync
    return case


def accept(case: Case, *, by: Any) -> Case:
    """受付."""
    return _change(case, Status.ACCEPTED, by)


def start_review(case: Case, *, by: Any) -> Case:
    """審査開始."""
    return _change(case, Status.IN_REVIEW, by)


def return_for_correction(case: Case, *, by: Any, reason: str) -> Case:
    """差戻し: the reason is shown to the resident, who corrects and resubmits."""
    reason = (reason or "").strip()
    if not reason:
        raise CaseError("差戻しの理由を入力してください / a reason for the return is required")
    with transaction.atomic():
        _change(case, Status.RETURNED, by, reason[:2000])
        case.approval_state = ApprovalState.NONE
        case.save(update_fields=["approval_state"])
    return case


def reject(case: Case, *, by: Any, reason: str) -> Case:
    """却下 with a reason; a rejection notice is issued to the resident."""
    from mado.casework import decisions

    reason = (reason or "").strip()
    if not reason:
        raise CaseError("却下の理由を入力してください / a reason for the rejection is required")
    with transaction.atomic():
        _change(case, Status.REJECTED, by, reason[:2000])
        case.decided_at = timezone.now()
        case.save(update_fields=["decided_at"])
        decisions.issue_notice(case, kind="rejected", by=by, reason=reason)
    return case


def complete(case: Case, *, by: Any) -> Case:
    """完了: after 決裁, issue the decision notice and close the case."""
    from mado.casework import decisions

    with transaction.atomic():
        _change(case, Status.COMPLETED, by)
        case.decided_at = timezone.now()
        case.save(update_fields=["decided_at"])
        decisions.issue_notice(case, kind="approved", by=by)
    from mado.casework import exports

    exports.deliver_webhooks(case)
    return case


def comment(case: Case, *, by: Any, text: str) -> CaseEvent:
    check_case(by, case)
    text = (text or "").strip()
    if not text:
        raise CaseError("コメントを入力してください / the comment is empty")
    return add_event(case, CaseEvent.Kind.COMMENT, by=by, text=text[:4000])


def assign(cases: Iterable[Case], *, by: Any, to: Any) -> int:
    """Assign cases to ``to`` (None: unassign); ``to`` must also work the case's department."""
    count = 0
    allowed_to = case_department_ids(to) if to is not None else None
    for case in cases:
        check_case(by, case)
        if allowed_to is not None and case.department_id not in allowed_to:
            raise CaseForbidden("その職員はこの課の案件を担当できません / "
                                "that colleague does not work this department's cases")
        case.assignee = to
        case.save(update_fields=["assignee"])
        add_event(case, CaseEvent.Kind.ASSIGNED, by=by,
                  text=f"担当: {to.get_username() if to else '(なし)'}")
        count += 1
    return count


def colleagues(user: Any) -> list[Any]:
    """Staff who work at least one of the user's case departments (for the assign menu)."""
    from django.contrib.auth import get_user_model

    ids = case_department_ids(user)
    return list(get_user_model().objects.filter(
        memberships__department_id__in=ids, memberships__role__in=CASE_ROLES,
    ).distinct().order_by("username"))


def attach_internal(case: Case, uploaded: Any, *, by: Any) -> CaseAttachment:
    """Store an internal file (PDF, JPEG, PNG; at most 10 MB), checked by its first bytes."""
    check_case(by, case)
    digest = hashlib.sha256()
    size = 0
    with tempfile.TemporaryFile() as tmp:
        head = b""
        for chunk in uploaded.chunks():
            if not head:
                head = chunk[:1024]
            size += len(chunk)
            if size > MAX_INTERNAL_FILE:
                raise CaseError("ファイルは10MBまでです / files may be at most 10 MB")
            digest.update(chunk)
            tmp.write(chunk)
        if size == 0:
            raise CaseError("空のファイルです / the file is empty")
        kind = sniff(head)
        if kind not in SUPPORTED_TYPES:
            raise CaseError("PDF・JPEG・PNGのみ添付できます / only PDF, JPEG or PNG files")
        tmp.seek(0)
        stored = default_storage.save(
            f"casework/{case.municipality_id}/{uuid.uuid4().hex}", File(tmp))
    name = str(getattr(uploaded, "name", "") or "file")[:255]
    att = CaseAttachment.unscoped.create(
        municipality_id=case.municipality_id, case=case, original_name=name,
        stored_path=stored, content_type=kind, size=size, sha256=digest.hexdigest(),
        uploaded_by=by)
    add_event(case, CaseEvent.Kind.ATTACHMENT, by=by, text=name,
              detail={"attachment": att.pk, "pdf": kind == PDF})
    audit.record("case_attachment", user=by, municipality=case.municipality,
                 target_type="case", target_id=case.pk, detail={"name": name, "size": size})
    return att


def open_internal(att: CaseAttachment) -> Any:
    return default_storage.open(att.stored_path, "rb")


# Re-exports of the focused modules (the public API lives here).
from mado.casework.approval import (  # noqa: E402
    approval_rate_report,
    approve_step,
    pending_steps,
    submit_for_approval,
)
from mado.casework.decisions import issue_notice, notice_pdf  # noqa: E402
from mado.casework.exports import export_csv, export_json, sign_payload  # noqa: E402
from mado.casework.imports import import_portal_file  # noqa: E402
from mado.casework.inbox import InboxQuery, list_inbox  # noqa: E402
from mado.casework.review import build_facts, review_cases, review_one  # noqa: E402

__all__ = [
    "CASE_ROLES",
    "CaseError",
    "CaseForbidden",
    "InboxQuery",
    "accept",
    "approval_rate_report",
    "approve_step",
    "assign",
    "attach_internal",
    "build_facts",
    "case_department_ids",
    "check_case",
    "colleagues",
    "comment",
    "complete",
    "ensure_cases",
    "export_csv",
    "export_json",
    "get_case",
    "import_portal_file",
    "issue_notice",
    "list_inbox",
    "notice_pdf",
    "open_case",
    "pending_steps",
    "reject",
    "return_for_correction",
    "review_cases",
    "review_one",
    "sign_payload",
    "start_review",
    "submit_for_approval",
    "timeline",
]
