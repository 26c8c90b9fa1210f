"""The office's monitoring set-up (docs/monitoring.md, "What is monitored"): put a cycle's accepted
coded lists under monitoring, type each project's approved amount or import the council-approved
budget sheet (preview, then confirm), and link the new cycle's ongoing projects to the ones they
continue."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from karaj_budget.persian import PersianInputError
from programs.importing.admin import PREVIEW_ROWS, UploadForm, preview_lifetime
from programs.importing.sheets import Table
from programs.models import ImportPreview
from workgroups import access
from workgroups.models import Cycle, Deadline, MonitoredProject, Submission
from workgroups.monitoring import carryover, enrolment

PAGE_SIZE = 100


def _cycle(request):
    """The cycle named by ?cycle= (or the form's `cycle`); by default the latest cycle with an
    accepted coded list (the year being executed), else the current one."""
    year = request.POST.get("cycle") or request.GET.get("cycle")
    if year:
        return access.cycle_for_year_or_404(year)
    latest = (
        Cycle.objects.filter(
            submissions__kind=Deadline.Kind.CODING, submissions__state=Submission.State.ACCEPTED
        )
        .order_by("-fiscal_year")
        .first()
    )
    return latest or access.current_cycle_or_404()


def _setup_url(cycle):
    return f"{reverse('workgroups:monitoring-setup')}?cycle={cycle.fiscal_year}"


@login_required
@access.office_required
def monitoring_setup(request):
    """The cycle's monitored projects with their approved amounts (editable), the enrol button, the
    import of the approved budget sheet and the carry-over of ongoing projects."""
    cycle = _cycle(request)
    return render(request, "workgroups/monitoring/setup.html", _setup_context(request, cycle))


def _setup_context(request, cycle, **extra):
    page = Paginator(enrolment.monitored_in(cycle), PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "cycle": cycle,
        "cycles": Cycle.objects.order_by("-fiscal_year"),
        "page": page,
        "accepted_lists": Submission.objects.filter(
            cycle=cycle, kind=Deadline.Kind.CODING, state=Submission.State.ACCEPTED
        ).count(),
        "upload_form": extra.pop("upload_form", None) or UploadForm(),
        "ApprovedFrom": MonitoredProject.ApprovedFrom,
        **extra,
    }


@login_required
@access.office_required
@require_POST
def monitoring_enrol(request):
    cycle = _cycle(request)
    result = enrolment.monitoring_enrol(cycle=cycle, user=request.user)
    messages.success(request, result.summary_fa() + ".")
    return redirect(_setup_url(cycle))


@login_required
@access.office_required
@require_POST
def monitored_approved(request, pk):
    """The office types one project's approved amount."""
    monitored = get_object_or_404(MonitoredProject.objects.select_related("project__cycle"), pk=pk)
    try:
        enrolment.monitored_set_approved(
            monitored=monitored, amount=request.POST.get("amount"), user=request.user
        )
    except PersianInputError as error:
        messages.error(request, f"«{monitored.project.title}»: ستون «اعتبار مصوب (میلیون ریال)»: {error}")
    else:
        messages.success(request, f"اعتبار مصوب «{monitored.project.title}» ثبت شد.")
    url = _setup_url(monitored.project.cycle)
    page = request.POST.get("page", "")
    return redirect(f"{url}&page={page}" if page.isdigit() else url)


@login_required
@access.office_required
@require_POST
def approved_import(request):
    """Read the approved budget sheet and show what it would change (nothing is written yet)."""
    cycle = _cycle(request)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        context = _setup_context(request, cycle, upload_form=form)
        return render(request, "workgroups/monitoring/setup.html", context, status=400)
    with form.cleaned_data["import_file"].open("rb") as fileobj:
        result = enrolment.import_approved(fileobj, cycle=cycle, dry_run=True, user=request.user)
    token = None
    if not result.has_errors:
        token = secrets.token_hex(16)
        ImportPreview.objects.create(
            token=token,
            user=request.user,
            kind=enrolment.IMPORT_KIND,
            options={"cycle": cycle.pk},
            table=result.table.to_json(),
            expires_at=timezone.now() + preview_lifetime(),
        )
    return render(
        request,
        "workgroups/monitoring/approved_preview.html",
        {
            "cycle": cycle,
            "result": result,
            "token": token,
            "shown_rows": result.rows[:PREVIEW_ROWS],
            "hidden_rows": max(0, len(result.rows) - PREVIEW_ROWS),
        },
        status=400 if result.has_errors else 200,
    )


@login_required
@access.office_required
@require_POST
def approved_import_confirm(request):
    """Write what the preview showed, checked again against the database as it is now."""
    entry = ImportPreview.objects.filter(
        token=request.POST.get("token", ""),
        user=request.user,
        kind=enrolment.IMPORT_KIND,
        expires_at__gt=timezone.now(),
    ).first()
    if entry is None or not ImportPreview.objects.filter(pk=entry.pk).delete()[0]:
        messages.error(request, "پیش‌نمایش این ورود پیدا نشد یا منقضی شده است؛ فایل را دوباره بارگذاری کنید.")
        return redirect("workgroups:monitoring-setup")
    cycle = get_object_or_404(Cycle, pk=entry.options.get("cycle"))
    result = enrolment.import_approved(
        None, cycle=cycle, dry_run=False, user=request.user, table=Table.from_json(entry.table)
    )
    if result.has_errors:
        return render(
            request,
            "workgroups/monitoring/approved_preview.html",
            {"cycle": cycle, "result": result, "token": None, "shown_rows": result.rows[:PREVIEW_ROWS]},
            status=400,
        )
    messages.success(request, f"اعتبار مصوب از اکسل ثبت شد: {result.summary_fa()}.")
    return redirect(_setup_url(cycle))


@login_required
@access.office_required
@require_POST
def carryover_link(request):
    """Link the cycle's ongoing projects to the projects of the previous cycle they continue."""
    cycle = access.cycle_for_year_or_404(request.POST.get("cycle"))
    linked = carryover.carryover_link(cycle=cycle, user=request.user)
    messages.success(request, linked.summary_fa() + ".")
    return redirect(_setup_url(cycle))
