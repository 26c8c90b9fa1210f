"""The coded list as Excel, for its workgroup's people and for the budget office (every workgroup and
the consolidated sheet). Downloads are limited per person and minute; every export is audited."""

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import content_disposition_header

from workgroups import access
from workgroups.exporting import export_coded_list, export_filename
from workgroups.models import ExportCount, Workgroup

EXPORTS_PER_MINUTE = 6
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _rate_limited(user):
    """At most EXPORTS_PER_MINUTE exports per person per clock minute (an export reads every row),
    counted in the database across every app process and server."""
    return ExportCount.objects.hit(user, timezone.now()) > EXPORTS_PER_MINUTE


def _export(request, *, cycle, workgroup):
    if _rate_limited(request.user):
        return render(
            request,
            "workgroups/coding_export_limited.html",
            {"limit": EXPORTS_PER_MINUTE, "workgroup": workgroup},
            status=429,
        )
    # Small exports stay in memory; a large one spills to a temporary file.
    output = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - closed by FileResponse
    export_coded_list(cycle=cycle, workgroup=workgroup, user=request.user, output=output)
    output.seek(0)
    filename = export_filename(cycle, workgroup)
    scope_name = workgroup.name if workgroup else "همه کارگروه‌ها"
    persian_name = f"فهرست کدگذاری‌شده {cycle.fiscal_year} {scope_name}.xlsx"
    response = FileResponse(output, content_type=XLSX)
    # An ASCII name for old clients, the Persian one (RFC 6266 filename*) for the rest.
    persian = content_disposition_header(True, persian_name).split("; ", 1)[1]
    response["Content-Disposition"] = f'attachment; filename="{filename}"; {persian}'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def workgroup_export(request, slug):
    """A workgroup's own coded list as Excel: its head and members (who can read it anyway) and the office."""
    workgroup = access.get_workgroup_for_user(request.user, slug)
    return _export(request, cycle=access.get_cycle_or_404(request), workgroup=workgroup)


@login_required
@access.office_required
def office_export(request):
    """The budget office's export: every workgroup and the consolidated sheet, or ?workgroup=<slug>."""
    slug = request.GET.get("workgroup", "").strip()
    workgroup = get_object_or_404(Workgroup, slug=slug) if slug else None
    return _export(request, cycle=access.get_cycle_or_404(request), workgroup=workgroup)
