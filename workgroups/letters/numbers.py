"""The number and date the municipality's correspondence system (دبیرخانه) gave a letter.

They are not part of the frozen list (its snapshot and checksum stay as they were); the office
records them after the letter is registered, may correct them, and every change is audited.
"""

from django.db import transaction

from karaj_budget.jalali import format_jalali_date, persian_digits
from workgroups.models import AuditEntry, Submission


@transaction.atomic
def submission_record_letter(*, submission, number, date, user):
    """Record (or correct) the letter number and date of `submission`."""
    submission = (
        Submission.objects.select_for_update().select_related("workgroup", "cycle").get(pk=submission.pk)
    )
    before = {
        "letter_number": submission.letter_number,
        "letter_date": submission.letter_date.isoformat() if submission.letter_date else None,
    }
    submission.letter_number = number
    submission.letter_date = date
    submission.save(update_fields=["letter_number", "letter_date"])
    AuditEntry.objects.record(
        actor=user,
        action="submission.letter",
        summary=(
            f"ثبت شماره نامه {persian_digits(number)} مورخ {format_jalali_date(date)} برای "
            f"{submission.list_title} «{submission.workgroup.name}»"
        )[:500],
        workgroup=submission.workgroup,
        cycle=submission.cycle,
        details={
            "submission": submission.pk,
            "before": before,
            "letter_number": number,
            "letter_date": date.isoformat(),
        },
    )
    return submission
