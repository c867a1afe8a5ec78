"""The status copy on Case follows every transition, and the inbox counts equal the submissions'.

The inbox filters and counts on ``Case.status`` / ``Case.channel`` (copies, kept
by ``casework.sync``); if the copy drifted, staff would see wrong counts and
miss cases. These tests move cases through every transition by every path
(back-office actions, the approval route, the resident's resubmission and
withdrawal, the direct JSON submission) and compare with the submissions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mado.casework import inbox, sync
from mado.casework import services as svc
from mado.casework.models import Case
from mado.casework.tests.conftest import declaration, file_submission
from mado.submissions import services as subs
from mado.submissions.models import Status, Submission

pytestmark = pytest.mark.django_db

IDENTITY = {"level": "email", "subject": "taro@example.jp", "email": "taro@example.jp"}


def stored(case: Case) -> tuple[str, str]:
    """(case status from the database, submission status from the database)."""
    row = Case.unscoped.filter(pk=case.pk).values_list("status", "submission__status").get()
    return row[0], row[1]


def assert_synced(case: Case, expected: str) -> None:
    assert stored(case) == (expected, expected)
    assert case.status == expected  # the in-memory case is refreshed by the actions too


def test_opening_copies_status_and_channel(cw: dict[str, Any]) -> None:
    case = file_submission(cw, cw["takahashi"])
    assert_synced(case, Status.SUBMITTED)
    assert Case.unscoped.filter(pk=case.pk, channel="web").exists()
    direct = subs.create_submitted(cw["city"], cw["procedure"], cw["version"],
                                   declaration(cw["hanako"]), channel="counter", identity=None)
    row = Case.unscoped.get(submission=direct)
    assert (row.status, row.channel) == (Status.SUBMITTED, "counter")


def test_every_transition_by_every_path(cw: dict[str, Any]) -> None:
    staff, kakaricho, kacho = cw["reviewer"], cw["kakaricho"], cw["kacho"]
    case = file_submission(cw, cw["takahashi"])
    svc.accept(case, by=staff)
    assert_synced(case, Status.ACCEPTED)
    svc.start_review(case, by=staff)
    assert_synced(case, Status.IN_REVIEW)
    svc.return_for_correction(case, by=kacho, reason="住所を確認してください")
    assert_synced(case, Status.RETURNED)
    subs.submit(case.submission, declaration(cw["takahashi"]), identity=IDENTITY)  # resident
    case.refresh_from_db()
    assert_synced(case, Status.SUBMITTED)
    svc.accept(case, by=staff)
    svc.start_review(case, by=staff)
    svc.submit_for_approval(case, by=staff)
    svc.approve_step(case, by=kakaricho)
    assert stored(case) == (Status.IN_REVIEW, Status.IN_REVIEW)  # one step still open
    svc.approve_step(case, by=kacho)
    assert_synced(case, Status.APPROVED)
    svc.complete(case, by=kacho)
    assert_synced(case, Status.COMPLETED)

    rejected = file_submission(cw, cw["hanako"])
    svc.reject(rejected, by=staff, reason="対象外です")
    assert_synced(rejected, Status.REJECTED)

    withdrawn = file_submission(cw, cw["yamazaki"])
    svc.accept(withdrawn, by=staff)
    subs.change_status(withdrawn.submission, Status.WITHDRAWN, by="resident")
    withdrawn.refresh_from_db()
    assert_synced(withdrawn, Status.WITHDRAWN)


def test_a_refused_or_rolled_back_change_leaves_both_as_they_were(cw: dict[str, Any]) -> None:
    case = file_submission(cw, cw["takahashi"])
    with pytest.raises(svc.CaseError):
        svc.complete(case, by=cw["reviewer"])
    assert stored(case) == (Status.SUBMITTED, Status.SUBMITTED)
    with pytest.raises(RuntimeError), transaction.atomic():
        svc.accept(case, by=cw["reviewer"])
        raise RuntimeError("the request failed after the change")
    assert stored(case) == (Status.SUBMITTED, Status.SUBMITTED)


def test_a_status_change_costs_one_update_of_the_case(cw: dict[str, Any]) -> None:
    case = file_submission(cw, cw["takahashi"])
    with CaptureQueriesContext(connection) as queries:
        subs.change_status(case.submission, Status.ACCEPTED, by=cw["reviewer"])
    case_writes = [q["sql"] for q in queries.captured_queries
                   if q["sql"].startswith("UPDATE") and "casework_case" in q["sql"]]
    assert len(case_writes) == 1, case_writes


def test_resync_repairs_a_copy_changed_behind_its_back(cw: dict[str, Any]) -> None:
    case = file_submission(cw, cw["takahashi"])
    other = file_submission(cw, cw["hanako"])
    Submission.unscoped.filter(pk=case.submission_id).update(status=Status.ACCEPTED,
                                                             channel="counter")
    assert sync.resync(cw["city"]) == 1
    row = Case.unscoped.get(pk=case.pk)
    assert (row.status, row.channel) == (Status.ACCEPTED, "counter")
    assert stored(other) == (Status.SUBMITTED, Status.SUBMITTED)
    assert sync.resync() == 0


def test_the_inbox_lists_and_filters_on_the_copy(cw: dict[str, Any], rf: Any) -> None:
    staff = cw["reviewer"]
    web = file_submission(cw, cw["takahashi"])
    counter_sub = subs.create_submitted(cw["city"], cw["procedure"], cw["version"],
                                        declaration(cw["hanako"]), channel="counter",
                                        identity=None)
    counter = Case.unscoped.get(submission=counter_sub)
    svc.accept(web, by=staff)
    ids = svc.case_department_ids(staff)
    page = inbox.list_inbox(staff, inbox.InboxQuery.from_params({"channel": "counter"}), ids)
    assert [c.pk for c in page.rows] == [counter.pk]
    assert page.counts == {Status.SUBMITTED: 1}
    page = inbox.list_inbox(staff, inbox.InboxQuery.from_params({"status": "accepted"}), ids)
    assert [c.pk for c in page.rows] == [web.pk]
    assert page.rows[0].status_label == "受付"
    assert page.counts == {Status.SUBMITTED: 1, Status.ACCEPTED: 1}


# -- property: random transition sequences ---------------------------------------

ACTIONS = ("accept", "review", "return", "resubmit", "approve", "complete", "reject",
           "withdraw")


def _apply(cw: dict[str, Any], case: Case, action: str) -> None:
    staff = cw["reviewer"]
    try:
        if action == "accept":
            svc.accept(case, by=staff)
        elif action == "review":
            svc.start_review(case, by=staff)
        elif action == "return":
            svc.return_for_correction(case, by=staff, reason="確認してください")
        elif action == "resubmit":
            subs.submit(case.submission, dict(case.submission.data), identity=IDENTITY)
        elif action == "approve":
            _approve(case, cw)
        elif action == "complete":
            svc.complete(case, by=cw["kacho"])
        elif action == "reject":
            svc.reject(case, by=staff, reason="対象外です")
        else:
            subs.change_status(case.submission, Status.WITHDRAWN, by="resident")
    except (svc.CaseError, svc.CaseForbidden):
        pass  # a refused transition must leave the copy equal too
    case.refresh_from_db()


def _approve(case: Case, cw: dict[str, Any]) -> None:
    """Through the two-step route: send for approval, then 係長 and 課長."""
    svc.submit_for_approval(case, by=cw["reviewer"])
    svc.approve_step(case, by=cw["kakaricho"])
    svc.approve_step(case, by=cw["kacho"])


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    channels=st.lists(st.sampled_from(["web", "counter", "mail"]), min_size=1, max_size=4),
    steps=st.lists(st.tuples(st.integers(0, 3), st.sampled_from(ACTIONS)), max_size=14),
)
def test_counts_per_status_equal_the_submissions(
    cw: dict[str, Any], channels: list[str], steps: list[tuple[int, str]]
) -> None:
    staff = cw["reviewer"]
    people = [cw["takahashi"], cw["hanako"], cw["yamazaki"], cw["watanabe"]]
    with transaction.atomic():
        cases = []
        for i, channel in enumerate(channels):
            if channel == "web":
                cases.append(file_submission(cw, people[i]))
            else:
                sub = subs.create_submitted(cw["city"], cw["procedure"], cw["version"],
                                            declaration(people[i]), channel=channel,
                                            identity=IDENTITY)
                cases.append(Case.unscoped.select_related("submission").get(submission=sub))
        for index, action in steps:
            _apply(cw, cases[index % len(cases)], action)
        ids = svc.case_department_ids(staff)
        for params in ({}, {"channel": "web"}, {"channel": "counter"}, {"status": "all"}):
            query = inbox.InboxQuery.from_params(params)
            counts = inbox.status_counts(inbox.filtered(staff, query, ids))
            direct = Submission.unscoped.filter(municipality=cw["city"], case__isnull=False)
            if query.channel:
                direct = direct.filter(channel=query.channel)
            expected = dict(direct.values_list("status").annotate(n=Count("pk")))
            assert counts == expected
        for case in cases:
            copy, source = stored(case)
            assert copy == source
        transaction.set_rollback(True)


def test_only_undecided_cases_are_overdue(cw: dict[str, Any]) -> None:
    staff = cw["reviewer"]
    waiting = file_submission(cw, cw["takahashi"])
    withdrawn = file_submission(cw, cw["hanako"])
    rejected = file_submission(cw, cw["yamazaki"])
    subs.change_status(withdrawn.submission, Status.WITHDRAWN, by="resident")
    svc.reject(rejected, by=staff, reason="対象外です")
    past = cw["today"] - dt.timedelta(days=30)
    Case.unscoped.filter(pk__in=[waiting.pk, withdrawn.pk, rejected.pk]).update(due_date=past)
    ids = svc.case_department_ids(staff)
    query = inbox.InboxQuery.from_params({"due": "overdue", "status": "all"})
    page = inbox.list_inbox(staff, query, ids)
    assert [c.pk for c in page.rows] == [waiting.pk]
    assert page.counts == {Status.SUBMITTED: 1}
    assert inbox.is_overdue(page.rows[0])
    assert not inbox.is_overdue(Case.unscoped.get(pk=withdrawn.pk))
