"""The department inbox: one filtered, paginated query plus the counts per status.

Why it is written this way: the inbox is the page staff keep open all day, over
tens of thousands of cases. It runs a fixed number of queries whatever the
page size (rows with their submission, procedure and assignee joined; one
grouped count per status, which also gives the pager its total), and every
filter maps to a column of ``Case`` itself: status and channel are copies of
the submission's, kept equal by ``casework.sync`` in the transaction that moves
the status. So the counts are an index-only scan of ``case_inbox_status_idx``
(municipality, department, status, due date, id) — never a lookup of each
case's submission — and the page is read in due-date order from
``case_inbox_idx`` / ``case_inbox_status_idx``; the submissions table is only
joined for the 50 rows shown (and for a receipt-number search).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from mado.casework.calendar import add_business_days
from mado.casework.models import UNDECIDED, Case, ReviewOutcome
from mado.core.services import staff_municipality
from mado.core.text import normalize_width, to_katakana
from mado.submissions.models import Status, SubmissionChannel

PER_PAGE = 50
DUE_CHOICES = {"overdue": "期限切れ", "today": "今日まで", "week": "5開庁日以内"}
# Statuses an inbox works on; decided (and withdrawn) ones are listed only when asked for.
OPEN_FOR_STAFF = UNDECIDED


@dataclass
class InboxQuery:
    """Filters of the inbox, all optional; invalid values are ignored (reported in ``errors``)."""

    department: int | None = None
    status: str = ""
    procedure: int | None = None
    channel: str = ""
    due: str = ""
    assignee: str = ""  # "me", "none" or a user id
    q: str = ""
    page: int = 1
    per_page: int = PER_PAGE
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_params(cls, params: Any) -> InboxQuery:
        query = cls()
        get = params.get

        def as_int(key: str) -> int | None:
            raw = (get(key) or "").strip()
            if not raw:
                return None
            try:
                return int(raw)
            except ValueError:
                query.errors.append(f"{key}: 数字で指定してください / must be a number")
                return None

        query.department = as_int("department")
        query.procedure = as_int("procedure")
        status = (get("status") or "").strip()
        if status and status != "all" and status not in Status.values:
            query.errors.append("状態の指定が不正です / unknown status")
            status = ""
        query.status = status
        channel = (get("channel") or "").strip()
        query.channel = channel if channel in SubmissionChannel.values else ""
        due = (get("due") or "").strip()
        query.due = due if due in DUE_CHOICES else ""
        query.assignee = (get("assignee") or "").strip()[:20]
        query.q = (get("q") or "").strip()[:100]
        query.page = max(1, as_int("page") or 1)
        return query


@dataclass(frozen=True)
class InboxRow:
    """One line of the inbox: plain values, not model instances (building four model
    instances per row was most of a listing's CPU time)."""

    pk: int
    receipt_number: str
    procedure_name: str
    applicant_name: str
    status: str
    channel: str
    due_date: dt.date
    review_outcome: str
    assignee_name: str | None

    @property
    def undecided(self) -> bool:
        return self.status in UNDECIDED

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label) if self.status in Status.values else self.status

    @property
    def channel_label(self) -> str:
        return (str(SubmissionChannel(self.channel).label)
                if self.channel in SubmissionChannel.values else self.channel)

    @property
    def review_label(self) -> str:
        return str(ReviewOutcome(self.review_outcome).label)


ROW_FIELDS = ("pk", "submission__receipt_number", "procedure__name", "applicant_name", "status",
              "channel", "due_date", "review_outcome", "assignee__username")


@dataclass
class InboxPage:
    rows: list[InboxRow]
    total: int
    page: int
    pages: int
    counts: dict[str, int]
    departments: list[int]


def scoped_cases(user: Any, department_ids: set[int]) -> QuerySet[Case]:
    municipality = staff_municipality(user)
    return Case.unscoped.filter(municipality=municipality, department_id__in=department_ids)


def _search(qs: QuerySet[Case], text: str) -> QuerySet[Case]:
    text = normalize_width(text).strip()
    if not text:
        return qs
    compact = text.replace(" ", "").replace("\u3000", "")
    match = Q(submission__receipt_number__iexact=text.upper()) | Q(
        applicant_name__icontains=text)
    kana = to_katakana(compact)
    if kana:
        match |= Q(applicant_kana__icontains=kana)
    return qs.filter(match)


def filtered(user: Any, query: InboxQuery, department_ids: set[int]) -> QuerySet[Case]:
    """Cases matching every filter but the status (counts per status use this)."""
    ids = department_ids
    if query.department is not None:
        ids = ids & {query.department}
    qs = scoped_cases(user, ids)
    if query.procedure is not None:
        qs = qs.filter(procedure_id=query.procedure)
    if query.channel:
        qs = qs.filter(channel=query.channel)
    today = timezone.localdate()
    # Only undecided cases are due; status and due date are both in case_inbox_status_idx,
    # so the count stays an index-only scan.
    if query.due == "overdue":
        qs = qs.filter(due_date__lt=today, status__in=UNDECIDED)
    elif query.due == "today":
        qs = qs.filter(due_date__lte=today, status__in=UNDECIDED)
    elif query.due == "week":
        qs = qs.filter(due_date__lte=add_business_days(today, 5), status__in=UNDECIDED)
    if query.assignee == "me":
        qs = qs.filter(assignee=user)
    elif query.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif query.assignee.isdigit():
        qs = qs.filter(assignee_id=int(query.assignee))
    if query.q:
        qs = _search(qs, query.q)
    return qs


def status_counts(base: QuerySet[Case]) -> dict[str, int]:
    """Cases per status for the filtered cases (one GROUP BY over the case's own column)."""
    return {row["status"]: row["n"] for row in
            base.order_by().values("status").annotate(n=Count("pk"))}


def list_inbox(user: Any, query: InboxQuery, department_ids: set[int]) -> InboxPage:
    """One page of the inbox with counts per status (three queries, any page size)."""
    base = filtered(user, query, department_ids)
    counts = status_counts(base)
    if query.status == "all":
        qs = base
    elif query.status:
        qs = base.filter(status=query.status)
    else:
        qs = base.filter(status__in=OPEN_FOR_STAFF)
    if query.status:
        total = counts.get(query.status, 0) if query.status != "all" else sum(counts.values())
    else:
        total = sum(counts.get(s, 0) for s in OPEN_FOR_STAFF)
    pages = max(1, -(-total // query.per_page))
    page = min(query.page, pages)
    start = (page - 1) * query.per_page
    rows = [InboxRow(*values) for values in qs.order_by("due_date", "id")
            .values_list(*ROW_FIELDS)[start:start + query.per_page]]
    return InboxPage(rows=rows, total=total, page=page, pages=pages, counts=counts,
                     departments=sorted(department_ids))


def is_overdue(case: Case | InboxRow, today: dt.date | None = None) -> bool:
    return case.undecided and case.due_date < (today or timezone.localdate())
