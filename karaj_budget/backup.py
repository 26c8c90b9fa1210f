"""Backup and restore of the whole database, for `manage.py backup_db` and `restore_db`.

PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --single-transaction`, so a
restore either replaces everything or changes nothing. The connection comes from
DATABASES["default"] and is passed through PG* environment variables, never on the command
line, where other users of the machine could read the password.

SQLite: SQLite's online backup API (what the sqlite3 shell's `.backup` uses) copies a consistent
snapshot while the app keeps running, into a single self-contained file; a restore copies the
file back the same way, after checking it is an intact SQLite database of this app.

A backup's kind is recognised from its first bytes, so a PostgreSQL dump is never fed to
SQLite or the other way round.

Uploaded files (attachments under MEDIA_ROOT) go into a tar archive beside the database backup,
named after it with `.files.tar` appended. A restore that finds the archive replaces MEDIA_ROOT
with its content (extracted aside first, then swapped in); without it, the files are left alone.
"""

import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import closing
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

POSTGRESQL = "postgresql"
SQLITE = "sqlite"
_MAGIC = {POSTGRESQL: b"PGDMP", SQLITE: b"SQLite format 3\x00"}
_SUFFIX = {POSTGRESQL: ".dump", SQLITE: ".sqlite3"}
_LABEL = {POSTGRESQL: "PostgreSQL", SQLITE: "SQLite"}
FILES_SUFFIX = ".files.tar"
# Inside the files archive, everything lives under this folder.
_FILES_ROOT = "media"


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why, for the operator."""


def database_kind(alias="default"):
    engine = settings.DATABASES[alias]["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        return SQLITE
    if engine in ("django.db.backends.postgresql", "django.contrib.gis.db.backends.postgis"):
        return POSTGRESQL
    raise BackupError(f"Backups support PostgreSQL and SQLite, not {engine}.")


def backup_kind(path):
    """POSTGRESQL or SQLITE from the file's first bytes; BackupError for anything else."""
    try:
        with open(path, "rb") as file:
            head = file.read(16)
    except OSError as error:
        raise BackupError(f"Cannot read {path}: {error.strerror}.") from error
    for kind, magic in _MAGIC.items():
        if head.startswith(magic):
            return kind
    raise BackupError(f"{path} is not a backup made by backup_db (neither a pg_dump archive nor SQLite).")


def default_backup_path(alias="default"):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(settings.BACKUP_DIR) / f"karaj-budget-{stamp}{_SUFFIX[database_kind(alias)]}"


def backup(path, alias="default"):
    """Write a backup of the database to `path` (replaced only once the new one is complete)."""
    kind = database_kind(alias)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed, so a failed backup never leaves half a file
    # under the name a restore would be given.
    fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(fd)
    try:
        if kind == POSTGRESQL:
            _run(
                _pg_command(
                    "pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"
                ),
                alias,
            )
        else:
            _sqlite_backup(settings.DATABASES[alias]["NAME"], partial)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    # After the database: every file a backed-up row names was uploaded before, so it is in here.
    _files_backup(Path(settings.MEDIA_ROOT), files_archive_path(path))
    return path


def files_archive_path(path):
    """Where the uploaded files of the database backup at `path` are (or go)."""
    return Path(f"{path}{FILES_SUFFIX}")


def count_files(archive):
    with tarfile.open(archive) as tar:
        return sum(1 for member in tar.getmembers() if member.isfile())


def _files_backup(media_root, archive):
    fd, partial = tempfile.mkstemp(prefix=f".{archive.name}.", suffix=".partial", dir=archive.parent)
    os.close(fd)
    try:
        with tarfile.open(partial, "w") as tar:
            if media_root.is_dir():
                tar.add(media_root, arcname=_FILES_ROOT)
            else:  # nothing uploaded yet: an empty archive still says "no files" on restore
                folder = tarfile.TarInfo(_FILES_ROOT)
                folder.type, folder.mode = tarfile.DIRTYPE, 0o700
                tar.addfile(folder)
        os.replace(partial, archive)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


def _files_check(archive):
    try:
        with tarfile.open(archive) as tar:
            members = tar.getmembers()
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{archive} is not a readable files archive: {error}.") from error
    for member in members:
        inside = member.name == _FILES_ROOT or member.name.startswith(f"{_FILES_ROOT}/")
        if not inside or ".." in Path(member.name).parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"{archive} holds {member.name!r}, which a files backup never does.")


def _files_restore(archive, media_root):
    media_root = Path(media_root)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{media_root.name}.restore.", dir=media_root.parent))
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(staging, filter="data")
        old = media_root.with_name(f".{media_root.name}.replaced")
        if old.exists():
            shutil.rmtree(old)
        if media_root.exists():
            media_root.rename(old)
        (staging / _FILES_ROOT).rename(media_root)
        if old.exists():
            shutil.rmtree(old)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def check(path, alias="default"):
    """Check that `path` is a readable backup of the right kind for this database."""
    kind = backup_kind(path)
    expected = database_kind(alias)
    if kind != expected:
        raise BackupError(
            f"{path} is a backup of {_LABEL[kind]}, but this installation's database is {_LABEL[expected]}."
        )
    if kind == POSTGRESQL:
        listing = _run(_pg_command("pg_restore", "--list", str(path)), alias)
        if "django_migrations" not in listing:
            raise BackupError(f"{path} is a pg_dump archive, but not of this app's database.")
    else:
        _sqlite_check(path)
    if files_archive_path(path).exists():
        _files_check(files_archive_path(path))


def restore(path, alias="default"):
    """Replace the whole database with the backup at `path`: all of it, or nothing on failure."""
    check(path, alias)
    # This process's own connections would otherwise hold locks or see stale pages.
    connections[alias].close()
    if database_kind(alias) == POSTGRESQL:
        database = settings.DATABASES[alias]["NAME"]
        _run(
            _pg_command(
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={database}",
                str(path),
            ),
            alias,
        )
    else:
        _sqlite_copy(path, settings.DATABASES[alias]["NAME"])
    if files_archive_path(path).exists():
        _files_restore(files_archive_path(path), settings.MEDIA_ROOT)


def _sqlite_connect(name, *, read_only=False):
    # A read-only URI for a backup being checked or restored, so it is never changed;
    # a busy timeout so a writer in the running app is waited for, not "database is locked".
    if read_only:
        return closing(sqlite3.connect(f"file:{Path(name).resolve()}?mode=ro", uri=True, timeout=30))
    return closing(sqlite3.connect(name, timeout=30))


def _sqlite_backup(source, target):
    with _sqlite_connect(source) as src, _sqlite_connect(target) as dst:
        src.backup(dst)
        # One file, without a -wal beside it, so the backup can be copied around alone.
        dst.execute("PRAGMA journal_mode=DELETE")


def _sqlite_check(path):
    try:
        with _sqlite_connect(path, read_only=True) as db:
            result = db.execute("PRAGMA integrity_check").fetchone()[0]
            has_migrations = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
            ).fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a readable SQLite database: {error}.") from error
    if result != "ok":
        raise BackupError(f"{path} is damaged (SQLite integrity check: {result}).")
    if not has_migrations:
        raise BackupError(f"{path} is an SQLite database, but not of this app.")


def _sqlite_copy(source, target):
    with _sqlite_connect(source, read_only=True) as src, _sqlite_connect(target) as dst:
        src.backup(dst)


def _pg_command(program, *args):
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(
            f"{program} not found: install the PostgreSQL client tools (same major version as the server)."
        )
    return [executable, *args]


def _pg_environment(alias):
    db = settings.DATABASES[alias]
    env = dict(os.environ)
    for key in ("HOST", "PORT", "USER", "PASSWORD"):
        if db.get(key):
            env[f"PG{key}"] = str(db[key])
    env["PGDATABASE"] = db["NAME"]
    options = db.get("OPTIONS") or {}
    for key, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if options.get(key):
            env[variable] = str(options[key])
    return env


def _run(command, alias):
    completed = subprocess.run(
        command, env=_pg_environment(alias), capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        program = Path(command[0]).name
        raise BackupError(f"{program} failed (exit {completed.returncode}): {completed.stderr.strip()}")
    return completed.stdout
