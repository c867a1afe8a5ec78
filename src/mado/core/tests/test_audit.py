"""The audit log is append-only and its hash chain detects edits and deletions."""

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
    return [
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
        AuditEntry.objects.filter(pk=e.pk).delete()


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
