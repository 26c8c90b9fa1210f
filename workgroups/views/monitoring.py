"""The monitoring dashboard of a quarter (docs/monitoring.md, "Dashboard"): the office sees every
project, a workgroup's people their workgroup's, a unit's experts their unit's; the same figures as
JSON; the quarter's Excel export."""

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from karaj_budget.jalali import format_jalali_datetime
from workgroups import access
from workgroups.models import ProgressReport, ReportingPeriod
from workgroups.monitoring import dashboard, exporting, rules
from workgroups.views.exports import limited_page, xlsx_response
from workgroups.views.office import _iso, _jalali


def _scope(request):
    """The role's scope, the quarter asked for and the filters (period None when no quarter was
    ever opened). A filter naming a workgroup, unit or program with none of the user's monitored
    projects answers 404, like another workgroup's objects."""
    visible = access.monitoring_dashboard_rows(request.user)
    period = access.get_quarter_or_404(request)
    filters = dashboard.Filters.from_query(request.GET)
    options = None
    if period is not None and any(getattr(filters, name) for name in dashboard.NARROWING):
        options = dashboard.options(period, visible)
        for name in dashboard.NARROWING:
            value = getattr(filters, name)
            if value and value not in dict(options[name]):
                raise Http404("در این پایش چنین موردی نیست.")
    return visible, period, filters, options


def _dashboard(request):
    visible, period, filters, options = _scope(request)
    if period is None:
        return None
    return dashboard.build(
        period=period, visible=visible, filters=filters, now=timezone.now(), scope_options=options
    )


def _short(name):
    """Workgroup names without the words every one of them shares, for chart labels."""
    return name.replace("کارگروه تخصصی", "").strip() or name


def _charts(data):
    return {
        "curve": {
            "labels": [point["label"] for point in data.curve],
            "planned": [point["planned"] for point in data.curve],
            "reported": [point["reported"] for point in data.curve],
            "current": data.period.quarter - 1,
        },
        "workgroups": {
            "labels": [_short(group.label) for group in data.workgroups],
            "planned": [group.planned_progress for group in data.workgroups],
            "reported": [group.reported_progress for group in data.workgroups],
            "absorption": [group.absorption for group in data.workgroups],
        },
    }


@login_required
def monitoring_dashboard(request):
    """The quarter's figures per workgroup, unit and program, the S-curve, and the projects that
    need attention first."""
    data = _dashboard(request)
    if data is None:
        return render(request, "workgroups/monitoring/dashboard.html", {"data": None})
    periods = ReportingPeriod.objects.select_related("cycle").order_by("-cycle__fiscal_year", "-quarter")
    return render(
        request,
        "workgroups/monitoring/dashboard.html",
        {
            "data": data,
            "period_label": rules.quarter_label(data.period.cycle.fiscal_year, data.period.quarter),
            "periods": [(p, rules.quarter_label(p.cycle.fiscal_year, p.quarter)) for p in periods],
            "statuses": ProgressReport.Status.choices,
            "states": list(dashboard.REPORT_STATE_LABELS.items()),
            "charts": _charts(data),
            "list_limit": dashboard.LIST_LIMIT,
            "query": data.filters.as_query(),
            "export_query": {
                name: getattr(data.filters, name)
                for name in dashboard.NARROWING
                if getattr(data.filters, name)
            },
        },
    )


@login_required
def monitoring_dashboard_json(request):
    """The dashboard's data for other municipal systems: the same figures, amounts in million
    rials, percentages whole."""
    data = _dashboard(request)
    if data is None:
        raise Http404("هنوز فصلی برای گزارش پایش گشوده نشده است.")
    period = data.period
    payload = {
        "period": {
            "fiscal_year": period.cycle.fiscal_year,
            "quarter": period.quarter,
            "label": rules.quarter_label(period.cycle.fiscal_year, period.quarter),
            "due_at": _iso(period.due_at),
            "due_at_jalali": _jalali(period.due_at),
        },
        "generated_at": _iso(data.now),
        "generated_at_jalali": _jalali(data.now),
        "amount_unit": "million_rials",
        "filters": data.filters.as_query(),
        "total": data.total.as_json(),
        "workgroups": [group.as_json() for group in data.workgroups],
        "units": [group.as_json() for group in data.units],
        "programs": [group.as_json() for group in data.programs],
        "s_curve": data.curve,
        "projects_listed": data.listed,
        "projects": [line.as_json() for line in data.lines],
    }
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


@login_required
def monitoring_export(request):
    """The quarter's Excel file, as `manage.py export_monitoring` writes it, for the projects the
    user's dashboard covers (narrowed by workgroup, unit or program when asked). Limited per person
    and minute and audited like the list exports."""
    visible, period, filters, _options = _scope(request)
    if period is None:
        raise Http404("هنوز فصلی برای گزارش پایش گشوده نشده است.")
    # Back to the dashboard it came from: heads and units may not open the office's home.
    if (refused := limited_page(request, back_url=reverse("workgroups:monitoring-dashboard"))) is not None:
        return refused
    output = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - closed by FileResponse
    exporting.export_quarter(
        period=period, visible=visible.filter(dashboard.filter_q(filters)), user=request.user, output=output
    )
    output.seek(0)
    label = rules.quarter_label(period.cycle.fiscal_year, period.quarter)
    return xlsx_response(
        output,
        filename=exporting.export_filename(period),
        persian_name=f"پایش {label} — {format_jalali_datetime(timezone.now())}.xlsx",
    )
