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
"""

import os
import shutil
import sqlite3
import subprocess
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
    return path


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
