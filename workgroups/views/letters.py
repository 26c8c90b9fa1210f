"""The letter of a submission: the PDF, the office's record of its number and date, and the page
its QR code opens, where the office sees whether the live list still matches the letter."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from workgroups import access, submissions
from workgroups.forms import LetterNumberForm
from workgroups.letters import numbers
from workgroups.letters.render import letter_filename, letter_pdf
from workgroups.models import Submission


@login_required
def submission_letter(request, pk):
    """The letter as a PDF download, for whoever may read the submission."""
    submission = access.get_submission_for_user(request.user, pk)
    response = HttpResponse(letter_pdf(submission), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{letter_filename(submission)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@access.office_required
@require_POST
def letter_number(request, pk):
    """The office records the number and date the correspondence system gave the letter."""
    submission = get_object_or_404(Submission.objects.select_related("workgroup", "cycle"), pk=pk)
    form = LetterNumberForm(request.POST)
    if form.is_valid():
        numbers.submission_record_letter(
            submission=submission,
            number=form.cleaned_data["letter_number"],
            date=form.cleaned_data["letter_date"],
            user=request.user,
        )
        messages.success(request, "شماره و تاریخ نامه ثبت شد؛ در نامه و خروجی اکسل می‌آیند.")
    else:
        errors = [error for field_errors in form.errors.values() for error in field_errors]
        messages.error(request, " ".join(errors))
    return redirect(submission)


@login_required
@access.office_required
def submission_verify(request, pk, checksum):
    """Does the list still match the letter? The letter's checksum against the stored submission and
    against the list as it stands now."""
    submission = get_object_or_404(Submission.objects.select_related("workgroup", "cycle"), pk=pk)
    current = submissions.current_checksum(
        workgroup=submission.workgroup, cycle=submission.cycle, kind=submission.kind
    )
    return render(
        request,
        "workgroups/submission_verify.html",
        {
            "submission": submission,
            "letter_checksum": checksum,
            "letter_matches_submission": checksum == submission.checksum,
            "submission_intact": submission.verify(),
            "live_matches": current == submission.checksum,
            "current_checksum": current,
        },
    )
