"""The coded list as Excel, for its workgroup's people and for the budget office. One list is written
while the request waits; every workgroup and the consolidated sheet (the office's whole-cycle export)
is built by the background worker and fetched when ready (workgroups/export_runs.py). Exports are
limited per person and minute; every export is audited."""

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from karaj_budget.downloads import attachment_disposition
from workgroups import access, export_runs
from workgroups.exporting import export_coded_list, export_display_name, export_filename
from workgroups.models import Cycle, ExportCount, ExportRun, Workgroup

EXPORTS_PER_MINUTE = 6
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _rate_limited(user):
    """At most EXPORTS_PER_MINUTE exports per person per clock minute (an export reads every row),
    counted in the database across every app process and server."""
    return ExportCount.objects.hit(user, timezone.now()) > EXPORTS_PER_MINUTE


def limited_page(request, *, workgroup=None, back_url=None):
    """Count one export by the person: None while within the limit, else the Persian 429 page
    leading back to `back_url` (or the workgroup's coding page, or the office's home). Every export
    of the app, the lists' and the monitoring's, shares this one limit."""
    if not _rate_limited(request.user):
        return None
    return render(
        request,
        "workgroups/coding_export_limited.html",
        {"limit": EXPORTS_PER_MINUTE, "workgroup": workgroup, "back_url": back_url},
        status=429,
    )


def xlsx_response(output, *, filename, persian_name):
    """A workbook as a download: saved as `persian_name` (`filename` for old clients), never cached."""
    response = FileResponse(output, content_type=XLSX)
    response["Content-Disposition"] = attachment_disposition(persian_name, ascii_name=filename)
    response["Cache-Control"] = "no-store"
    return response


def _export(request, *, cycle, workgroup):
    if (refused := limited_page(request, workgroup=workgroup)) is not None:
        return refused
    # Small exports stay in memory; a large one spills to a temporary file.
    output = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - closed by FileResponse
    export_coded_list(cycle=cycle, workgroup=workgroup, user=request.user, output=output)
    output.seek(0)
    return xlsx_response(
        output,
        filename=export_filename(cycle, workgroup),
        persian_name=export_display_name(cycle, workgroup),
    )


@login_required
def workgroup_export(request, slug):
    """A workgroup's own coded list as Excel: its head and members (who can read it anyway) and the office."""
    workgroup = access.get_workgroup_for_user(request.user, slug)
    return _export(request, cycle=access.get_cycle_or_404(request), workgroup=workgroup)


@login_required
@access.office_required
def office_export(request):
    """The budget office's export of one workgroup's list (?workgroup=<slug>). Without a workgroup
    (an older link or bookmark) it leads to the whole-cycle export's page, which builds in the
    background."""
    cycle = access.get_cycle_or_404(request)
    slug = request.GET.get("workgroup", "").strip()
    if not slug:
        return redirect(_runs_url(cycle))
    workgroup = get_object_or_404(Workgroup, slug=slug)
    return _export(request, cycle=cycle, workgroup=workgroup)


def _runs_url(cycle):
    return f"{reverse('workgroups:export-run-list')}?cycle={cycle.fiscal_year}"


@login_required
@access.office_required
@require_http_methods(["GET", "POST"])
def export_run_list(request):
    """The whole-cycle export: GET shows the person's recent builds of ?cycle= (the one under way
    with its progress, the ready ones to fetch); POST asks for a new build, or joins the one under way."""
    cycle = access.get_cycle_or_404(request)
    if request.method == "POST":
        if export_runs.active_run(cycle=cycle, user=request.user) is None:  # joining one is no new export
            if (refused := limited_page(request, back_url=_runs_url(cycle))) is not None:
                return refused
        _run, started = export_runs.export_run_start(cycle=cycle, user=request.user)
        if started:
            messages.success(
                request, "ساختن فایل آغاز شد؛ وقتی آماده شود، پیوند دریافت آن در همین صفحه می‌آید."
            )
        else:
            messages.info(
                request, "فایلی که پیش‌تر خواسته بودید هنوز در حال ساختن است؛ همان در همین صفحه آماده می‌شود."
            )
        return redirect(_runs_url(cycle))
    runs = export_runs.recent_runs(cycle=cycle, user=request.user)
    active = next((run for run in runs if run.is_active), None)
    return render(
        request,
        "workgroups/export_run_list.html",
        {
            "cycle": cycle,
            "cycles": Cycle.objects.order_by("-fiscal_year"),
            "runs": [(run, export_runs.export_run_status(run)) for run in runs],
            "active": export_runs.export_run_status(active) if active else None,
            "keep_hours": int(export_runs.KEEP_FILES_FOR.total_seconds() // 3600),
        },
    )


def _own_run_or_404(request, pk):
    """A run of the person who asked for it; another's is not theirs to fetch (the audit names
    who exported)."""
    return get_object_or_404(ExportRun.objects.select_related("cycle"), pk=pk, requested_by=request.user)


@login_required
@access.office_required
def export_run_state(request, pk):
    """One build's state as JSON, for the page's progress."""
    status = export_runs.export_run_status(_own_run_or_404(request, pk))
    return JsonResponse(status, json_dumps_params={"ensure_ascii": False})


@login_required
@access.office_required
def export_run_download(request, pk):
    """The built workbook, while it is kept."""
    run = _own_run_or_404(request, pk)
    if run.state != ExportRun.State.DONE or not export_runs.file_exists(run):
        messages.error(
            request,
            "این فایل دیگر نگه داشته نمی‌شود (هر فایل یک روز نگه داشته می‌شود) یا هنوز آماده نیست؛ "
            "در صورت نیاز دوباره درخواست کنید.",
        )
        return redirect(_runs_url(run.cycle))
    return xlsx_response(
        run.file.open("rb"),
        filename=export_filename(run.cycle, now=run.finished_at),
        persian_name=export_display_name(run.cycle),
    )
