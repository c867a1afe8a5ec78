"""Drafts, submit, lifecycle transitions, the resident's own list, tenant isolation."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.utils import timezone

from mado.core.models import AuditEntry
from mado.core.tenancy import TenantViolation, use_municipality
from mado.submissions import services
from mado.submissions.attachments import store_upload
from mado.submissions.models import ServiceEvent, Status, StatusChange, Submission
from mado.submissions.receipts import validate_receipt_number
from mado.submissions.tests.conftest import CARD, EMAIL
from mado.submissions.tests.test_attachments import ACCEPT, image_bytes, upload

pytestmark = pytest.mark.django_db


def draft(world: dict[str, Any], proc: Any, identity: dict | None = None, **kw: Any):
    return services.create_draft(
        world["city"], proc, None, channel="web", identity=identity or CARD, **kw
    )


def test_draft_resumes_by_token_and_stores_only_its_hash(world, proc) -> None:
    sub, token = draft(world, proc)
    assert sub.status == Status.DRAFT and sub.receipt_number == ""
    assert token not in sub.resume_token_hash
    assert sub.resume_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not Submission.unscoped.filter(resume_token_hash=token).exists()
    services.update_draft(sub, {"copies": 2})
    services.update_draft(sub, {"purpose": "work"})
    found = services.find_draft(world["city"], token)
    assert found == sub and found.data == {"copies": 2, "purpose": "work"}
    assert services.find_draft(world["city"], token + "x") is None
    assert services.find_draft(world["city"], "") is None
    kinds = list(ServiceEvent.unscoped.filter(submission=sub).values_list("kind", flat=True))
    assert kinds == ["form_started"]
    assert services.resume_draft(world["city"], token) == sub
    assert ServiceEvent.unscoped.filter(submission=sub, kind="resumed").count() == 1


def test_expired_draft_is_not_found_and_cannot_be_saved(world, proc) -> None:
    sub, token = draft(world, proc)
    Submission.unscoped.filter(pk=sub.pk).update(
        draft_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert services.find_draft(world["city"], token) is None
    sub.refresh_from_db()
    with pytest.raises(services.DraftExpired):
        services.update_draft(sub, {"copies": 1})


def test_saving_extends_the_draft_for_30_days(world, proc) -> None:
    sub, _ = draft(world, proc)
    Submission.unscoped.filter(pk=sub.pk).update(
        draft_expires_at=timezone.now() + dt.timedelta(days=1)
    )
    sub.refresh_from_db()
    services.update_draft(sub, {"a": 1})
    assert sub.draft_expires_at > timezone.now() + dt.timedelta(days=29)


def test_token_of_another_municipality_never_finds_the_draft(world, proc, town_proc) -> None:
    sub, token = draft(world, proc)
    assert services.find_draft(world["town"], token) is None
    with use_municipality(world["town"]):
        assert services.find_draft(world["town"], token) is None
        assert not Submission.objects.filter(pk=sub.pk).exists()
        with pytest.raises(TenantViolation):
            services.update_draft(sub, {"x": 1})
    with pytest.raises(ValueError):
        services.create_draft(world["town"], proc, None, channel="web", identity=CARD)


def test_submit_assigns_number_and_writes_history_event_and_audit(world, proc) -> None:
    sub, token = draft(world, proc)
    att = store_upload(
        world["city"], upload("id.png", image_bytes("PNG")), accept=ACCEPT, max_size=10**6
    )
    before = AuditEntry.objects.count()
    done = services.submit(
        sub,
        {"copies": 2, "id_doc": str(att.ref)},
        identity=CARD,
        proxy={"name": "山田 花子", "relationship": "妻", "contact": "090-0000-0000"},
        fee_yen=600,
        fields_prefilled=5,
        fields_typed=3,
        duration_ms=95000,
        attachment_refs=[str(att.ref)],
    )
    done.refresh_from_db()
    assert done.status == Status.SUBMITTED
    assert validate_receipt_number(done.receipt_number) == done.receipt_number
    assert done.submitted_at is not None and done.fee_yen == 600
    assert done.identity_level == "card" and done.identity_subject == "CARD-SERIAL-0001"
    assert done.applicant_email == "taro@example.jp"
    assert done.proxy["relationship"] == "妻"
    assert done.resume_token_hash == "" and services.find_draft(world["city"], token) is None
    att.refresh_from_db()
    assert att.submission_id == done.pk
    change = StatusChange.unscoped.get(submission=done)
    assert (change.from_status, change.to_status, change.actor) == (
        "draft",
        "submitted",
        "resident",
    )
    event = ServiceEvent.unscoped.get(submission=done, kind="submitted")
    assert (event.fields_prefilled, event.fields_typed, event.duration_ms) == (5, 3, 95000)
    assert (event.channel, event.procedure_code) == ("web", "juminhyo-utsushi")
    entry = AuditEntry.objects.order_by("-id").first()
    assert AuditEntry.objects.count() == before + 1
    assert entry.action == "submit" and entry.target_id == str(done.pk)
    assert entry.detail["receipt_number"] == done.receipt_number
    assert entry.municipality == world["city"]
    # Submitting twice (a double click) is refused and allocates nothing.
    with pytest.raises(services.TransitionError):
        services.submit(done, {}, identity=CARD)
    assert Submission.unscoped.exclude(receipt_number="").count() == 1


def test_receipt_numbers_are_unique_and_increasing(world, proc) -> None:
    numbers = []
    for _ in range(5):
        sub, _ = draft(world, proc)
        numbers.append(services.submit(sub, {}, identity=CARD).receipt_number)
    assert len(set(numbers)) == 5 and sorted(numbers) == numbers
    assert (
        services.find_by_receipt_number(world["city"], numbers[2].lower()).receipt_number
        == (numbers[2])
    )
    assert services.find_by_receipt_number(world["town"], numbers[2]) is None


def test_failed_submit_leaves_nothing_behind(world, proc) -> None:
    sub, token = draft(world, proc)
    before = (AuditEntry.objects.count(), ServiceEvent.unscoped.count())
    with pytest.raises(services.AttachmentError) as exc:
        services.submit(sub, {"a": 1}, identity=CARD, attachment_refs=["not-a-uuid"])
    assert exc.value.code == "missing"
    sub.refresh_from_db()
    assert sub.status == Status.DRAFT and sub.receipt_number == "" and sub.data == {}
    assert (AuditEntry.objects.count(), ServiceEvent.unscoped.count()) == before
    assert not StatusChange.unscoped.exists()
    assert services.find_draft(world["city"], token) == sub


def test_attachment_of_another_municipality_cannot_be_claimed(world, proc) -> None:
    theirs = store_upload(
        world["town"], upload("x.png", image_bytes("PNG")), accept=ACCEPT, max_size=10**6
    )
    sub, _ = draft(world, proc)
    with pytest.raises(services.AttachmentError):
        services.submit(sub, {}, identity=CARD, attachment_refs=[str(theirs.ref)])


def test_bad_proxy_and_identity_refused(world, proc) -> None:
    sub, _ = draft(world, proc)
    with pytest.raises(ValueError):
        services.submit(sub, {}, identity=CARD, proxy={"relationship": "妻"})
    with pytest.raises(ValueError):
        services.submit(sub, {}, identity={"level": "superuser"})
    assert services.submit(sub, {}, identity=CARD, proxy={"name": " "}).proxy == {}


def walk(sub: Submission, staff: Any, *path: str) -> Submission:
    for to in path:
        sub = services.change_status(sub, to, by=staff)
    return sub


def test_full_lifecycle_with_return_and_resubmission(world, proc) -> None:
    staff = world["madoguchi"]
    sub, _ = draft(world, proc)
    sub = services.submit(sub, {"copies": 1}, identity=CARD)
    number = sub.receipt_number
    sub = walk(sub, staff, "accepted", "in_review")
    sub = services.change_status(
        sub, "returned", by=staff, note="本人確認書類が不鮮明です", visible_to_resident=True
    )
    sub = services.submit(sub, {"copies": 1, "fixed": True}, identity=CARD)
    assert sub.receipt_number == number  # a resubmission keeps its number
    sub = walk(sub, staff, "accepted", "in_review", "approved", "completed")
    history = [(c.from_status, c.to_status) for c in services.status_history(sub)]
    assert history == [
        ("draft", "submitted"),
        ("submitted", "accepted"),
        ("accepted", "in_review"),
        ("in_review", "returned"),
        ("returned", "submitted"),
        ("submitted", "accepted"),
        ("accepted", "in_review"),
        ("in_review", "approved"),
        ("approved", "completed"),
    ]
    assert ServiceEvent.unscoped.filter(submission=sub, kind="status_changed").count() == 7
    assert AuditEntry.objects.filter(action="status_change", target_id=str(sub.pk)).count() == 7
    assert StatusChange.unscoped.filter(submission=sub, changed_by=staff).count() == 7


@pytest.mark.parametrize(
    "path,bad",
    [
        ([], "approved"),  # 決裁 without 受付 and 審査
        ([], "completed"),
        (["accepted"], "completed"),
        (["accepted", "in_review", "approved"], "rejected"),  # decided is decided
        (["rejected"], "accepted"),  # terminal
        (["withdrawn"], "submitted"),
        (["accepted"], "draft"),
        ([], "nonsense"),
    ],
)
def test_invalid_transitions_refused(world, proc, path, bad) -> None:
    sub, _ = draft(world, proc)
    sub = walk(services.submit(sub, {}, identity=CARD), world["madoguchi"], *path)
    with pytest.raises(services.TransitionError) as exc:
        services.change_status(sub, bad, by=world["madoguchi"])
    assert " / " in str(exc.value)
    sub.refresh_from_db()
    assert sub.status == (path[-1] if path else "submitted")


def test_resident_may_only_withdraw(world, proc) -> None:
    sub, _ = draft(world, proc)
    sub = services.submit(sub, {}, identity=CARD)
    with pytest.raises(services.TransitionError):
        services.change_status(sub, "accepted", by="resident")
    sub = services.change_status(sub, "withdrawn", by="resident", note="不要になりました")
    assert sub.status == "withdrawn"


def test_internal_notes_hidden_from_resident(world, proc) -> None:
    sub, _ = draft(world, proc)
    sub = services.submit(sub, {}, identity=CARD)
    sub = services.change_status(
        sub, "accepted", by=world["madoguchi"], note="内部メモ", visible_to_resident=False
    )
    assert [c.to_status for c in services.status_history(sub)] == ["submitted"]
    assert [c.to_status for c in services.status_history(sub, for_resident=False)] == [
        "submitted",
        "accepted",
    ]


def test_my_list_by_identity(world, proc, town_proc) -> None:
    mine, _ = draft(world, proc, CARD)
    mine = services.submit(mine, {}, identity=CARD)
    other_card = {**CARD, "subject": "CARD-SERIAL-9999"}
    theirs, _ = draft(world, proc, other_card)
    services.submit(theirs, {}, identity=other_card)
    by_mail, _ = draft(world, proc, EMAIL)
    by_mail = services.submit(by_mail, {}, identity=EMAIL)
    unfinished, _ = draft(world, proc, CARD)
    elsewhere, _ = services.create_draft(
        world["town"], town_proc, None, channel="web", identity=CARD
    )
    services.submit(elsewhere, {}, identity=CARD)

    assert services.submissions_for_identity(world["city"], CARD) == [mine]
    assert services.submissions_for_identity(world["city"], CARD, include_drafts=True) == [
        unfinished,
        mine,
    ]
    assert services.submissions_for_identity(world["city"], EMAIL) == [by_mail]
    assert services.submissions_for_identity(
        world["city"], {"level": "email", "email": "HANAKO@example.jp", "subject": "x"}
    ) == [by_mail]
    assert services.submissions_for_identity(world["city"], {"level": "none"}) == []
    assert services.submissions_for_identity(world["city"], None) == []
    # A card-level identity with a different serial does not see e-mail submissions of its address.
    assert services.submissions_for_identity(
        world["city"], {**CARD, "email": "hanako@example.jp"}
    ) == [mine]


def test_card_holder_sees_counter_submissions_for_their_record(world, proc) -> None:
    takahashi = world["takahashi"]
    counter, _ = services.create_draft(
        world["city"], proc, None, channel="counter", identity=None, resident=takahashi
    )
    counter = services.submit(counter, {}, identity=None, by=world["madoguchi"])
    change = StatusChange.unscoped.get(submission=counter)
    assert change.actor == "madoguchi" and change.changed_by == world["madoguchi"]
    card = {**CARD, "resident_id": takahashi.pk}
    assert services.submissions_for_identity(world["city"], card) == [counter]


def test_record_event_validates(world, proc) -> None:
    e = services.record_event(
        world["city"], "prefilled", channel="web", procedure_code="x", fields_prefilled=4
    )
    assert e.fields_prefilled == 4
    with pytest.raises(ValueError):
        services.record_event(world["city"], "Bad Kind")
    with pytest.raises(ValueError):
        services.record_event(world["city"], "typed", fields_typed=-1)
    sub, _ = draft(world, proc)
    with pytest.raises(ValueError):
        services.record_event(world["town"], "step_completed", submission=sub)
    with pytest.raises(ValueError):
        e.save()  # append-only
    with pytest.raises(ValueError):
        e.delete()


def test_purge_expired_drafts_removes_files(world, proc, _media) -> None:
    sub, _ = draft(world, proc)
    att = store_upload(
        world["city"],
        upload("a.png", image_bytes("PNG")),
        accept=ACCEPT,
        max_size=10**6,
        submission=sub,
        field_key="id_doc",
    )
    keep, _ = draft(world, proc)
    path = _media / att.stored_path
    assert path.exists()
    Submission.unscoped.filter(pk=sub.pk).update(draft_expires_at=timezone.now())
    assert services.purge_expired_drafts() == 1
    assert not path.exists()
    assert not Submission.unscoped.filter(pk=sub.pk).exists()
    assert Submission.unscoped.filter(pk=keep.pk).exists()
    # The KPI fact that a form was started survives, detached from the deleted draft.
    assert ServiceEvent.unscoped.filter(kind="form_started", submission__isnull=True).count() == 1


def form_version(world, proc, identity: str):
    from mado.eforms.models import FormDefinition, FormVersion

    form = FormDefinition.unscoped.create(
        municipality=world["city"], code=f"f-{identity}", title="テスト様式", procedure=proc
    )
    return FormVersion.unscoped.create(
        municipality=world["city"],
        form=form,
        number=1,
        definition={"schema": 1, "code": form.code, "identity": identity, "steps": []},
    )


def test_submission_keeps_its_form_version_and_needs_its_identity_level(world, proc) -> None:
    version = form_version(world, proc, "card")
    sub, _ = services.create_draft(world["city"], proc, version, channel="web", identity=EMAIL)
    with pytest.raises(services.IdentityTooWeak) as exc:
        services.submit(sub, {}, identity=EMAIL)
    assert "マイナンバーカード" in str(exc.value)
    sub.refresh_from_db()
    assert sub.status == "draft"
    done = services.submit(sub, {}, identity=CARD)
    done.refresh_from_db()
    assert done.form_version == version and done.identity_level == "card"
    # At the counter staff verify identity in person: no online level required.
    counter, _ = services.create_draft(
        world["city"], proc, version, channel="counter", identity=None
    )
    assert services.submit(counter, {}, identity=None, by=world["madoguchi"]).receipt_number


def test_form_of_another_municipality_refused(world, proc, town_proc) -> None:
    version = form_version(world, proc, "none")
    with pytest.raises(ValueError):
        services.create_draft(world["town"], town_proc, version, channel="web", identity=None)


def test_replaced_uploads_are_dropped_on_submit(
    world, proc, _media, django_capture_on_commit_callbacks
) -> None:
    sub, _ = draft(world, proc)
    first = store_upload(
        world["city"],
        upload("old.png", image_bytes("PNG")),
        accept=ACCEPT,
        max_size=10**6,
        submission=sub,
        field_key="id_doc",
    )
    second = store_upload(
        world["city"],
        upload("new.png", image_bytes("PNG")),
        accept=ACCEPT,
        max_size=10**6,
        submission=sub,
        field_key="id_doc",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(
            sub, {"id_doc": str(second.ref)}, identity=CARD, attachment_refs=[str(second.ref)]
        )
    assert [a.ref for a in sub.attachments.all()] == [second.ref]
    assert not (_media / first.stored_path).exists()
    assert (_media / second.stored_path).exists()


def test_attachments_left_alone_without_refs(world, proc) -> None:
    sub, _ = draft(world, proc)
    scan = store_upload(
        world["city"],
        upload("scan.pdf", b"%PDF-1.4\n%%EOF\n"),
        accept=ACCEPT,
        max_size=10**6,
        submission=sub,
    )
    services.submit(sub, {}, identity=None)
    assert list(sub.attachments.all()) == [scan]


@pytest.mark.django_db
def test_identity_owns_agrees_with_the_my_page_query(world: dict[str, Any], proc: Any) -> None:
    """The receipt page's ownership check (no query) says yes exactly for what /my/ lists."""
    from mado.submissions.services import identity_owns, submissions_for_identity

    city = world["city"]
    email = {"level": "email", "email": "Hanako@Example.jp", "subject": "hanako@example.jp"}
    card = {"level": "card", "subject": "CARD-1", "resident_id": world["takahashi"].pk}
    other = {"level": "email", "email": "x@example.jp", "subject": "x@example.jp"}
    made = [
        services.create_submitted(city, proc, None, {"copies": 1}, channel="web", identity=i)
        for i in (email, card, other, None)
    ]
    by_record = services.create_submitted(
        city, proc, None, {"copies": 1}, channel="counter", identity=None,
        resident=world["takahashi"],
    )
    made.append(by_record)
    for identity in (email, card, other, {"level": "email", "email": "HANAKO@example.jp",
                                          "subject": ""}):
        listed = {s.pk for s in submissions_for_identity(city, identity)}
        assert listed  # each identity sees something
        assert {s.pk for s in made if identity_owns(s, identity)} == listed
    assert not identity_owns(made[0], None)
