"""Pages of the submission workflow: the head's submissions, the office's dashboard, queue and review."""

import datetime

import jdatetime
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from karaj_budget.jalali import TEHRAN, format_jalali_date, format_jalali_datetime
from karaj_budget.persian import search_key
from workgroups import access, overlap_services, submissions
from workgroups.forms_submissions import ExtensionForm, ReturnForm
from workgroups.models import LIST_TITLES, Cycle, Deadline, Extension, Submission
from workgroups.submissions import STATE_LABELS, ListState

KINDS = (Deadline.Kind.PRIORITIES, Deadline.Kind.CODING)
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
    except submissions.ListLocked as error:
        messages.error(request, error.message)
    except submissions.SubmissionError as error:
        messages.error(request, " ".join([error.message, *error.problems]))
    else:
        late = ""
        if submission.late_by is not None:
            late = f" با {submissions.format_duration_fa(submission.late_by)} تأخیر"
        messages.success(request, f"{submission.list_title} ارسال شد{late}؛ فهرست تا بررسی دفتر قفل است.")


@login_required
@require_POST
def submission_submit(request, slug, kind):
    """The head freezes a list and sends it to the budget office."""
    kind = _kind_or_404(kind)
    workgroup = access.get_workgroup_for_user(request.user, slug, write=True)
    cycle = Cycle.objects.current()
    if cycle is None:
        raise Http404("هنوز دوره بودجه‌ای تعریف نشده است.")
    submit_and_report(request, workgroup=workgroup, cycle=cycle, kind=kind)
    return redirect("workgroups:submission-list", slug=workgroup.slug)


# ---- One submission -----------------------------------------------------------------------------


def _submission_for_user(user, pk):
    submission = get_object_or_404(
        Submission.objects.select_related("workgroup", "cycle", "submitted_by", "reviewed_by"), pk=pk
    )
    # Another workgroup's submission answers 404 like the workgroup itself.
    access.get_workgroup_for_user(user, submission.workgroup.slug)
    return submission


def _with_running_total(items, ceiling):
    rows, total, cut_shown = [], 0, False
    for item in items:
        total += item["requested_amount"]
        over = ceiling is not None and total > ceiling and item["position"] is not None
        rows.append({**item, "running_total": total, "cutline": over and not cut_shown, "below": over})
        cut_shown = cut_shown or over
    return rows


@login_required
def submission_detail(request, pk):
    """The frozen snapshot, its checksum, a diff against the previous submission, and the review."""
    submission = _submission_for_user(request.user, pk)
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
            "items": _with_running_total(submission.projects, submission.snapshot.get("credit_ceiling")),
            "previous": previous,
            "diff": submissions.submission_diff(previous, submission) if previous else None,
            "verified": submission.verify(),
            "matches_current": current == submission.checksum,
            "is_office": is_office,
            "return_form": ReturnForm() if is_office else None,
            # A warning, not a block: the office decides the pairs on the overlap queue.
            "open_overlaps": list(
                overlap_services.open_pairs_touching(submission.workgroup, submission.cycle)
            )
            if is_office and submission.state != Submission.State.RETURNED
            else [],
        },
    )


@login_required
@require_POST
def submission_accept(request, pk):
    access.require_budget_office(request.user)
    submission = get_object_or_404(Submission, pk=pk)
    try:
        submissions.submission_accept(submission=submission, user=request.user)
    except submissions.SubmissionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{submission.list_title} «{submission.workgroup.name}» پذیرفته شد.")
    return redirect(submission)


@login_required
def submission_return(request, pk):
    """GET: the return form on its own page (also where an invalid POST lands); POST: return."""
    access.require_budget_office(request.user)
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
    due = submissions.deadline_for(submission.workgroup, submission.cycle, submission.kind)
    if due is not None and due.is_hard and not due.is_open():
        message += " مهلت قطعی گذشته است: برای ارسال دوباره، مهلت این کارگروه را تمدید کنید."
    return message


# ---- The office's side --------------------------------------------------------------------------


@login_required
def submission_queue(request):
    """Submissions waiting for the office's review, oldest first, then the latest reviewed ones."""
    access.require_budget_office(request.user)
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
def extension_create(request, slug):
    """The office gives one workgroup a new due date for one of its lists."""
    access.require_budget_office(request.user)
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
    dues = [submissions.deadline_for(workgroup, cycle, kind) for kind in KINDS]
    return render(
        request,
        "workgroups/submission_extension_form.html",
        {"workgroup": workgroup, "cycle": cycle, "form": form, "dues": [d for d in dues if d]},
    )


def _filters(request):
    kind = request.GET.get("kind", "")
    state = request.GET.get("state", "")
    return {
        "kind": kind if kind in Deadline.Kind.values else Deadline.Kind.PRIORITIES,
        "state": state if state in STATE_LABELS else "",
        "q": request.GET.get("q", "").strip()[:100],
    }


def dashboard_data(request):
    """The dashboard's rows (filtered), the cycle's deadlines and the chart data; shared by the
    HTML page and the JSON."""
    cycle = access.get_cycle_or_404(request)
    now = timezone.now()
    rows, deadlines, all_submissions = submissions.cycle_overview(cycle=cycle, now=now)
    filters = _filters(request)
    if filters["state"]:
        rows = [row for row in rows if row.lists[filters["kind"]].state == filters["state"]]
    if filters["q"]:
        key = search_key(filters["q"])
        rows = [row for row in rows if key in search_key(row.workgroup.name)]
    shown = {row.workgroup.pk for row in rows}
    shown_submissions = [s for s in all_submissions if s.workgroup_id in shown]
    return {
        "cycle": cycle,
        "now": now,
        "rows": rows,
        "deadlines": [deadlines[kind] for kind in KINDS if kind in deadlines],
        "filters": filters,
        "submissions": shown_submissions,
        "charts": _charts(rows, deadlines, shown_submissions),
    }


def _charts(rows, deadlines, all_submissions):
    credit = {
        "labels": [row.workgroup.name for row in rows],
        "requested": [row.share.requested or 0 for row in rows],
        "ceiling": [row.share.credit_ceiling for row in rows],
    }
    # Cumulative number of workgroups that have sent each list, day by day (Tehran days).
    days = [d.due_at.astimezone(TEHRAN).date() for d in deadlines.values()]
    days += [s.submitted_at.astimezone(TEHRAN).date() for s in all_submissions]
    if not days:
        return {"credit": credit, "timeline": None}
    due_days = [d.due_at.astimezone(TEHRAN).date() for d in deadlines.values()]
    start = min(min(days), min(due_days or days) - datetime.timedelta(days=TIMELINE_BEFORE_DAYS))
    end = max(max(days), max(due_days or days) + datetime.timedelta(days=TIMELINE_AFTER_DAYS))
    start = max(start, end - datetime.timedelta(days=TIMELINE_MAX_DAYS))
    span = [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
    series = []
    for kind in KINDS:
        first = {}
        for submission in all_submissions:
            if submission.kind == kind and submission.workgroup_id not in first:
                first[submission.workgroup_id] = submission.submitted_at.astimezone(TEHRAN).date()
        series.append(
            {
                "kind": kind,
                "label": Deadline.Kind(kind).label,
                "data": [sum(1 for d in first.values() if d <= day) for day in span],
            }
        )
    markers = [
        {"index": span.index(day), "label": f"مهلت: {Deadline.Kind(kind).label}"}
        for kind, deadline in deadlines.items()
        if (day := deadline.due_at.astimezone(TEHRAN).date()) in span
    ]
    return {
        "credit": credit,
        "timeline": {
            "labels": [format_jalali_date(day) for day in span],
            "series": series,
            "deadlines": markers,
            "workgroups": len(rows),
        },
    }


@login_required
def office_dashboard(request):
    """The budget office's home: every workgroup against both deadlines, with filters and charts."""
    access.require_budget_office(request.user)
    data = dashboard_data(request)
    counts = {}
    for row in data["rows"]:
        state = row.lists[data["filters"]["kind"]].state
        counts[state] = counts.get(state, 0) + 1
    pending = sum(1 for s in data["submissions"] if s.state == Submission.State.SUBMITTED)
    return render(
        request,
        "workgroups/office_dashboard.html",
        {
            **data,
            "kinds": [(kind, Deadline.Kind(kind).label) for kind in KINDS],
            "states": list(STATE_LABELS.items()),
            "state_counts": [(STATE_LABELS[s], counts[s]) for s in STATE_LABELS if s in counts],
            "pending_count": pending,
            "ListState": ListState,
        },
    )


def _iso(value):
    return value.isoformat() if value is not None else None


def _jalali(value):
    """`1398/09/15 23:59:59` in Tehran time, ASCII digits (for machines)."""
    if value is None:
        return None
    return jdatetime.datetime.fromgregorian(datetime=value.astimezone(TEHRAN)).strftime("%Y/%m/%d %H:%M:%S")


def _list_json(status):
    submission = status.submission
    due = status.due
    return {
        "state": status.state,
        "state_label": status.state_label,
        "due_at": _iso(due.due_at) if due else None,
        "due_at_jalali": _jalali(due.due_at) if due else None,
        "is_hard": due.is_hard if due else None,
        "extended": bool(due and due.extension),
        "submission": None
        if submission is None
        else {
            "id": submission.pk,
            "number": submission.number,
            "state": submission.state,
            "submitted_at": _iso(submission.submitted_at),
            "submitted_at_jalali": _jalali(submission.submitted_at),
            "late_by_seconds": int(submission.late_by.total_seconds()) if submission.late_by else None,
            "reviewed_at": _iso(submission.reviewed_at),
            "checksum": submission.checksum,
        },
    }


@login_required
def office_dashboard_json(request):
    """The dashboard's data for other municipal systems (documented in the README, "Dashboard API")."""
    access.require_budget_office(request.user)
    data = dashboard_data(request)
    cycle = data["cycle"]
    payload = {
        "cycle": {
            "fiscal_year": cycle.fiscal_year,
            "title": cycle.title,
            "deadlines": [
                {
                    "kind": d.kind,
                    "due_at": _iso(d.due_at),
                    "due_at_jalali": _jalali(d.due_at),
                    "is_hard": d.is_hard,
                }
                for d in data["deadlines"]
            ],
        },
        "generated_at": _iso(data["now"]),
        "generated_at_jalali": _jalali(data["now"]),
        "amount_unit": "million_rials",
        "workgroups": [
            {
                "slug": row.workgroup.slug,
                "name": row.workgroup.name,
                "project_count": row.share.project_count,
                "ranked_count": row.share.ranked_count,
                "coded_count": row.share.coded_count,
                "requested_amount": row.share.requested or 0,
                "credit_ceiling": row.share.credit_ceiling,
                "lists": {kind: _list_json(row.lists[kind]) for kind in KINDS},
            }
            for row in data["rows"]
        ],
    }
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})
