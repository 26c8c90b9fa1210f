import sys

from django.core.management.base import BaseCommand

from programs.importing.codes import import_codes
from programs.importing.results import report


class Command(BaseCommand):
    help = (
        "Import operational program codes (program) or budget circular codes (budget) from an .xlsx "
        "file. The header row is found by name; every problem is listed as «ردیف N: ستون «…»: …» on "
        "stderr and nothing is saved unless the whole file is valid. Re-importing is idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["program", "budget"], help="program or budget codes")
        parser.add_argument("file", help="the .xlsx file")
        parser.add_argument("--dry-run", action="store_true", help="validate and count, save nothing")
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="mark codes that are in the database but not in the file inactive (never deleted)",
        )

    def handle(self, *args, **options):
        try:
            with open(options["file"], "rb") as fileobj:
                result = import_codes(
                    options["kind"],
                    fileobj,
                    dry_run=options["dry_run"],
                    deactivate_missing=options["deactivate_missing"],
                )
        except OSError as error:
            self.stderr.write(f"فایل خوانده نشد: {error.strerror or error}")
            sys.exit(2)
        report(self, result)
        if result.missing:
            shown = "، ".join(result.missing[:30]) + (" …" if len(result.missing) > 30 else "")
            action = "غیرفعال شد" if options["deactivate_missing"] else "با گزینهٔ غیرفعال‌سازی غیرفعال می‌شود"
            self.stdout.write(f"کدهای سامانه که در فایل نیستند ({len(result.missing)}؛ {action}): {shown}")
        if result.has_errors:
            sys.exit(1)
