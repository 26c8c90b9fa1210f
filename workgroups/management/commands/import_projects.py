import sys

from django.core.management.base import BaseCommand, CommandError

from programs.importing.results import report
from workgroups.importing import import_projects
from workgroups.models import Cycle


class Command(BaseCommand):
    help = (
        "Import proposed projects for a budget cycle from an .xlsx file. Units and deputies are matched "
        "by code or name; a row with «شناسه» updates that unit's project instead of adding one. Every "
        "problem is listed as «ردیف N: ستون «…»: …» on stderr and nothing is saved unless the whole file "
        "is valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx file")
        parser.add_argument("--cycle", type=int, required=True, help="fiscal year of the cycle, e.g. 1399")
        parser.add_argument("--dry-run", action="store_true", help="validate and count, save nothing")

    def handle(self, *args, **options):
        cycle = Cycle.objects.filter(fiscal_year=options["cycle"]).first()
        if cycle is None:
            raise CommandError(f"دورهٔ بودجهٔ سال {options['cycle']} تعریف نشده است.")
        try:
            with open(options["file"], "rb") as fileobj:
                result = import_projects(fileobj, cycle=cycle, dry_run=options["dry_run"])
        except OSError as error:
            self.stderr.write(f"فایل خوانده نشد: {error.strerror or error}")
            sys.exit(2)
        report(self, result)
        if result.has_errors:
            sys.exit(1)
