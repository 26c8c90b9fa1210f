"""Backup and restore round trips: data written, backed up, changed, restored, and back.

Each round trip runs the real commands in child processes against a scratch database of its
own, as an operator (or cron) would: an SQLite file always, and a PostgreSQL database when the
suite runs on PostgreSQL and pg_dump is installed.
"""

import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import dj_database_url
import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
User.objects.create_user("kept", password="x")
Group.objects.create(name="کارگروه نمونه")
default_storage.save("attachments/2026/kept.pdf", ContentFile(b"%PDF-kept"))
"""

CHANGE = """
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
User.objects.filter(username="kept").delete()
Group.objects.filter(name="کارگروه نمونه").delete()
User.objects.create_user("written-after-the-backup", password="x")
default_storage.delete("attachments/2026/kept.pdf")
default_storage.save("attachments/2026/after.pdf", ContentFile(b"%PDF-after"))
"""

# The uploaded files are part of what a backup brings back (with their bytes).
SHOW = """
from pathlib import Path
from django.conf import settings
from django.contrib.auth.models import Group, User
users = sorted(User.objects.values_list("username", flat=True))
root = Path(settings.MEDIA_ROOT)
files = sorted((str(p.relative_to(root)), p.read_bytes()) for p in root.rglob("*") if p.is_file())
print(users, sorted(Group.objects.values_list("name", flat=True)), files)
"""


def env_for(database_url, media_root=None):
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "KARAJ_MEDIA_ROOT"))
    }
    env.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="karaj_budget.settings")
    if media_root is not None:
        env["KARAJ_MEDIA_ROOT"] = str(media_root)
    return env


def run(env, *args, stdin=None):
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result


def django(env, code):
    result = run(env, "-c", "import django; django.setup()\n" + code)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def manage(env, *args, stdin=None):
    return run(env, "manage.py", *args, stdin=stdin)


def round_trip(env, backup_file):
    django(env, SETUP)
    before = django(env, SHOW)
    assert "'kept'" in before
    assert "kept.pdf" in before

    backed_up = manage(env, "backup_db", "--output", str(backup_file))
    assert backed_up.returncode == 0, backed_up.stderr
    assert f"Backup written: {backup_file}" in backed_up.stdout
    assert f"Files written: {backup_file}.files.tar (1 files)" in backed_up.stdout

    django(env, CHANGE)
    assert django(env, SHOW) != before

    checked = manage(env, "restore_db", "--dry-run", str(backup_file))
    assert checked.returncode == 0, checked.stderr
    assert "written-after-the-backup" in django(env, SHOW)  # a dry run changes nothing

    cancelled = manage(env, "restore_db", str(backup_file), stdin="no\n")
    assert cancelled.returncode != 0
    assert "nothing was changed" in cancelled.stderr

    restored = manage(env, "restore_db", "--no-input", str(backup_file))
    assert restored.returncode == 0, restored.stderr
    assert "Restored 1 uploaded files" in restored.stdout
    assert django(env, SHOW) == before


def test_sqlite_round_trip(tmp_path):
    database = tmp_path / "live.sqlite3"
    env = env_for(f"sqlite:///{database}", tmp_path / "media")
    round_trip(env, tmp_path / "backups" / "karaj.sqlite3")


def test_sqlite_backup_while_the_app_is_writing_is_a_consistent_snapshot(tmp_path):
    database = tmp_path / "live.sqlite3"
    env = env_for(f"sqlite:///{database}", tmp_path / "media")
    django(env, SETUP)
    backup_file = tmp_path / "during-write.sqlite3"

    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO auth_group (name) VALUES ('not yet committed')")
    try:
        backed_up = manage(env, "backup_db", "--output", str(backup_file))
    finally:
        writer.execute("ROLLBACK")
        writer.close()

    assert backed_up.returncode == 0, backed_up.stderr
    with sqlite3.connect(backup_file) as copy:
        names = {name for (name,) in copy.execute("SELECT name FROM auth_group")}
        journal_mode = copy.execute("PRAGMA journal_mode").fetchone()[0]
    copy.close()
    assert "کارگروه نمونه" in names
    assert "not yet committed" not in names
    assert journal_mode == "delete"  # one self-contained file, no -wal beside it


@pytest.fixture
def scratch_postgres():
    """A fresh PostgreSQL database on the suite's server, dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("the PostgreSQL round trip runs when DATABASE_URL names a PostgreSQL database")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump / pg_restore not found: install the PostgreSQL client tools")
    import psycopg

    config = dj_database_url.parse(url)
    name = f"karaj_backup_test_{uuid.uuid4().hex[:8]}"
    server = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**server) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.rsplit("/", 1)[0].split("?")[0] + f"/{name}"
    finally:
        with psycopg.connect(**server) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_postgresql_round_trip(scratch_postgres, tmp_path):
    round_trip(env_for(scratch_postgres, tmp_path / "media"), tmp_path / "karaj.dump")


# ---- Refusals (in the test process: nothing is written) ---------------------------------------


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    stray = tmp_path / "notes.txt"
    stray.write_text("not a backup")

    with pytest.raises(CommandError, match="not a backup made by backup_db"):
        call_command("restore_db", str(stray), "--no-input")


@pytest.mark.django_db
def test_restore_refuses_a_backup_of_the_other_kind_of_database(tmp_path, settings):
    other = tmp_path / "other-kind"
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        other.write_bytes(b"PGDMP" + bytes(100))
        expected = "is a backup of PostgreSQL, but this installation's database is SQLite"
    else:
        other.write_bytes(b"SQLite format 3\x00" + bytes(100))
        expected = "is a backup of SQLite, but this installation's database is PostgreSQL"

    with pytest.raises(CommandError, match=expected):
        call_command("restore_db", str(other), "--no-input")


def test_restore_refuses_a_files_archive_that_would_write_outside_the_media_folder(tmp_path):
    database = tmp_path / "live.sqlite3"
    env = env_for(f"sqlite:///{database}", tmp_path / "media")
    django(env, SETUP)
    backup_file = tmp_path / "karaj.sqlite3"
    assert manage(env, "backup_db", "--output", str(backup_file)).returncode == 0
    with tarfile.open(f"{backup_file}.files.tar", "w") as tar:
        evil = tarfile.TarInfo("media/../../escaped.txt")
        evil.size = 3
        tar.addfile(evil, io.BytesIO(b"bad"))
    refused = manage(env, "restore_db", "--no-input", str(backup_file))
    assert refused.returncode != 0
    assert "which a files backup never does" in refused.stderr
    assert not (tmp_path / "escaped.txt").exists()
