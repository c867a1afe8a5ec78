"""``mado restore FILE [--force]``: put back what ``mado backup`` saved.

Refuses to write over a database that holds data (any application row) or a
non-empty MEDIA_ROOT unless ``--force``: restoring is the one command that
destroys data, so overwriting must be a conscious choice. Steps:

1. check the archive (format, same database vendor as the configured one);
2. PostgreSQL: ``pg_restore --clean --if-exists --no-owner --single-transaction``
   with the binaries of the server's version (all or nothing: a failed
   restore leaves the database as it was); SQLite: the sqlite3 backup API
   copies the saved database over the live one;
3. extract ``media/`` into MEDIA_ROOT (regular files only, no absolute
   path or ``..``, checked before step 2; tar's "data" filter as well). With
   ``--force`` a non-empty MEDIA_ROOT is renamed ``media.replaced-<time>``
   first, so the result is exactly the backup and nothing is deleted;
4. ``migrate`` (a backup from an older release gets the newer migrations),
   then check the row counts against the manifest and verify the audit chain.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from mado.core import audit
from mado.core.management.commands.backup import (
    FORMAT,
    MANIFEST,
    MEDIA_DIR,
    PG_DUMP,
    SQLITE_FILE,
    database_has_data,
    pg_args,
    pg_binary,
    table_counts,
)


def read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.extractfile(MANIFEST)
        manifest = json.loads(member.read()) if member else None
    except (KeyError, ValueError) as exc:
        raise CommandError(f"Mado のバックアップではありません / not a Mado backup ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CommandError("Mado のバックアップではありません / not a Mado backup (format)")
    return manifest


def _media_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """The regular files under media/, refusing the archive if any path could escape it."""
    found = []
    for member in tar.getmembers():
        if not member.name.startswith(f"{MEDIA_DIR}/"):
            continue
        rel = PurePosixPath(member.name[len(MEDIA_DIR) + 1:])
        if not member.isfile() or rel.is_absolute() or ".." in rel.parts or not rel.parts:
            raise CommandError(f"不正なパスです / unsafe path in archive: {member.name!r}")
        found.append(member)
    return found


def _restore_postgresql(dump: Path) -> None:
    args, env = pg_args()
    cmd = [pg_binary("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
           "--single-transaction", "--exit-on-error", *args, str(dump)]
    connection.close()  # hold no locks while pg_restore drops and recreates the tables
    # An argument list, no shell: nothing from the archive reaches a command line.
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise CommandError(f"pg_restore が失敗しました / pg_restore failed: {done.stderr.strip()}")


def _restore_sqlite(source: Path) -> None:
    connection.ensure_connection()
    src = sqlite3.connect(source)
    try:
        src.backup(connection.connection)
    finally:
        src.close()


def restore_backup(source: Path, *, force: bool = False, migrate: bool = True) -> dict[str, Any]:
    """Restore ``source``; return a report (manifest, counts that differ, audit result)."""
    if not source.is_file():
        raise CommandError(f"ファイルがありません / no such file: {source}")
    media = Path(settings.MEDIA_ROOT)
    try:
        tar = tarfile.open(source, mode="r")
    except tarfile.TarError as exc:
        raise CommandError(f"Mado のバックアップではありません / not a Mado backup ({exc})") from exc
    with tar, tempfile.TemporaryDirectory(prefix="mado-restore-") as tmp:
        manifest = read_manifest(tar)
        if manifest.get("vendor") != connection.vendor:
            raise CommandError(
                f"{manifest.get('vendor')} のバックアップは {connection.vendor} に復元できません / "
                f"a {manifest.get('vendor')} backup cannot be restored into {connection.vendor}"
            )
        media_busy = media.is_dir() and any(p.is_file() for p in media.rglob("*"))
        if not force and (database_has_data() or media_busy):
            raise CommandError(
                "データベースまたは MEDIA_ROOT にデータがあります。上書きするには --force を指定して"
                "ください / the database or MEDIA_ROOT is not empty: use --force to overwrite it"
            )
        members = _media_members(tar)  # checked before anything is overwritten
        db_name = PG_DUMP if manifest["vendor"] == "postgresql" else SQLITE_FILE
        tar.extract(db_name, tmp, filter="data")
        if manifest["vendor"] == "postgresql":
            _restore_postgresql(Path(tmp) / db_name)
        else:
            _restore_sqlite(Path(tmp) / db_name)
        if media_busy:  # kept, not deleted: the operator removes it once content
            stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
            media.rename(media.with_name(f"{media.name}.replaced-{stamp}"))
        media.mkdir(parents=True, exist_ok=True)
        for member in members:
            member.name = member.name[len(MEDIA_DIR) + 1:]
            tar.extract(member, media, filter="data")
    if migrate:
        call_command("migrate", interactive=False, verbosity=0)
    now = table_counts()
    differ = {t: (n, now.get(t)) for t, n in manifest["tables"].items() if now.get(t) != n}
    return {"manifest": manifest, "differ": differ, "audit": audit.verify(),
            "media_files": len(members)}


class Command(BaseCommand):
    help = (
        "mado backup のファイルからデータベースとアップロードファイルを復元します / "
        "Restore the database and uploaded files from a `mado backup` archive."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path, help="archive written by `mado backup`")
        parser.add_argument("--force", action="store_true",
                            help="overwrite a database / MEDIA_ROOT that holds data")

    def handle(self, *args: Any, **options: Any) -> None:
        report = restore_backup(options["file"], force=options["force"])
        manifest = report["manifest"]
        self.stdout.write(
            f"復元しました / restored {options['file']} (backup of {manifest['created_at']}, "
            f"{sum(manifest['tables'].values())} rows, {report['media_files']} files)"
        )
        if report["differ"]:
            self.stderr.write(f"行数がバックアップ時と異なります / row counts differ: {report['differ']}")
        result = report["audit"]
        if not result.ok:
            raise CommandError("監査ログの検証に失敗 / audit chain broken: " + "; ".join(result.problems))
        self.stdout.write(f"監査ログ OK / audit chain OK ({result.checked} entries)")
