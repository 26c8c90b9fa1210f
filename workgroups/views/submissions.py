"""Pages of the submission workflow: the head's submissions, the office's dashboard, queue and review."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from karaj_budget.jalali import format_jalali_datetime
from workgroups import access, deadlines, locks, ranking, submissions
from workgroups.forms import ExtensionForm, LetterNumberForm, ReturnForm
from workgroups.models import LIST_TITLES, Deadline, Extension, Submission
from workgroups.overlaps import services as overlap_services

# Days shown around the deadlines on the submissions-over-time chart.
TIMELINE_BEFORE_DAYS = 10
TIMELINE_AFTER_DAYS = 3
TIMELINE_MAX_DAYS = 60


def _kind_or_404(kind):
    if kind not in Deadline.Kind.values:
        raise Http404("نوع فهرست نامعتبر است.")
    return Deadline.Kind(kind)


# ---- The head's side ----------------------------------------------------------------------------


@login_required
def submission_list(request, slug):
    """A workgroup's lists against both deadlines, the submit buttons, and its submission history."""
    workgroup = access.get_workgroup_for_user(request.user, slug)
    cycle = access.get_cycle_or_404(request)
    history = (
        Submission.objects.filter(workgroup=workgroup, cycle=cycle)
        .defer("snapshot")
        .select_related("submitted_by", "reviewed_by")
        .order_by("-submitted_at", "-pk")
    )
    extensions = (
        Extension.objects.filter(workgroup=workgroup, cycle=cycle)
        .select_related("granted_by")
        .order_by("-granted_at", "-pk")
    )
    return render(
        request,
        "workgroups/submission_list.html",
        {
            "workgroup": workgroup,
            "cycle": cycle,
            "deadline_status": submissions.deadline_summary(workgroup, cycle, user=request.user),
            "history": history,
            "extensions": extensions,
        },
    )


def submit_and_report(request, *, workgroup, cycle, kind):
    """Submit a list and tell the head how it went (refusals name what remains to do)."""
    try:
        submission = submissions.submission_submit(
            workgroup=workgroup, cycle=cycle, kind=kind, user=request.user
        )
    except locks.ListLocked as error:
        messages.error(request, error.message)
    except submissions.SubmissionError as error:
        messages.error(request, " ".join([error.message, *error.problems]))
    else:
        late = ""
        if submission.late_by is not None:
            late = f" با {deadlines.format_duration_fa(submission.late_by)} تأخیر"
        messages.success(request, f"{submission.list_title} ارسال شد{late}؛ فهرست تا بررسی دفتر قفل است.")


@login_required
@require_POST
def submission_submit(request, slug, kind):
    """The head freezes a list and sends it to the budget office."""
    kind = _kind_or_404(kind)
    workgroup = access.get_workgroup_for_user(request.user, slug, write=True)
    cycle = access.current_cycle_or_404()
    if cycle is None:
        raise Http404("هنوز دوره بودجه‌ای تعریف نشده است.")
    submit_and_report(request, workgroup=workgroup, cycle=cycle, kind=kind)
    return redirect("workgroups:submission-list", slug=workgroup.slug)


# ---- One submission -----------------------------------------------------------------------------


@login_required
def submission_detail(request, pk):
    """The frozen snapshot, its checksum, a diff against the previous submission, and the review."""
    submission = access.get_submission_for_user(request.user, pk)
    previous = (
        Submission.objects.filter(
            workgroup=submission.workgroup,
            cycle=submission.cycle,
            kind=submission.kind,
            number__lt=submission.number,
        )
        .order_by("-number")
        .first()
    )
    is_office = access.is_budget_office(request.user)
    current = submissions.current_checksum(
        workgroup=submission.workgroup, cycle=submission.cycle, kind=submission.kind
    )
    return render(
        request,
        "workgroups/submission_detail.html",
        {
            "submission": submission,
            "workgroup": submission.workgroup,
            "items": ranking.with_unit_names(
                ranking.snapshot_rows(
                    submission.projects,
                    submission.snapshot.get("credit_ceiling"),
                    submission.snapshot.get("type_ceilings"),
                )
            ),
            "previous": previous,
            "diff": submissions.submission_diff(previous, submission) if previous else None,
            "verified": submission.verify(),
            "matches_current": current == submission.checksum,
            "is_office": is_office,
            "return_form": ReturnForm() if is_office else None,
            "letter_form": LetterNumberForm(
                initial={"letter_number": submission.letter_number, "letter_date": submission.letter_date}
            )
            if is_office
            else None,
            "attachments": submission.snapshot.get("attachments", []),
            # A warning, not a block: the office decides the pairs on the overlap queue.
            "open_overlaps": list(
                overlap_services.open_pairs_touching(submission.workgroup, submission.cycle)
            )
            if is_office and submission.state != Submission.State.RETURNED
            else [],
        },
    )


@login_required
@access.office_required
@require_POST
def submission_accept(request, pk):
    submission = get_object_or_404(Submission, pk=pk)
    try:
        submissions.submission_accept(submission=submission, user=request.user)
    except submissions.SubmissionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{submission.list_title} «{submission.workgroup.name}» پذیرفته شد.")
    return redirect(submission)


@login_required
@access.office_required
def submission_return(request, pk):
    """GET: the return form on its own page (also where an invalid POST lands); POST: return."""
    submission = get_object_or_404(Submission.objects.select_related("workgroup", "cycle"), pk=pk)
    form = ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                submissions.submission_return(
                    submission=submission, user=request.user, reason=form.cleaned_data["reason"]
                )
                if form.cleaned_data["due_at"]:
                    submissions.extension_grant(
                        workgroup=submission.workgroup,
                        cycle=submission.cycle,
                        kind=submission.kind,
                        due_at=form.cleaned_data["due_at"],
                        reason=f"مهلت اصلاح پس از بازگشت: {form.cleaned_data['reason']}",
                        user=request.user,
                    )
        except submissions.SubmissionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _returned_message(submission))
            return redirect(submission)
    return render(request, "workgroups/submission_return.html", {"submission": submission, "form": form})


def _returned_message(submission):
    name = submission.workgroup.name
    message = f"{submission.list_title} «{name}» بازگشت داده شد و رئیس کارگروه باخبر شد."
    due = deadlines.deadline_for(submission.workgroup, submission.cycle, submission.kind)
    if due is not None and due.is_hard and not due.is_open():
        message += " مهلت قطعی گذشته است: برای ارسال دوباره، مهلت این کارگروه را تمدید کنید."
    return message


# ---- The office's side --------------------------------------------------------------------------


@login_required
@access.office_required
def submission_queue(request):
    """Submissions waiting for the office's review, oldest first, then the latest reviewed ones."""
    cycle = access.get_cycle_or_404(request)
    base = (
        Submission.objects.filter(cycle=cycle).defer("snapshot").select_related("workgroup", "submitted_by")
    )
    return render(
        request,
        "workgroups/submission_queue.html",
        {
            "cycle": cycle,
            "pending": base.pending().order_by("submitted_at", "pk"),
            "reviewed": base.exclude(state=Submission.State.SUBMITTED)
            .select_related("reviewed_by")
            .order_by("-reviewed_at", "-pk")[:30],
        },
    )


@login_required
@access.office_required
def extension_create(request, slug):
    """The office gives one workgroup a new due date for one of its lists."""
    workgroup = access.get_workgroup_for_user(request.user, slug)
    cycle = access.get_cycle_or_404(request)
    initial_kind = request.GET.get("kind") if request.GET.get("kind") in Deadline.Kind.values else None
    form = ExtensionForm(request.POST or None, initial={"kind": initial_kind})
    if request.method == "POST" and form.is_valid():
        try:
            extension = submissions.extension_grant(
                workgroup=workgroup, cycle=cycle, user=request.user, **form.cleaned_data
            )
        except submissions.SubmissionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"مهلت {LIST_TITLES[extension.kind]} «{workgroup.name}» تا "
                f"{format_jalali_datetime(extension.due_at)} تمدید شد.",
            )
            return redirect("workgroups:office-home")
    dues = [deadlines.deadline_for(workgroup, cycle, kind) for kind in submissions.LIST_KINDS]
    return render(
        request,
        "workgroups/submission_extension_form.html",
        {"workgroup": workgroup, "cycle": cycle, "form": form, "dues": [d for d in dues if d]},
    )
