from django.core.management.base import BaseCommand, CommandError

from karaj_budget import backup


class Command(BaseCommand):
    help = (
        "Back up the whole database to one file: pg_dump's custom format for PostgreSQL, a copy made "
        "with SQLite's online backup for SQLite. Safe while the app runs. Without --output, writes "
        "KARAJ_BACKUP_DIR/karaj-budget-<date>-<time>.dump (or .sqlite3), and the uploaded files "
        "(MEDIA_ROOT) beside it as <that name>.files.tar. Restore with restore_db."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="The file to write (replaced if it exists).")

    def handle(self, *args, output=None, **options):
        try:
            path = backup.backup(output or backup.default_backup_path())
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backup written: {path} ({path.stat().st_size:,} bytes)")
        archive = backup.files_archive_path(path)
        self.stdout.write(f"Files written: {archive} ({backup.count_files(archive):,} files)")
