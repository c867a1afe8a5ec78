"""The audit log is append-only and its hash chain detects edits and deletions."""

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from mado.core import audit
from mado.core.models import AuditEntry


def _raw(sql: str, params: list) -> None:
    """Simulate an attacker with direct database access (bypasses the triggers)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET session_replication_role = replica")
            cur.execute(sql, params)
            cur.execute("SET session_replication_role = DEFAULT")
        else:
            cur.execute("DROP TRIGGER IF EXISTS core_auditentry_no_update")
            cur.execute("DROP TRIGGER IF EXISTS core_auditentry_no_delete")
            cur.execute(sql, params)


def _entries(world, n: int = 4) -> list[AuditEntry]:
    """n entries, sealed (chained) as the after-commit hook or the audit page would."""
    made = [
        audit.record(
            audit.Action.READ,
            user=world["madoguchi"],
            target_type="resident",
            target_id=i,
            reason="窓口での本人確認",
            detail={"i": i, "氏名": "髙橋"},
        )
        for i in range(n)
    ]
    audit.seal()
    return [AuditEntry.objects.get(pk=e.pk) for e in made]


def test_chain_verifies_and_records_who_what_why(world) -> None:
    entries = _entries(world)
    assert audit.verify().ok
    e = entries[0]
    assert e.actor == "madoguchi" and e.municipality == world["city"]
    assert e.reason == "窓口での本人確認"
    assert entries[1].prev_hash == entries[0].entry_hash
    call_command("audit_verify")


def test_update_and_delete_are_refused_by_the_database(world) -> None:
    e = _entries(world, 1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=e.pk).update(reason="消した")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=e.pk).update(seq=None)  # unsealing
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=e.pk).update(entry_hash="0" * 64)  # resealing
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=e.pk).delete()


def test_an_unsealed_row_can_only_be_sealed(world) -> None:
    """Before sealing, the triggers allow setting the chain fields and nothing else."""
    e = audit.record(audit.Action.READ, user=world["madoguchi"], reason="確認")
    assert e.seq is None and e.entry_hash == ""
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=e.pk).update(seq=99, reason="書き換え")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=e.pk).delete()
    assert audit.seal() == 1
    sealed = AuditEntry.objects.get(pk=e.pk)
    assert sealed.seq is not None and len(sealed.entry_hash) == 64
    assert audit.seal() == 0


def test_recording_takes_no_shared_lock(world) -> None:
    """The chain head is not touched inside the audited transaction (the throughput fix)."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        audit.record(audit.Action.READ, user=world["madoguchi"], reason="確認")
    sql = " ".join(q["sql"] for q in queries.captured_queries).lower()
    assert "core_auditchainhead" not in sql and "for update" not in sql


def test_rows_are_chained_in_insertion_order(world) -> None:
    entries = _entries(world, 5)
    assert [e.seq for e in entries] == sorted(e.seq for e in entries)
    assert all(b.prev_hash == a.entry_hash for a, b in itertools.pairwise(entries))
    assert audit.verify().checked == 5


def test_edited_row_is_detected(world) -> None:
    entries = _entries(world)
    _raw("UPDATE core_auditentry SET reason = %s WHERE seq = %s", ["別の理由", entries[1].seq])
    result = audit.verify()
    assert not result.ok
    assert any(f"seq {entries[1].seq}" in p for p in result.problems)
    with pytest.raises(CommandError):
        call_command("audit_verify")


def test_deleted_middle_row_is_detected(world) -> None:
    entries = _entries(world)
    _raw("DELETE FROM core_auditentry WHERE seq = %s", [entries[2].seq])
    result = audit.verify()
    assert not result.ok
    assert any("削除" in p for p in result.problems)


def test_deleted_newest_row_is_detected(world) -> None:
    entries = _entries(world)
    _raw("DELETE FROM core_auditentry WHERE seq = %s", [entries[-1].seq])
    result = audit.verify()
    assert not result.ok


def test_detail_edit_is_detected(world) -> None:
    entries = _entries(world)
    _raw("UPDATE core_auditentry SET detail = %s WHERE seq = %s", ['{"i": 99}', entries[0].seq])
    assert not audit.verify().ok


@pytest.mark.django_db
def test_a_batch_is_inserted_sealed_when_the_head_is_free(world) -> None:
    """record_many(seal_now=True): chained at INSERT, no sealing UPDATE needed; verify agrees."""
    _entries(world, 2)
    batch = [{"action": "submit", "municipality": world["city"], "target_type": "submission",
              "target_id": i, "reason": "申請の提出", "detail": {"n": i, "氏名": "髙橋"},
              "actor": "resident"} for i in range(3)]
    with transaction.atomic():
        assert audit.record_many(batch, seal_now=True) == 3
    rows = list(AuditEntry.objects.filter(action="submit").order_by("id"))
    assert [r.seq for r in rows] == [3, 4, 5] and all(r.entry_hash for r in rows)
    assert not AuditEntry.objects.filter(seq__isnull=True).exists()
    assert audit.verify().problems == []


@pytest.mark.django_db
def test_a_batch_waits_for_its_seal_behind_unsealed_entries(world) -> None:
    """An older entry still unsealed keeps the order: the batch is sealed after it, later."""
    audit.record(audit.Action.READ, user=world["madoguchi"], target_type="resident",
                 target_id=1, reason="窓口")
    with transaction.atomic():
        audit.record_many([{"action": "submit", "municipality": world["city"],
                            "target_type": "submission", "target_id": 9}], seal_now=True)
    assert AuditEntry.objects.filter(seq__isnull=True).count() >= 1 or (
        AuditEntry.objects.get(action="submit").seq
        > AuditEntry.objects.get(action=audit.Action.READ).seq
    )
    audit.seal()
    read, submit = (AuditEntry.objects.get(action=a) for a in (audit.Action.READ, "submit"))
    assert read.seq < submit.seq
    assert audit.verify().problems == []
