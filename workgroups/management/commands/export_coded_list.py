from django.core.management.base import BaseCommand, CommandError

from workgroups.exporting import export_coded_list
from workgroups.models import Cycle, Workgroup


class Command(BaseCommand):
    help = (
        "Export a cycle's coded, prioritized list to an Excel workbook: a cover sheet, a consolidated "
        "sheet and one sheet per workgroup (or one workgroup's sheet with --workgroup)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cycle", type=int, required=True, help="fiscal year, e.g. 1399")
        parser.add_argument("--workgroup", help="a workgroup slug, e.g. transport")
        parser.add_argument("--output", required=True, help="the .xlsx file to write")

    def handle(self, *args, cycle, workgroup, output, **options):
        try:
            cycle_obj = Cycle.objects.get(fiscal_year=cycle)
        except Cycle.DoesNotExist:
            raise CommandError(f"دوره بودجه سال {cycle} وجود ندارد.") from None
        workgroup_obj = None
        if workgroup:
            try:
                workgroup_obj = Workgroup.objects.get(slug=workgroup)
            except Workgroup.DoesNotExist:
                raise CommandError(f"کارگروه «{workgroup}» وجود ندارد.") from None
        rows = export_coded_list(cycle=cycle_obj, workgroup=workgroup_obj, output=output)
        self.stdout.write(f"export_coded_list: {rows} projects written to {output}")
