"""The budget office's overlap review: the queue of pairs, one pair side by side, the decisions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from workgroups import access
from workgroups.forms import OverlapDecisionForm
from workgroups.locks import ListError
from workgroups.models import Cycle, OverlapPair, Workgroup
from workgroups.overlaps import runs
from workgroups.overlaps import services as overlap_services

QUEUE_LIMIT = 200


def _filters(request):
    state = request.GET.get("state", OverlapPair.State.OPEN)
    slug = request.GET.get("workgroup", "")
    return {
        "state": state if state in OverlapPair.State.values or state == "all" else OverlapPair.State.OPEN,
        "workgroup": Workgroup.objects.filter(slug=slug).first() if slug else None,
    }


@login_required
@access.office_required
def overlap_queue(request):
    """Pairs of the cycle by score, filtered by workgroup and state (open ones by default)."""
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
            "run": runs.overlap_run_status(runs.latest_run(cycle)),
        },
    )


@login_required
@access.office_required
@require_POST
def overlap_refresh(request):
    """Queue detection over the whole cycle (the background worker runs it; the queue page shows
    its progress), or join the run already under way for the cycle."""
    cycle = access.get_cycle_or_404(request)
    _run, started = runs.overlap_run_start(cycle=cycle, user=request.user, reason="درخواست دفتر بودجه")
    if started:
        messages.success(request, "بررسی دوباره تداخل‌ها در صف قرار گرفت؛ پیشرفت آن در همین صفحه دیده می‌شود.")
    else:
        messages.info(request, "بررسی تداخل‌های این دوره هم‌اکنون در جریان است؛ نتیجه در همین صفحه می‌آید.")
    return redirect(f"{reverse('workgroups:overlap-queue')}?cycle={cycle.fiscal_year}")


@login_required
@access.office_required
def overlap_run_state(request):
    """The latest whole-cycle run of ?cycle= as JSON, for the queue page's progress."""
    cycle = access.get_cycle_or_404(request)
    status = runs.overlap_run_status(runs.latest_run(cycle))
    return JsonResponse(status, json_dumps_params={"ensure_ascii": False})


def _pair_or_404(pk):
    return get_object_or_404(OverlapPair.objects.with_projects(), pk=pk)


@login_required
@access.office_required
def overlap_detail(request, pk):
    """The two projects side by side, the score and its reasons, and the decisions."""
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
@access.office_required
@require_POST
def overlap_decide(request, pk):
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
    except ListError as error:
        messages.error(request, error.message)
        return redirect(pair)
    pair.refresh_from_db()
    messages.success(request, f"تصمیم ثبت شد: {pair.get_state_display()}.")
    return redirect(f"{reverse('workgroups:overlap-queue')}?cycle={pair.cycle.fiscal_year}")


@login_required
@access.office_required
@require_POST
def overlap_reverse(request, pk):
    pair = _pair_or_404(pk)
    try:
        notes = overlap_services.overlap_reverse(pair=pair, user=request.user)
    except ListError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, " ".join(["تصمیم بازگردانده شد و جفت دوباره در انتظار بررسی است.", *notes]))
    return redirect(pair)
