"""``mado backup FILE``: the database and the uploaded files in one archive.

Why one command: a restore needs the database *and* MEDIA_ROOT (attachments
are files named in database rows) from the same moment, and operators should
not have to know pg_dump's options. The archive is a plain tar (readable with
``tar tf``) holding ``manifest.json`` (format, database vendor, migrations,
row counts per table), the database and ``media/``:

- PostgreSQL: ``database.dump`` from ``pg_dump -Fc`` (custom format, already
  compressed), run with the binaries of the *server's* major version
  (``/usr/lib/postgresql/<major>/bin``, else ``pg_dump`` on PATH) because an
  older pg_dump refuses a newer server;
- SQLite (demo): ``database.sqlite3``, a consistent copy made with the
  sqlite3 online backup API (safe while the demo runs).

The file is written under a temporary name and renamed when complete, with
mode 0600: it holds personal data (個人番号 encrypted; keep MADO_FIELD_KEYS
elsewhere, see docs/operations.md). ``mado restore`` reads it back. The
helpers used by both commands live here.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "mado-backup-1"
MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_FILE = "database.sqlite3"
MEDIA_DIR = "media"
# Tables whose rows exist in every migrated database: they never make it "non-empty".
STRUCTURAL = {"django_migrations", "django_content_type", "auth_permission", "django_session"}


def pg_binary(name: str) -> str:
    """Path of a PostgreSQL client binary matching the server's major version."""
    with connection.cursor() as cur:
        cur.execute("SHOW server_version_num")
        major = int(cur.fetchone()[0]) // 10000
    for candidate in (Path(f"/usr/lib/postgresql/{major}/bin/{name}"),):
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise CommandError(
            f"{name} (PostgreSQL {major}) が見つかりません / {name} for PostgreSQL {major} not "
            f"found: apt-get install postgresql-client-{major}"
        )
    return found


def pg_args() -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for pg_dump/pg_restore from DATABASES['default']."""
    db = connection.settings_dict
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def table_counts() -> dict[str, int]:
    """Rows per table of every installed model whose table exists (the manifest's fingerprint)."""
    existing = set(connection.introspection.table_names())
    counts: dict[str, int] = {}
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if table in existing and table not in counts and not model._meta.proxy:
            counts[table] = model._base_manager.using(connection.alias).count()
    return dict(sorted(counts.items()))


def database_has_data() -> bool:
    """True when any application table holds a row (a migrated, empty database is empty)."""
    return any(n for table, n in table_counts().items() if table not in STRUCTURAL)


def _dump_postgresql(target: Path) -> None:
    args, env = pg_args()
    cmd = [pg_binary("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), *args]
    # An argument list, no shell: the database name cannot inject a command.
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise CommandError(f"pg_dump が失敗しました / pg_dump failed: {done.stderr.strip()}")


def _dump_sqlite(target: Path) -> None:
    connection.ensure_connection()
    dest = sqlite3.connect(target)
    try:
        connection.connection.backup(dest)
    finally:
        dest.close()


def create_backup(target: Path) -> dict[str, Any]:
    """Write the archive to ``target`` (atomically); return its manifest."""
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise CommandError(f"未対応のデータベース / unsupported database: {vendor}")
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    media = Path(settings.MEDIA_ROOT)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "vendor": vendor,
        "migrations": sorted(
            f"{app}.{name}"
            for app, name in MigrationRecorder(connection).applied_migrations()
        ),
        "tables": table_counts(),
    }
    with tempfile.TemporaryDirectory(prefix="mado-backup-") as tmp:
        db_name = PG_DUMP if vendor == "postgresql" else SQLITE_FILE
        db_file = Path(tmp) / db_name
        (_dump_postgresql if vendor == "postgresql" else _dump_sqlite)(db_file)
        files = [p for p in sorted(media.rglob("*")) if p.is_file()] if media.is_dir() else []
        manifest["media_files"] = len(files)
        partial = target.with_name(f".{target.name}.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
                data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode = len(data), 0o600
                tar.addfile(info, io.BytesIO(data))
                tar.add(db_file, arcname=db_name)
                for path in files:
                    tar.add(path, arcname=f"{MEDIA_DIR}/{path.relative_to(media).as_posix()}")
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return manifest


class Command(BaseCommand):
    help = (
        "データベースとアップロードファイルを1つのファイルにバックアップします / "
        "Back up the database and uploaded files (MEDIA_ROOT) into one archive."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path, help="archive to write (e.g. mado-20260401.tar)")

    def handle(self, *args: Any, **options: Any) -> None:
        manifest = create_backup(options["file"])
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"バックアップしました / backed up: {options['file']} "
            f"({manifest['vendor']}, {rows} rows, {manifest['media_files']} files)"
        )
