from django.core.management.base import BaseCommand, CommandError

from karaj_budget import backup


class Command(BaseCommand):
    help = (
        "Replace the whole database with a backup made by backup_db. Everything written since the "
        "backup is lost. PostgreSQL restores in one transaction (all or nothing). Stop the app "
        "servers first, and run `migrate` afterwards if the code is newer than the backup. "
        "The uploaded files are replaced too when <file>.files.tar lies beside the backup. "
        "--dry-run only checks that the file is an intact backup for this database."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A file written by backup_db.")
        parser.add_argument(
            "--no-input", "--noinput", action="store_false", dest="interactive", help="Do not ask to confirm."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check the file; change nothing.")

    def handle(self, *args, file, interactive=True, dry_run=False, **options):
        try:
            backup.check(file)
            if dry_run:
                self.stdout.write(
                    f"{file} is a usable backup for this database; nothing was changed (dry run)."
                )
                return
            if interactive:
                answer = input(
                    f"This replaces every row in the database with the contents of {file}.\n"
                    "Type 'yes' to continue: "
                )
                if answer.strip().lower() != "yes":
                    raise CommandError("Restore cancelled; nothing was changed.")
            backup.restore(file)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored the database from {file}.")
        archive = backup.files_archive_path(file)
        if archive.exists():
            self.stdout.write(f"Restored {backup.count_files(archive):,} uploaded files from {archive}.")
        else:
            self.stdout.write(
                f"No {archive.name} beside the backup: the uploaded files were left as they are."
            )
