"""The budget office's overlap review: the queue of pairs, one pair side by side, the decisions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from workgroups import access, overlap_services, services
from workgroups.forms_overlaps import OverlapDecisionForm
from workgroups.models import Cycle, OverlapPair, RemitRequest, Workgroup
from workgroups.overlap_services import OverlapError
from workgroups.services import RankingInvalid
from workgroups.submissions import ListLocked

QUEUE_LIMIT = 200


def _filters(request):
    state = request.GET.get("state", OverlapPair.State.OPEN)
    slug = request.GET.get("workgroup", "")
    return {
        "state": state if state in OverlapPair.State.values or state == "all" else OverlapPair.State.OPEN,
        "workgroup": Workgroup.objects.filter(slug=slug).first() if slug else None,
    }


@login_required
def overlap_queue(request):
    """Pairs of the cycle by score, filtered by workgroup and state (open ones by default)."""
    access.require_budget_office(request.user)
    cycle = access.get_cycle_or_404(request)
    filters = _filters(request)
    pairs = OverlapPair.objects.filter(cycle=cycle)
    if filters["workgroup"] is not None:
        pairs = pairs.touching(filters["workgroup"])
    counts = dict(pairs.values_list("state").annotate(n=Count("pk")).order_by())
    if filters["state"] != "all":
        pairs = pairs.filter(state=filters["state"])
    pairs = pairs.with_projects().order_by("-score", "pk")
    return render(
        request,
        "workgroups/overlap_queue.html",
        {
            "cycle": cycle,
            "cycles": Cycle.objects.order_by("-fiscal_year"),
            "workgroups": Workgroup.objects.order_by("deputy__code"),
            "filters": filters,
            "states": [(value, label, counts.get(value, 0)) for value, label in OverlapPair.State.choices],
            "total": sum(counts.values()),
            "pairs": pairs[:QUEUE_LIMIT],
            "limit": QUEUE_LIMIT,
        },
    )


@login_required
@require_POST
def overlap_refresh(request):
    """Run detection over the whole cycle now and report what changed."""
    access.require_budget_office(request.user)
    cycle = access.get_cycle_or_404(request)
    result = overlap_services.overlaps_refresh(cycle=cycle, user=request.user)
    messages.success(request, f"تداخل‌ها دوباره بررسی شد: {result.summary_fa()}.")
    return redirect(f"{reverse('workgroups:overlap-queue')}?cycle={cycle.fiscal_year}")


def _pair_or_404(pk):
    return get_object_or_404(OverlapPair.objects.with_projects(), pk=pk)


@login_required
def overlap_detail(request, pk):
    """The two projects side by side, the score and its reasons, and the decisions."""
    access.require_budget_office(request.user)
    pair = _pair_or_404(pk)
    return render(
        request,
        "workgroups/overlap_detail.html",
        {
            "pair": pair,
            "form": OverlapDecisionForm(pair=pair),
            "workgroups": Workgroup.objects.order_by("deputy__code"),
            "history": pair.first.audit_entries.filter(action__startswith="overlap.", details__pair=pair.pk)
            .select_related("actor")
            .order_by("-at", "-pk")[:20],
        },
    )


@login_required
@require_POST
def overlap_decide(request, pk):
    access.require_budget_office(request.user)
    pair = _pair_or_404(pk)
    form = OverlapDecisionForm(request.POST, pair=pair)
    if not form.is_valid():
        errors = [error for field_errors in form.errors.values() for error in field_errors]
        messages.error(request, " ".join(errors))
        return redirect(pair)
    data = form.cleaned_data
    decision, user = data["decision"], request.user
    try:
        if decision == form.DISTINCT:
            overlap_services.overlap_mark_distinct(pair=pair, user=user)
        elif decision == form.KEEP:
            overlap_services.overlap_keep_one(pair=pair, keep=data["project"], user=user)
        elif decision == form.MERGE:
            overlap_services.overlap_merge(pair=pair, keep=data["project"], user=user)
        else:
            overlap_services.overlap_reassign(
                pair=pair, project=data["project"], workgroup=data["workgroup"], user=user
            )
    except (ListLocked, OverlapError) as error:
        messages.error(request, error.message)
        return redirect(pair)
    pair.refresh_from_db()
    messages.success(request, f"تصمیم ثبت شد: {pair.get_state_display()}.")
    return redirect(f"{reverse('workgroups:overlap-queue')}?cycle={pair.cycle.fiscal_year}")


@login_required
@require_POST
def overlap_reverse(request, pk):
    access.require_budget_office(request.user)
    pair = _pair_or_404(pk)
    try:
        notes = overlap_services.overlap_reverse(pair=pair, user=request.user)
    except (ListLocked, OverlapError) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, " ".join(["تصمیم بازگردانده شد و جفت دوباره در انتظار بررسی است.", *notes]))
    return redirect(pair)


@login_required
def remit_queue(request):
    """Projects that heads sent back as outside their deputy's remit, for the office to place."""
    access.require_budget_office(request.user)
    requests = RemitRequest.objects.select_related(
        "project__proposing_unit", "from_workgroup", "requested_by", "target_workgroup", "decided_by"
    ).order_by(F("decided_at").desc(nulls_first=True), "-requested_at")[:QUEUE_LIMIT]
    return render(
        request,
        "workgroups/remit_queue.html",
        {"remits": requests, "workgroups": Workgroup.objects.order_by("deputy__code")},
    )


@login_required
@require_POST
def remit_decide(request, pk):
    """Accept (move the project to the chosen workgroup) or reject (back to its list, unranked)."""
    access.require_budget_office(request.user)
    remit = get_object_or_404(RemitRequest.objects.select_related("project__workgroup"), pk=pk)
    note = request.POST.get("note", "").strip()
    try:
        if request.POST.get("decision") == "accept":
            target = Workgroup.objects.filter(slug=request.POST.get("target", "")).first()
            if target is None:
                raise RankingInvalid("کارگروه مقصد را انتخاب کنید.")
            services.remit_accept(remit=remit, user=request.user, target_workgroup=target, note=note)
            messages.success(request, f"«{remit.project.title}» به {target.name} منتقل شد.")
        elif request.POST.get("decision") == "reject":
            services.remit_reject(remit=remit, user=request.user, note=note)
            messages.success(request, f"«{remit.project.title}» به فهرست {remit.from_workgroup.name} بازگشت.")
        else:
            raise RankingInvalid("تصمیم نامعتبر است.")
    except (RankingInvalid, ListLocked) as error:
        messages.error(request, getattr(error, "message", str(error)))
    return redirect("workgroups:remit-queue")
