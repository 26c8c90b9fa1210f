from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from karaj_budget.jalali import persian_digits
from workgroups.letters.render import letter_pdf
from workgroups.models import LIST_TITLES, Cycle, Deadline, Submission, Workgroup

# The command's names for the two lists (the fixed interface), and the kinds they stand for.
KINDS = {"priorities": Deadline.Kind.PRIORITIES, "coded": Deadline.Kind.CODING}


class Command(BaseCommand):
    help = (
        "Write the PDF letter of a workgroup's latest submission of one list (the same file as the "
        "submission page's button). Exits non-zero with a Persian message when there is none."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cycle", type=int, required=True, help="fiscal year, e.g. 1399")
        parser.add_argument("--workgroup", required=True, help="a workgroup slug, e.g. transport")
        parser.add_argument("--kind", required=True, choices=sorted(KINDS), help="which list")
        parser.add_argument("--output", required=True, help="the .pdf file to write")

    def handle(self, *args, cycle, workgroup, kind, output, **options):
        try:
            cycle_obj = Cycle.objects.get(fiscal_year=cycle)
        except Cycle.DoesNotExist:
            raise CommandError(f"دوره بودجه سال {persian_digits(cycle)} وجود ندارد.") from None
        try:
            workgroup_obj = Workgroup.objects.select_related("deputy").get(slug=workgroup)
        except Workgroup.DoesNotExist:
            raise CommandError(f"کارگروه «{workgroup}» وجود ندارد.") from None
        submission = (
            Submission.objects.for_list(workgroup_obj, cycle_obj, KINDS[kind])
            .select_related("workgroup__deputy", "cycle", "submitted_by")
            .order_by("-number")
            .first()
        )
        if submission is None:
            raise CommandError(
                f"«{workgroup_obj.name}» در دوره {persian_digits(cycle)} هنوز {LIST_TITLES[KINDS[kind]]} "
                "ارسال نکرده است؛ نامه‌ای برای نوشتن نیست."
            )
        pdf = letter_pdf(submission)
        Path(output).write_bytes(pdf)
        self.stdout.write(
            f"submission_letter: {submission} ({submission.get_state_display()}), "
            f"{len(pdf):,} bytes written to {output}"
        )
