"""The ranking page: a workgroup's list for the current cycle, its cut line, and saving an order
(JSON from the page's script, or the plain form without JavaScript)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import engines
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from karaj_budget.templatetags import persian_tags
from workgroups import access, locks, ranking, resources, services, submissions
from workgroups.deadlines import due_dates
from workgroups.forms import RankingPositionsForm, RemitForm
from workgroups.locks import ListConflict, ListError, ListInvalid, ListLocked
from workgroups.models import AuditEntry, Meeting, Project, ProjectFunding, WorkgroupCycle
from workgroups.monitoring import carryover
from workgroups.overlaps import services as overlap_services

# One project of the ranking page, drawn up to 500 times a page: a Jinja2 macro (the "jinja2"
# template backend; every value escaped by its autoescape). bench/ranking_rows.py, 500 rows: about
# 16 ms, against 13 ms for the hand-built str.format strings it replaced and about 100 ms for the
# same markup as a Django template loop; one Jinja2 render looping over all rows is no faster.
ROW_TEMPLATE = "workgroups/_ranking_row.html"


def ranking_rows(workgroup, ranked, unranked, share, *, can_rank, overlaps=None, parts=None):
    """Draw each row (`project.row_html`, the macro's autoescaped `Markup`) and set the figures
    the page shows about it.

    Returns the list's `ranking.ListFigures` (totals and cut lines, per credit type and source)
    after every ranked project. `parts` is {project id: {source name: amount}}.
    """
    parts = parts or {}
    row = (
        engines["jinja2"]
        .get_template(ROW_TEMPLATE)
        .template.make_module(
            {
                "can_rank": can_rank,
                "last": len(ranked),
                "kinds": dict(Project.Kind.choices),
                "ongoing": Project.Kind.ONGOING,
                "credit_labels": resources.CREDIT_SHORT_LABELS,
                "project_url": reverse("workgroups:project-detail", args=[0]).removesuffix("0/"),
                "panel_url": reverse("workgroups:project-panel", args=[workgroup.slug, 0]).removesuffix(
                    "0/panel/"
                ),
            }
        )
        .row
    )
    overlaps = overlaps or {}
    figures = ranking.ListFigures(
        share.credit_ceiling if share else 0, share.type_ceilings if share else None
    )
    for position, project in enumerate(ranked, start=1):
        project.credit_type = _credit_type(project)
        place = figures.add(project.requested_amount, project.credit_type, parts.get(project.pk))
        project.position = position
        project.cumulative = place.cumulative
        project.fits = place.fits
        is_cut = figures.is_cut(place)
        if is_cut:
            project.is_cut = True
        project.row_html = row(project, position, place, is_cut, overlaps.get(project.pk))
    for project in unranked:
        project.credit_type = _credit_type(project)
        # Sources are summed over the whole list (waiting projects too), so a move changes nothing.
        figures.add_sources(project.requested_amount, parts.get(project.pk))
        project.row_html = row(project, None, None, False, overlaps.get(project.pk))
    return figures


def _credit_type(project):
    budget_type = project.budget_code.credit_type if project.budget_code_id else ""
    return resources.credit_type_of(project.requested_credit_type, budget_type)


def source_parts(workgroup, cycle):
    """{project id: {source name: amount}} for a list, in one query (plain rows: at 500 projects
    model instances for the parts cost more than the rest of the page's figures)."""
    parts = {}
    for project_id, name, amount in (
        ProjectFunding.objects.filter(project__workgroup=workgroup, project__cycle=cycle)
        .order_by("source__position", "source_id")
        .values_list("project_id", "source__name", "amount")
    ):
        parts.setdefault(project_id, {})[name] = amount
    return parts


def _stats(figures, *, unranked_count):
    """The list's totals as the page shows them (keyed by their `data-stat` names), formatted: the
    page draws them and the script puts a save's fresh ones in the same places. Each credit type's
    totals are keyed `<type>_total`, `<type>_fitting`, `<type>_balance_label`, `<type>_balance`."""
    line = figures.overall
    typed = {}
    for credit_type, _label, type_line in figures.types():
        typed[f"{credit_type}_total"] = persian_tags.money(type_line.total)
        typed[f"{credit_type}_fitting"] = persian_tags.fa_digits(type_line.fitting_count)
        typed[f"{credit_type}_balance_label"] = "بیش از سقف" if type_line.is_over else "باقی‌مانده سقف"
        typed[f"{credit_type}_balance"] = persian_tags.money(type_line.over_ceiling or type_line.room_left)
    return {
        **typed,
        "ranked_count": persian_tags.fa_digits(line.count),
        "ranked_total": persian_tags.money(line.total),
        "fitting_count": persian_tags.fa_digits(figures.fitting_count),
        "remainder_count": persian_tags.fa_digits(line.remainder_count),
        "unranked_count": persian_tags.fa_digits(unranked_count),
        "balance_label": "بیش از سقف" if line.over_ceiling else "باقی‌مانده سقف",
        "balance": persian_tags.money(line.over_ceiling or line.room_left),
    }


def list_figures(request, workgroup, cycle, result):
    """The list as the save left it, for the page's script to show: each ranked row's position,
    running totals and place against the ceilings (`ranking.ListFigures`: the list's, and its credit
    type's once the list has type ceilings), the totals, and the deadline box (what remains to do,
    the submit button). The script shows these; it derives none of them.

    Drawn from `result` (`ranking.RankingResult`): the row the save locked and the projects it read
    and wrote inside its lock, so the figures are those of the version it answers with and the list
    is not read again, nor are the due dates and submissions its lock was decided from."""
    share = result.opened.share
    ranked = [row for row in result.rows if row.priority is not None]
    unranked_count = sum(
        1 for row in result.rows if row.priority is None and row.state == Project.State.PROPOSED
    )
    figures = ranking.ListFigures(share.credit_ceiling, share.type_ceilings)
    money, digits = persian_tags.money, persian_tags.fa_digits
    rows = []
    for row in ranked:
        place = figures.add(row.requested_amount, row.credit_type)
        rows.append(
            {
                "id": row.pk,
                "position": digits(place.position),
                "cumulative": money(place.cumulative),
                "typed": money(place.typed.cumulative) if place.typed else "",
                "fit": place.fit_label,
                "state": place.fit_state,
                "cut": figures.is_cut(place),
            }
        )
    status = submissions.deadline_summary(
        workgroup,
        cycle,
        user=request.user,
        projects=result.rows,
        dues=result.opened.dues,
        submissions=result.opened.submissions,
    )
    return {
        "rows": rows,
        "stats": _stats(figures, unranked_count=unranked_count),
        "over": figures.overall.is_over,
        "status_html": render_to_string(
            "workgroups/_deadline_status.html", {"deadline_status": status}, request=request
        ),
    }


def ranking_context(request, workgroup, cycle):
    """Everything the ranking page and its list fragment show; a fixed number of queries."""
    share = WorkgroupCycle.objects.filter(workgroup=workgroup, cycle=cycle).first()
    ceiling = share.credit_ceiling if share else 0
    projects = list(
        Project.objects.for_workgroup(workgroup, cycle)
        .exclude(state=Project.State.WITHDRAWN)
        .select_related("proposing_unit", "budget_code")
        # Not the long texts: they are shown in place on demand (project-panel).
        .only(
            "title",
            "priority",
            "state",
            "kind",
            "location",
            "physical_progress",
            "total_estimate",
            "requested_amount",
            "requested_credit_type",
            "program_code",
            "budget_code__credit_type",
            "proposing_unit__name",
            "continues",
        )
        .order_by("priority", "-requested_amount", "pk")
    )
    # An ongoing project shows the latest verified report of the one it continues (one query).
    carryover.attach(projects)
    ranked = [p for p in projects if p.priority is not None]
    unranked = [p for p in projects if p.priority is None and p.state == Project.State.PROPOSED]
    in_review = [p for p in projects if p.state == Project.State.REMIT_REVIEW]
    is_head = access.is_head(request.user, workgroup)
    # Read once for the lock and the deadline box.
    dues = due_dates(workgroup, cycle)
    list_submissions = locks.list_submissions(workgroup=workgroup, cycle=cycle)
    lock_reason = locks.list_lock_reason(
        workgroup=workgroup, cycle=cycle, writer=locks.RANKING, dues=dues, submissions=list_submissions
    )
    figures = ranking_rows(
        workgroup,
        ranked,
        unranked,
        share,
        can_rank=is_head and lock_reason is None,
        overlaps=overlap_services.open_overlaps_by_project(workgroup, cycle),
        parts=source_parts(workgroup, cycle),
    )
    line = figures.overall
    meetings = Meeting.label_each(list(Meeting.objects.filter(workgroup=workgroup, cycle=cycle)))
    version = share.ranking_version if share else 0
    return {
        "workgroup": workgroup,
        "cycle": cycle,
        "ceiling": ceiling,
        "version": version,
        "ranked": ranked,
        "unranked": unranked,
        "in_review": in_review,
        "project_count": len(ranked) + len(unranked),
        "cut_line": line,
        "figures": figures,
        "type_lines": figures.types(),
        "source_totals": _source_totals(figures, share),
        "has_ceiling": line.has_ceiling,
        "stats": _stats(figures, unranked_count=len(unranked)),
        "ranked_total": line.total,
        "unranked_total": sum(p.requested_amount for p in unranked),
        "fitting_count": figures.fitting_count,
        "over_ceiling": line.over_ceiling,
        "room_left": line.room_left,
        "can_rank": is_head and lock_reason is None,
        "is_head": is_head,
        "lock_reason": lock_reason,
        "meetings": meetings,
        "settled_in": next((m for m in meetings if m.ranking_version == version and version), None),
        "dues": dues,
        "list_submissions": list_submissions,
    }


def _source_totals(figures, share):
    """The list's totals per source against its source ceilings (`ranking.ListFigures.source_rows`)."""
    ceilings = {}
    if share is not None:
        ceilings = {row.source.name: row.amount for row in share.source_ceilings.select_related("source")}
    return figures.source_rows(ceilings)


@login_required
def workgroup_detail(request, slug):
    """The ranking page: the workgroup's list for the current cycle, with the ceiling's cut line."""
    workgroup = access.get_workgroup_for_user(request.user, slug)
    cycle = access.current_cycle_or_404()
    context = ranking_context(request, workgroup, cycle)
    context["deadline_status"] = submissions.deadline_summary(
        workgroup,
        cycle,
        user=request.user,
        projects=[*context["ranked"], *context["unranked"], *context["in_review"]],
        dues=context["dues"],
        submissions=context["list_submissions"],
    )
    context["history"] = list(
        AuditEntry.objects.filter(workgroup=workgroup, cycle=cycle).select_related("actor")[:8]
    )
    return render(request, "workgroups/ranking.html", context)


def _json_error(error, *, request=None, workgroup=None, cycle=None):
    body = {"error": error.message}
    if isinstance(error, ListConflict | ListLocked) and workgroup is not None:
        # The page redraws from this: the list as it is stored now.
        context = ranking_context(request, workgroup, cycle)
        body["version"] = context["version"]
        body["order"] = [p.pk for p in context["ranked"]]
        body["html"] = render_to_string("workgroups/_ranking_lists.html", context, request=request)
    return JsonResponse(body, status=error.status)


def _meeting_for(workgroup, cycle, raw):
    if raw in (None, ""):
        return None
    try:
        return Meeting.objects.get(pk=int(raw), workgroup=workgroup, cycle=cycle)
    except (Meeting.DoesNotExist, TypeError, ValueError):
        raise ListInvalid("جلسه انتخاب‌شده از این کارگروه و این دوره نیست.") from None


@login_required
@require_POST
def ranking_save(request, slug):
    """Save the full ranked order, sent as JSON {"version": N, "order": [id, ...], "meeting": id}."""
    workgroup = access.get_workgroup_for_user(request.user, slug, write=True)
    cycle = access.current_cycle_or_404()
    try:
        body = request.body
    except RequestDataTooBig:
        return JsonResponse({"error": "درخواست بیش از اندازه بزرگ است؛ چیزی تغییر نکرد."}, status=413)
    try:
        payload = json.loads(body)
        if not isinstance(payload, dict) or "order" not in payload or "version" not in payload:
            raise ValueError
    except ValueError:
        return JsonResponse(
            {"error": "درخواست نامعتبر است: نسخه و ترتیب فهرست فرستاده نشده است."}, status=400
        )
    try:
        meeting = _meeting_for(workgroup, cycle, payload.get("meeting"))
        result = ranking.ranking_save(
            workgroup=workgroup,
            cycle=cycle,
            order=payload["order"],
            version=payload["version"],
            user=request.user,
            meeting=meeting,
        )
    except ListError as error:
        return _json_error(error, request=request, workgroup=workgroup, cycle=cycle)
    return JsonResponse(
        {
            "version": result.version,
            "order": result.order,
            "summary": result.summary,
            "figures": list_figures(request, workgroup, cycle, result),
        }
    )


def _apply_move(order, unranked_ids, command):
    """The no-JavaScript buttons: "<id>:up", "<id>:down", "<id>:out" or "<id>:place"."""
    try:
        raw_pk, action = command.split(":")
        pk = int(raw_pk)
    except ValueError:
        raise ListInvalid("دکمه نامعتبر است.") from None
    order = list(order)
    if action == "place" and pk in unranked_ids:
        return [*order, pk]
    if pk not in order:
        raise ListInvalid("این پروژه در فهرست نیست؛ صفحه را دوباره باز کنید.")
    index = order.index(pk)
    if action == "up" and index > 0:
        order[index - 1], order[index] = order[index], order[index - 1]
    elif action == "down" and index < len(order) - 1:
        order[index + 1], order[index] = order[index], order[index + 1]
    elif action == "out":
        order.remove(pk)
    return order


@login_required
@require_POST
def ranking_update(request, slug):
    """The list without JavaScript: the position boxes (or one move button) posted as a form."""
    workgroup = access.get_workgroup_for_user(request.user, slug, write=True)
    cycle = access.current_cycle_or_404()
    context = ranking_context(request, workgroup, cycle)
    ranked, unranked = context["ranked"], context["unranked"]
    try:
        meeting = _meeting_for(workgroup, cycle, request.POST.get("meeting"))
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            raise ListInvalid("نسخه فهرست فرستاده نشده است؛ صفحه را دوباره باز کنید.") from None
        if request.POST.get("move"):
            order = _apply_move([p.pk for p in ranked], {p.pk for p in unranked}, request.POST["move"])
        else:
            form = RankingPositionsForm(request.POST, projects=ranked + unranked)
            if not form.is_valid():
                for error in form.non_field_errors():
                    messages.error(request, error)
                return redirect(workgroup)
            order = form.cleaned_data["order"]
        result = ranking.ranking_save(
            workgroup=workgroup, cycle=cycle, order=order, version=version, user=request.user, meeting=meeting
        )
    except ListError as error:
        messages.error(request, error.message)
        return redirect(workgroup)
    if result.summary:
        messages.success(request, f"{result.summary} ذخیره شد.")
    else:
        messages.info(request, "ترتیب فهرست تغییری نکرد.")
    return redirect(workgroup)


def _project_in_list(request, slug, pk, *, write=False):
    workgroup = access.get_workgroup_for_user(request.user, slug, write=write)
    cycle = access.current_cycle_or_404()
    project = get_object_or_404(
        Project.objects.select_related("proposing_unit", "responsible_deputy", "workgroup", "cycle"),
        pk=pk,
        workgroup=workgroup,
        cycle=cycle,
    )
    return workgroup, cycle, project


@login_required
def project_panel(request, slug, pk):
    """The details shown in place under a row: description, needs assessment, ranking history."""
    workgroup, _cycle, project = _project_in_list(request, slug, pk)
    return render(
        request,
        "workgroups/_project_panel.html",
        {
            "project": project,
            "workgroup": workgroup,
            "history": ranking.project_ranking_history(project),
            "other_history": project.audit_entries.exclude(action="ranking.save").select_related("actor")[
                :20
            ],
            "can_rank": access.is_head(request.user, workgroup),
        },
    )


@login_required
def project_remit(request, slug, pk):
    """A head sends a project outside the deputy's remit to the budget office, with a reason."""
    workgroup, cycle, project = _project_in_list(request, slug, pk, write=True)
    form = RemitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_remit_request(
                project=project, user=request.user, reason=form.cleaned_data["reason"]
            )
        except ListError as error:
            messages.error(request, error.message)
            return redirect(workgroup)
        messages.success(
            request,
            f"«{project.title}» برای تعیین کارگروه به دفتر بودجه فرستاده شد "
            "و تا تصمیم دفتر از فهرست بیرون است.",
        )
        return redirect(workgroup)
    return render(
        request,
        "workgroups/project_remit.html",
        {"form": form, "project": project, "workgroup": workgroup, "cycle": cycle},
    )


@login_required
def ranking_history(request, slug):
    """The list's whole audit trail, newest first, with Jalali times."""
    workgroup = access.get_workgroup_for_user(request.user, slug)
    cycle = access.current_cycle_or_404()
    entries = AuditEntry.objects.filter(workgroup=workgroup, cycle=cycle).select_related("actor", "project")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "workgroups/ranking_history.html",
        {"workgroup": workgroup, "cycle": cycle, "page": page},
    )
