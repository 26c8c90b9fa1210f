"""The budget office's pages: the dashboard of every workgroup against both deadlines (and its
JSON), and the queue of projects heads sent back as outside their remit."""

import datetime

import jdatetime
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from karaj_budget.jalali import TEHRAN, format_jalali_date
from karaj_budget.persian import search_key
from workgroups import access, plan, resources, services, submissions
from workgroups.locks import ListError, ListInvalid
from workgroups.models import Deadline, RemitRequest, Submission, Workgroup
from workgroups.monitoring import carryover
from workgroups.submissions import STATE_LABELS, ListState

# Days shown around the deadlines on the submissions-over-time chart.
TIMELINE_BEFORE_DAYS = 10
TIMELINE_AFTER_DAYS = 3
TIMELINE_MAX_DAYS = 60
QUEUE_LIMIT = 200


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
        "deadlines": [deadlines[kind] for kind in submissions.LIST_KINDS if kind in deadlines],
        "filters": filters,
        "submissions": shown_submissions,
        "charts": _charts(rows, deadlines, shown_submissions),
        # Closing the loop (docs/monitoring.md): per workgroup, the ranked request of projects
        # whose last year's project is behind schedule.
        "behind": carryover.behind_by_workgroup(cycle, [row.workgroup for row in rows]),
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
    for kind in submissions.LIST_KINDS:
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
        {
            "index": span.index(day),
            "label": f"مهلت: {Deadline.Kind(kind).label}",
            "day": format_jalali_date(day),
        }
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
@access.office_required
def office_dashboard(request):
    """The budget office's home: every workgroup against both deadlines, with filters and charts."""
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
            "kinds": [(kind, Deadline.Kind(kind).label) for kind in submissions.LIST_KINDS],
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
@access.office_required
def office_dashboard_json(request):
    """The dashboard's data for other municipal systems (documented in the README, "Dashboard API")."""
    data = dashboard_data(request)
    cycle = data["cycle"]
    behind = {share.workgroup.pk: share for share in data["behind"]}
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
                "type_ceilings": {str(key): value for key, value in row.share.type_ceilings.items()},
                "requested_by_type": {str(key): value for key, value in row.requested_by_type.items()},
                "source_ceilings": [
                    {"source": source.name, "requested": source.total, "ceiling": source.ceiling}
                    for source in row.capped_sources
                ],
                "over_ceiling": row.over_ceiling,
                "behind_schedule_amount": behind[row.workgroup.pk].behind_total,
                "lists": {kind: _list_json(row.lists[kind]) for kind in submissions.LIST_KINDS},
            }
            for row in data["rows"]
        ],
    }
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


@login_required
@access.office_required
def plan_slice(request):
    """The plan's one-year slice: this year's requests per operational program, credit type and
    funding source, and the programs that received nothing."""
    cycle = access.current_cycle_or_404()
    rows, empty, uncoded, sources = plan.plan_slice(cycle)
    return render(
        request,
        "workgroups/plan_slice.html",
        {
            "cycle": cycle,
            "rows": rows,
            "empty": empty,
            "uncoded": uncoded,
            "sources": sources,
            "types": list(resources.CREDIT_LABELS.items()),
            "without_indicator": plan.without_indicator(cycle),
        },
    )


@login_required
@access.office_required
def remit_queue(request):
    """Projects that heads sent back as outside their deputy's remit, for the office to place."""
    requests = RemitRequest.objects.select_related(
        "project__proposing_unit", "from_workgroup", "requested_by", "target_workgroup", "decided_by"
    ).order_by(F("decided_at").desc(nulls_first=True), "-requested_at")[:QUEUE_LIMIT]
    return render(
        request,
        "workgroups/remit_queue.html",
        {"remits": requests, "workgroups": Workgroup.objects.order_by("deputy__code")},
    )


@login_required
@access.office_required
@require_POST
def remit_decide(request, pk):
    """Accept (move the project to the chosen workgroup) or reject (back to its list, unranked)."""
    remit = get_object_or_404(RemitRequest.objects.select_related("project__workgroup"), pk=pk)
    note = request.POST.get("note", "").strip()
    try:
        if request.POST.get("decision") == "accept":
            target = Workgroup.objects.filter(slug=request.POST.get("target", "")).first()
            if target is None:
                raise ListInvalid("کارگروه مقصد را انتخاب کنید.")
            services.remit_accept(remit=remit, user=request.user, target_workgroup=target, note=note)
            messages.success(request, f"«{remit.project.title}» به {target.name} منتقل شد.")
        elif request.POST.get("decision") == "reject":
            services.remit_reject(remit=remit, user=request.user, note=note)
            messages.success(request, f"«{remit.project.title}» به فهرست {remit.from_workgroup.name} بازگشت.")
        else:
            raise ListInvalid("تصمیم نامعتبر است.")
    except ListError as error:
        messages.error(request, getattr(error, "message", str(error)))
    return redirect("workgroups:remit-queue")
