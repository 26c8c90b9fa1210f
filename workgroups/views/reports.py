"""Quarterly monitoring reports (docs/monitoring.md): the unit's quarter page (its projects' reports,
the Excel template and upload), a report's page (figures against plan, evidence, comments, the
office's verify and return), the lists of reports, and the office's quarters (open, extend).

Access comes from workgroups/access.py, the steps from workgroups/monitoring/{periods,reports,upload}.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from karaj_budget.jalali import persian_digits
from karaj_budget.persian import to_ascii_digits
from workgroups import access
from workgroups.forms import (
    PeriodExtendForm,
    PeriodOpenForm,
    PlannedForm,
    ReportCommentForm,
    ReportForm,
    ReportReturnForm,
    ReportUploadForm,
)
from workgroups.locks import ListError
from workgroups.models import AuditEntry, Cycle, ProgressReport, ReportingPeriod
from workgroups.monitoring import periods, reports, rules, upload

State = ProgressReport.State
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _latest_period():
    return ReportingPeriod.objects.select_related("cycle").order_by("-cycle__fiscal_year", "-quarter").first()


def _add_problems(form, error):
    """Put a refused step's problems on the form's fields (or on top of it)."""
    problems = getattr(error, "problems", ())
    if not problems:
        form.add_error(None, error.message)
    for problem in problems:
        name = problem.field if problem.field in form.fields else None
        form.add_error(name, problem.message)


# ---- The unit's quarter -------------------------------------------------------------------------


class UnitRow:
    """One project on the unit's quarter page: its report (or none yet) and the form for it."""

    def __init__(self, monitored, report, period, previous, form=None):
        self.monitored = monitored
        self.project = monitored.project
        self.report = report
        self.planned = monitored.planned(period.quarter)
        self.previous = previous
        self.refusal = reports.change_refusal(report) if report else None
        with_planned = reports.may_propose_planned(monitored, submitted_before=monitored._submitted_before)
        if form is None and self.refusal is None:
            initial = {}
            if report is not None:
                initial = {name: getattr(report, name) for name in reports.FIGURES}
            form = ReportForm(initial=initial, with_planned=with_planned, prefix=f"p{monitored.pk}")
        self.form = form if self.refusal is None else None
        self.absorption = rules.absorption(report.absorbed if report else None, monitored.approved_amount)

    @property
    def anchor(self):
        return f"project-{self.monitored.pk}"


def _unit_rows(period, unit, *, bound=None):
    projects = list(upload.unit_projects(period, unit))
    found = (
        ProgressReport.objects.filter(period=period, monitored__in=projects)
        .annotate(evidence=Count("attachments"))
        .select_related("period")
    )
    by_project = {report.monitored_id: report for report in found}
    previous = reports.previous_progress_of(projects, period)
    submitted_before = reports.projects_with_submissions(projects)
    rows = []
    for monitored in projects:
        monitored._submitted_before = monitored.pk in submitted_before
        form = bound if bound is not None and bound.prefix == f"p{monitored.pk}" else None
        rows.append(
            UnitRow(monitored, by_project.get(monitored.pk), period, previous.get(monitored.pk), form)
        )
    return rows


def _unit_page(request, period, unit, *, bound=None, upload_form=None, upload_result=None, status=200):
    due = periods.due_for(period, unit)
    rows = _unit_rows(period, unit, bound=bound)
    now = timezone.now()
    return render(
        request,
        "workgroups/monitoring/unit_quarter.html",
        {
            "period": period,
            "unit": unit,
            "rows": rows,
            "due": due,
            "due_open": due.is_open(now),
            "late_refusal": periods.late_refusal(due, now),
            "upload_form": upload_form or ReportUploadForm(),
            "upload_result": upload_result,
            "periods": ReportingPeriod.objects.select_related("cycle").order_by(
                "-cycle__fiscal_year", "-quarter"
            ),
            "counts": {
                state: sum(1 for r in rows if r.report and r.report.state == state) for state in State.values
            },
            # A report the office returned in another quarter waits for the unit: say so here,
            # where the unit lands, not only on that quarter's page.
            "returned_elsewhere": ProgressReport.objects.filter(
                monitored__project__proposing_unit=unit, state=State.RETURNED
            )
            .exclude(period=period)
            .select_related("period__cycle", "monitored__project")
            .order_by("period__cycle__fiscal_year", "period__quarter"),
        },
        status=status,
    )


@login_required
def unit_quarter_latest(request):
    """The unit's page of the latest opened quarter (or a note that none is open)."""
    unit = access.require_unit(request.user)
    period = _latest_period()
    if period is None:
        return render(request, "workgroups/monitoring/unit_quarter.html", {"period": None, "unit": unit})
    return redirect("workgroups:unit-quarter", period.pk)


@login_required
def unit_quarter(request, pk):
    unit = access.require_unit(request.user)
    period = access.get_period_or_404(pk)
    return _unit_page(request, period, unit)


@login_required
@require_POST
def report_save(request, pk, monitored_pk):
    """Save a project's draft from the unit's quarter page, and submit it when asked."""
    monitored = access.get_monitored_for_user(request.user, monitored_pk, write=True)
    period = access.get_period_or_404(pk)
    unit = access.require_unit(request.user)
    if monitored.project.cycle_id != period.cycle_id:
        raise PermissionDenied("این پروژه در سال اجرای این فصل نیست.")
    with_planned = reports.may_propose_planned(monitored)
    form = ReportForm(request.POST, with_planned=with_planned, prefix=f"p{monitored.pk}")
    if not form.is_valid():
        return _unit_page(request, period, unit, bound=form, status=400)
    data = form.cleaned_data
    try:
        report = reports.report_save(
            monitored=monitored,
            period=period,
            user=request.user,
            physical_progress=data["physical_progress"],
            absorbed=data["absorbed"],
            status=data["status"],
            reason=data["reason"],
            planned=form.planned() if with_planned else None,
        )
    except ListError as error:
        _add_problems(form, error)
        return _unit_page(request, period, unit, bound=form, status=error.status)
    title = monitored.project.title
    if data["action"] == ReportForm.SUBMIT:
        try:
            reports.report_submit(report=report, user=request.user)
        except ListError as error:
            _add_problems(form, error)
            form.add_error(None, "پیش‌نویس ذخیره شد ولی ارسال نشد.")
            return _unit_page(request, period, unit, bound=form, status=error.status)
        messages.success(request, f"گزارش «{title}» ارسال شد.")
    else:
        messages.success(request, f"پیش‌نویس گزارش «{title}» ذخیره شد.")
    return redirect(f"{reverse('workgroups:unit-quarter', args=[period.pk])}#project-{monitored.pk}")


@login_required
def report_template(request, pk):
    """The quarter's Excel sheet, prefilled with the unit's projects and its drafts."""
    unit = access.require_unit(request.user)
    period = access.get_period_or_404(pk)
    response = HttpResponse(upload.template_workbook(period, unit), content_type=XLSX)
    filename = f"monitoring-{period.cycle.fiscal_year}-q{period.quarter}-{unit.code}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
def report_upload(request, pk):
    unit = access.require_unit(request.user)
    period = access.get_period_or_404(pk)
    form = ReportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _unit_page(request, period, unit, upload_form=form, status=400)
    result = upload.upload_report(
        form.cleaned_data["file"],
        period=period,
        unit=unit,
        user=request.user,
        submit=form.cleaned_data["submit"],
    )
    if not result.written:
        return _unit_page(request, period, unit, upload_form=form, upload_result=result, status=400)
    if result.submitted:
        messages.success(
            request, f"گزارش {persian_digits(result.submitted)} پروژه از فایل اکسل ثبت و ارسال شد."
        )
    else:
        messages.success(
            request, f"پیش‌نویس گزارش {persian_digits(result.saved)} پروژه از فایل اکسل ذخیره شد."
        )
    return redirect("workgroups:unit-quarter", period.pk)


# ---- A report -----------------------------------------------------------------------------------


def _detail(request, report, *, comment_form=None, return_form=None, status=200):
    monitored, period = report.monitored, report.period
    user = request.user
    is_office = access.is_budget_office(user)
    check = reports.check(report, for_submit=False)
    planned = monitored.planned(period.quarter)
    history = (
        AuditEntry.objects.filter(project=monitored.project, details__report=report.pk)
        .select_related("actor")
        .order_by("-at", "-pk")
    )
    may_write = access.may_report(user, monitored)
    return render(
        request,
        "workgroups/monitoring/report_detail.html",
        {
            "report": report,
            "monitored": monitored,
            "project": monitored.project,
            "period": period,
            "planned": planned,
            "absorption": rules.absorption(report.absorbed, monitored.approved_amount),
            "behind": rules.is_behind(
                status=report.status, progress=report.physical_progress, planned=planned
            ),
            "flags": check.flags,
            "previous": reports.previous_progress(monitored, period),
            "evidence": report.attachments.select_related("uploaded_by"),
            "comments": report.comments.select_related("author"),
            "history": history,
            "checksum_ok": report.verify_checksum() if report.checksum else None,
            "due": periods.due_for(period, monitored.project.proposing_unit),
            "is_office": is_office,
            "may_write": may_write and reports.change_refusal(report) is None,
            "comment_form": comment_form
            or (ReportCommentForm() if access.may_comment_report(user, report) else None),
            "return_form": return_form or (ReportReturnForm() if is_office else None),
            "planned_form": PlannedForm(
                initial={f"planned_q{q}": monitored.planned(q) for q in rules.QUARTER_NAMES}
            )
            if is_office
            else None,
        },
        status=status,
    )


@login_required
def report_detail(request, pk):
    return _detail(request, access.get_report_for_user(request.user, pk))


@login_required
@require_POST
def report_submit(request, pk):
    report = access.get_report_for_user(request.user, pk, write=True)
    try:
        reports.report_submit(report=report, user=request.user)
    except ListError as error:
        problems = " ".join(problem.message for problem in getattr(error, "problems", ()))
        messages.error(request, f"{error.message} {problems}".strip())
    else:
        messages.success(request, "گزارش ارسال شد.")
    return redirect("workgroups:report-detail", report.pk)


@login_required
@require_POST
def report_comment(request, pk):
    report = access.get_report_for_user(request.user, pk)
    if not access.may_comment_report(request.user, report):
        raise PermissionDenied("نظر بر گزارش را رئیس کارگروه یا دفتر بودجه می‌نویسد.")
    form = ReportCommentForm(request.POST)
    if not form.is_valid():
        return _detail(request, report, comment_form=form, status=400)
    try:
        reports.report_comment(report=report, user=request.user, text=form.cleaned_data["text"])
    except ListError as error:
        form.add_error(None, error.message)
        return _detail(request, report, comment_form=form, status=error.status)
    messages.success(request, "نظر شما ثبت شد.")
    return redirect("workgroups:report-detail", report.pk)


@login_required
@access.office_required
@require_POST
def report_verify(request, pk):
    report = access.get_report_for_user(request.user, pk)
    try:
        reports.report_verify(report=report, user=request.user)
    except ListError as error:
        messages.error(request, error.message)
        return redirect("workgroups:report-detail", report.pk)
    messages.success(request, f"گزارش «{report.monitored.project.title}» تأیید شد.")
    return redirect("workgroups:report-detail", report.pk)


@login_required
@access.office_required
@require_POST
def report_return(request, pk):
    report = access.get_report_for_user(request.user, pk)
    form = ReportReturnForm(request.POST)
    if not form.is_valid():
        return _detail(request, report, return_form=form, status=400)
    try:
        reports.report_return(report=report, user=request.user, reason=form.cleaned_data["reason"])
    except ListError as error:
        form.add_error(None, error.message)
        return _detail(request, report, return_form=form, status=error.status)
    messages.success(request, f"گزارش «{report.monitored.project.title}» به واحد بازگشت داده شد.")
    return redirect("workgroups:report-detail", report.pk)


@login_required
@access.office_required
@require_POST
def planned_correct(request, pk):
    """The office corrects a project's planned progress (from a report's page)."""
    monitored = access.get_monitored_for_user(request.user, pk)
    form = PlannedForm(request.POST)
    back = request.POST.get("report")
    target = reverse("workgroups:report-list")
    if back and back.isdigit() and ProgressReport.objects.filter(pk=back, monitored=monitored).exists():
        target = reverse("workgroups:report-detail", args=[back])
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(target)
    try:
        reports.planned_correct(monitored=monitored, values=form.values(), user=request.user)
    except ListError as error:
        problems = " ".join(problem.message for problem in getattr(error, "problems", ()))
        messages.error(request, f"{error.message} {problems}".strip())
    else:
        messages.success(request, "پیشرفت برنامه‌ای اصلاح شد.")
    return redirect(target)


# ---- Lists of reports ---------------------------------------------------------------------------


@login_required
def report_list(request):
    """The reports a user may read, of one quarter, by state: the office's review queue
    (?state=submitted), a head's and its members' reports of their workgroup, a unit's own."""
    if not access.has_monitoring_role(request.user):
        raise PermissionDenied("این صفحه برای دفتر بودجه، کارگروه‌ها و کارشناسان واحدهاست.")
    quarters = list(
        ReportingPeriod.objects.select_related("cycle").order_by("-cycle__fiscal_year", "-quarter")
    )
    chosen = request.GET.get("quarter", "")
    period = next((p for p in quarters if str(p.pk) == chosen), quarters[0] if quarters else None)
    state = request.GET.get("state", "")
    if state not in State.values:
        state = ""
    rows = []
    if period is not None:
        query = access.reports_visible_to(request.user).filter(period=period)
        if state:
            query = query.filter(state=state)
        rows = list(
            query.select_related(
                "monitored__project__workgroup", "monitored__project__proposing_unit", "period__cycle"
            )
            .annotate(
                evidence=Count("attachments", distinct=True), comment_count=Count("comments", distinct=True)
            )
            .order_by("monitored__project__workgroup__deputy__code", "monitored__project__priority", "pk")
        )
        for report in rows:
            monitored = report.monitored
            report.planned = monitored.planned(period.quarter)
            report.absorption = rules.absorption(report.absorbed, monitored.approved_amount)
            report.behind = rules.is_behind(
                status=report.status, progress=report.physical_progress, planned=report.planned
            )
    return render(
        request,
        "workgroups/monitoring/report_list.html",
        {
            "period": period,
            "quarters": quarters,
            "state": state,
            "states": State.choices,
            "rows": rows,
            "is_office": access.is_budget_office(request.user),
        },
    )


# ---- The office's quarters ----------------------------------------------------------------------


def _executed_cycle(request):
    """The cycle whose quarters are opened: ?cycle=<year> (or the form's `cycle`), else the latest
    cycle with monitored projects (the year being executed), else the current one."""
    year = to_ascii_digits(request.POST.get("cycle", "") or request.GET.get("cycle", "")).strip()
    if year:
        cycle = (
            Cycle.objects.filter(fiscal_year=int(year)).first() if year.isdigit() and len(year) <= 4 else None
        )
        if cycle is None:
            raise Http404("دوره بودجه یافت نشد.")
        return cycle
    cycle = Cycle.objects.filter(projects__monitoring__isnull=False).order_by("-fiscal_year").first()
    return cycle or access.current_cycle_or_404()


@login_required
@access.office_required
def period_list(request):
    """The quarters opened so far, with each one's reports by state, and the form to open one."""
    cycle = _executed_cycle(request)
    form = PeriodOpenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                period = periods.period_open(
                    cycle=cycle,
                    quarter=form.cleaned_data["quarter"],
                    due_at=form.cleaned_data["due_at"],
                    is_hard=form.cleaned_data["is_hard"],
                    user=request.user,
                )
            except ListError as error:
                form.add_error(None, error.message)
                status = error.status
            else:
                messages.success(request, f"فصل {period} گشوده شد.")
                return redirect("workgroups:period-list")
        else:
            status = 400
    quarters = list(
        ReportingPeriod.objects.filter(cycle=cycle)
        .select_related("cycle", "opened_by")
        .annotate(extension_count=Count("extensions", distinct=True))
        .order_by("quarter")
    )
    counts = {}
    for period_id, state, n in (
        ProgressReport.objects.filter(period__in=quarters)
        .values_list("period_id", "state")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts.setdefault(period_id, {})[state] = n
    monitored = periods.monitored_of_period(quarters[0]).count() if quarters else None
    for period in quarters:
        period.counts = counts.get(period.pk, {})
    return render(
        request,
        "workgroups/monitoring/period_list.html",
        {"cycle": cycle, "quarters": quarters, "form": form, "monitored": monitored},
        status=status,
    )


@login_required
@access.office_required
def period_extend(request, pk):
    period = access.get_period_or_404(pk)
    form = PeriodExtendForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                periods.period_extend(
                    period=period,
                    unit=data["unit"],
                    due_at=data["due_at"],
                    reason=data["reason"],
                    user=request.user,
                )
            except ListError as error:
                form.add_error(None, error.message)
                status = error.status
            else:
                messages.success(request, f"مهلت گزارش {period} برای {data['unit'].name} تمدید شد.")
                return redirect("workgroups:period-list")
        else:
            status = 400
    extensions = period.extensions.select_related("unit", "granted_by").order_by("-granted_at")
    return render(
        request,
        "workgroups/monitoring/period_extend.html",
        {"period": period, "form": form, "extensions": extensions},
        status=status,
    )
