"""``mado backup`` / ``mado restore``: the data, the files and the audit chain round-trip."""

from __future__ import annotations

import io
import json
import stat
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from mado.conftest import make_resident
from mado.core import audit
from mado.core.management.commands import backup as backup_cmd
from mado.core.management.commands import restore as restore_cmd
from mado.core.models import AuditEntry
from mado.registry.models import ResidentRecord

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _leave_sqlite_empty(tmp_path: Path) -> Any:
    """SQLite's flush after the test would hit the append-only audit trigger: put the
    empty database back with the same backup API the commands use (PostgreSQL truncates)."""
    if connection.vendor != "sqlite":
        yield
        return
    empty = tmp_path / "empty.sqlite3"
    backup_cmd._dump_sqlite(empty)
    yield
    restore_cmd._restore_sqlite(empty)


def snapshot() -> dict[str, Any]:
    return {
        "tables": backup_cmd.table_counts(),
        "residents": list(
            ResidentRecord.unscoped.order_by("pk").values_list(
                "pk", "family_name", "given_name", "my_number_encrypted", "birth_date"
            )
        ),
        "audit": list(AuditEntry.objects.order_by("pk").values_list("pk", "seq", "entry_hash")),
    }


def test_round_trip_restores_rows_files_and_a_valid_audit_chain(world, _media, tmp_path) -> None:
    make_resident(world["city"], "𠮷田", "花子", "ヨシダ", "ハナコ", my_number="123456789018")
    for i in range(5):
        audit.record("resident.view", municipality=world["city"], target_id=i, reason="test")
    audit.seal()
    (_media / "attachments" / "2026").mkdir(parents=True)
    scan = _media / "attachments" / "2026" / "scan.pdf"
    scan.write_bytes("%PDF-1.4 scan of a 𠮷 document".encode())
    before = snapshot()
    assert before["tables"]["registry_residentrecord"] >= 5 and len(before["audit"]) >= 5

    archive = tmp_path / "out" / "mado.tar"
    call_command("backup", str(archive), stdout=io.StringIO())
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert "media/attachments/2026/scan.pdf" in names
    assert manifest["vendor"] == connection.vendor and manifest["tables"] == before["tables"]

    # Life goes on after the backup: a new resident, new audit rows, a file lost.
    make_resident(world["city"], "後藤", "次郎", "ゴトウ", "ジロウ")
    audit.record("resident.view", municipality=world["city"], target_id=99)
    audit.seal()
    scan.unlink()
    (_media / "later.txt").write_text("after the backup")

    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert ResidentRecord.unscoped.filter(family_name="後藤").exists()  # untouched

    out = io.StringIO()
    call_command("restore", str(archive), "--force", stdout=out, stderr=io.StringIO())
    assert "audit chain OK" in out.getvalue()
    after = snapshot()
    assert after == before
    assert ResidentRecord.unscoped.get(family_name="𠮷田").given_name == "花子"
    assert scan.read_bytes() == "%PDF-1.4 scan of a 𠮷 document".encode()
    assert not (_media / "later.txt").exists()
    replaced = [p for p in _media.parent.iterdir() if p.name.startswith("media.replaced-")]
    assert len(replaced) == 1 and (replaced[0] / "later.txt").exists()  # kept, not deleted
    assert audit.verify().ok


def test_restore_into_an_empty_database_needs_no_force(tmp_path) -> None:
    archive = tmp_path / "empty.tar"
    call_command("backup", str(archive), stdout=io.StringIO())
    assert not backup_cmd.database_has_data()
    report = restore_cmd.restore_backup(archive, migrate=False)
    assert report["differ"] == {} and report["audit"].ok


def _forged(tmp_path: Path, manifest: dict[str, Any], extra: dict[str, bytes]) -> Path:
    path = tmp_path / f"forged-{len(list(tmp_path.glob('forged-*')))}.tar"
    with tarfile.open(path, "w") as tar:
        for name, data in {"manifest.json": json.dumps(manifest).encode(), **extra}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_bad_archives_are_refused_with_a_message_and_change_nothing(world, tmp_path) -> None:
    residents = ResidentRecord.unscoped.count()
    not_tar = tmp_path / "x.tar"
    not_tar.write_bytes(b"hello")
    cases = [
        (tmp_path / "missing.tar", "no such file"),
        (not_tar, "not a Mado backup"),
        (_forged(tmp_path, {"format": "other"}, {}), "not a Mado backup"),
        (_forged(tmp_path, {"format": backup_cmd.FORMAT, "vendor": "oracle"}, {}), "cannot be"),
    ]
    vendor = connection.vendor
    evil = {"format": backup_cmd.FORMAT, "vendor": vendor, "tables": {}}
    cases.append((_forged(tmp_path, evil, {"media/../../evil.txt": b"x"}), "unsafe path"))
    for path, message in cases:
        with pytest.raises(CommandError, match=message):
            restore_cmd.restore_backup(path, force=True)
        assert ResidentRecord.unscoped.count() == residents
    assert not (tmp_path.parent / "evil.txt").exists()
