import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from karaj_budget.jalali import format_money, persian_digits
from workgroups import access, overlap_services, services, submissions, views_submissions
from workgroups.forms import MeetingForm, ProjectForm, RankingPositionsForm, RemitForm
from workgroups.models import (
    AuditEntry,
    Cycle,
    Deadline,
    Meeting,
    Membership,
    Project,
    Workgroup,
    WorkgroupCycle,
)


def current_cycle_or_404():
    cycle = Cycle.objects.current()
    if cycle is None:
        raise Http404("هنوز دوره بودجه‌ای تعریف نشده است.")
    return cycle


def can_rank(user, workgroup):
    """Heads of the workgroup (and admins) move projects; everyone else who may see it reads."""
    return user.is_superuser or any(
        m.workgroup_id == workgroup.pk and m.role == Membership.Role.HEAD for m in access.memberships_of(user)
    )


# One project of the ranking page. Drawn up to 500 times per page, so it is formatted here with
# str.format rather than by the template engine: measured at 500 rows, the same markup as an
# included template took 150-300 ms per page, this takes a few. Every text value is escaped.
ROW_HTML = (
    '<li class="rank-item{classes}" data-project-id="{pk}" data-requested="{requested}" data-title="{title}">'
    '<div class="rank-item__pos">{handle}'
    '<span class="rank-item__number" data-position>{position}</span></div>'
    '<div class="rank-item__main">'
    '<a class="rank-item__title" id="title-{pk}" href="{url}">{title}</a>'
    '<p class="rank-item__meta"><span>{unit}</span>{location}'
    '<span class="badge{kind_class}">{kind}</span></p>{overlap}'
    "</div>"
    '<div class="rank-item__amount rank-item__amount--estimate num">'
    '<span class="rank-item__label">برآورد کل</span>{estimate}</div>'
    '<div class="rank-item__amount rank-item__amount--requested num">'
    '<span class="rank-item__label">درخواستی</span>{requested_text}</div>'
    '<div class="rank-item__amount rank-item__cumulative num">'
    '<span class="rank-item__label">جمع تجمعی</span><span data-cumulative>{cumulative}</span></div>'
    '<div class="rank-item__fit"><span class="fit-badge" data-fit>{fit}</span></div>'
    "{actions}"
    '<details class="rank-item__details" data-panel-url="{panel_url}">'
    "<summary>جزئیات، نیازسنجی و سابقه اولویت</summary>"
    '<div class="rank-item__panel" data-panel><p><a href="{url}">صفحه کامل پروژه</a></p></div></details>'
    "</li>"
)
# A head's marker on a project with an open overlap: the other project's title and workgroup.
ROW_OVERLAP = (
    '<p class="rank-item__overlap" role="note"><span class="badge badge--warning">تداخل احتمالی</span> '
    "{marks}؛ در انتظار بررسی دفتر برنامه و بودجه</p>"
)
ROW_HANDLE = (
    '<span class="rank-item__handle" data-drag-handle title="برای جابه‌جایی بکشید" aria-hidden="true">'
    '<svg viewBox="0 0 12 20" width="12" height="20" focusable="false"><use href="#icon-grip"/></svg></span>'
)
# Each control is named by a shared label ("بالا:") followed by the project's title (aria-labelledby).
ROW_ACTIONS = (
    '<div class="rank-item__actions">'
    '<button type="submit" name="move" value="{pk}:up" class="icon-btn" data-move="up"{up_disabled}'
    ' title="بالا" aria-labelledby="label-up title-{pk}">'
    '<svg viewBox="0 0 20 20" aria-hidden="true" focusable="false">'
    '<use href="#icon-up"/></svg></button>'
    '<button type="submit" name="move" value="{pk}:down" class="icon-btn" data-move="down"{down_disabled}'
    ' title="پایین" aria-labelledby="label-down title-{pk}"><svg viewBox="0 0 20 20" aria-hidden="true"'
    ' focusable="false"><use href="#icon-down"/></svg></button>'
    '<input type="text" inputmode="numeric" autocomplete="off" class="rank-item__input" id="position-{pk}"'
    ' name="position-{pk}" value="{input}" placeholder="ردیف" data-move-to title="انتقال به ردیف…"'
    ' aria-labelledby="label-move-to title-{pk}">'
    '<button type="submit" name="move" value="{pk}:place" class="btn btn-small rank-item__place"'
    ' data-move="place" aria-labelledby="label-place title-{pk}">افزودن</button>'
    '<button type="submit" name="move" value="{pk}:out" class="icon-btn icon-btn--quiet" data-move="out"'
    ' title="بیرون از فهرست (بازگشت به «در انتظار»)" aria-labelledby="label-out title-{pk}">'
    '<svg viewBox="0 0 20 20" aria-hidden="true" focusable="false"><use href="#icon-out"/></svg></button>'
    "</div>"
)


def overlap_marker(marks):
    if not marks:
        return ""
    text = "، ".join(
        f"شبیه «{escape(mark.title)}» در {escape(mark.workgroup)} ({persian_digits(mark.score)}٪)"
        for mark in marks
    )
    return ROW_OVERLAP.format(marks=text)


def ranking_rows(workgroup, ranked, unranked, ceiling, *, can_rank, overlaps=None):
    """Draw each row (`project.row_html`) and set the figures the page shows about it.

    Returns the ranked total and the position of the first project past the ceiling (or None).
    """
    project_url = reverse("workgroups:project-detail", args=[0]).removesuffix("0/")
    panel_url = reverse("workgroups:project-panel", args=[workgroup.slug, 0]).removesuffix("0/panel/")
    kinds = dict(Project.Kind.choices)
    cumulative, cut_index = 0, None
    last = len(ranked)
    for index, project in enumerate([*ranked, *unranked]):
        position = index + 1 if index < last else None
        classes, cumulative_text, fit_text = "", "", ""
        if position is not None:
            cumulative += project.requested_amount
            project.position = position
            project.cumulative = cumulative
            project.fits = not ceiling or cumulative <= ceiling
            cumulative_text = format_money(cumulative)
            fit_text = "در سقف" if project.fits else "خارج از سقف"
            if not project.fits:
                classes = " is-below-cutline"
                if cut_index is None:
                    cut_index = position
                    project.is_cut = True
                    classes += " is-cut"
        kind = kinds.get(project.kind, project.kind)
        if project.physical_progress is not None:
            kind = f"{kind} · پیشرفت {persian_digits(project.physical_progress)}٪"
        position_text = persian_digits(position) if position else ""
        actions = ""
        if can_rank:
            actions = ROW_ACTIONS.format(
                pk=project.pk,
                up_disabled=" disabled" if position == 1 else "",
                down_disabled=" disabled" if position is not None and position == last else "",
                input=position_text,
            )
        title = escape(project.title)
        project.row_html = mark_safe(  # noqa: S308 - every value above is escaped or our own text
            ROW_HTML.format(
                classes=classes,
                pk=project.pk,
                requested=project.requested_amount,
                title=title,
                handle=ROW_HANDLE if can_rank else "",
                position=position_text or "—",
                url=f"{project_url}{project.pk}/",
                unit=escape(project.proposing_unit.name),
                location=f"<span>{escape(project.location)}</span>" if project.location else "",
                kind_class=" badge--info" if project.kind == Project.Kind.ONGOING else "",
                kind=escape(kind),
                estimate="—" if project.total_estimate is None else format_money(project.total_estimate),
                requested_text=format_money(project.requested_amount),
                cumulative=cumulative_text,
                fit=fit_text,
                actions=actions,
                panel_url=f"{panel_url}{project.pk}/panel/",
                overlap=overlap_marker((overlaps or {}).get(project.pk)),
            )
        )
    return cumulative, cut_index


def ranking_context(request, workgroup, cycle):
    """Everything the ranking page and its list fragment show; a fixed number of queries."""
    share = WorkgroupCycle.objects.filter(workgroup=workgroup, cycle=cycle).first()
    ceiling = share.credit_ceiling if share else 0
    projects = list(
        Project.objects.for_workgroup(workgroup, cycle)
        .exclude(state=Project.State.WITHDRAWN)
        .select_related("proposing_unit")
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
            "program_code",
            "budget_code",
            "proposing_unit__name",
        )
        .order_by("priority", "-requested_amount", "pk")
    )
    ranked = [p for p in projects if p.priority is not None]
    unranked = [p for p in projects if p.priority is None and p.state == Project.State.PROPOSED]
    in_review = [p for p in projects if p.state == Project.State.REMIT_REVIEW]
    is_head = can_rank(request.user, workgroup)
    lock_reason = services.ranking_lock_reason(workgroup=workgroup, cycle=cycle)
    cumulative, cut_index = ranking_rows(
        workgroup,
        ranked,
        unranked,
        ceiling,
        can_rank=is_head and lock_reason is None,
        overlaps=overlap_services.open_overlaps_by_project(workgroup, cycle),
    )
    ranked_total = cumulative
    meetings = list(Meeting.objects.filter(workgroup=workgroup, cycle=cycle))
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
        "ranked_total": ranked_total,
        "unranked_total": sum(p.requested_amount for p in unranked),
        "fitting_count": (cut_index - 1) if cut_index else len(ranked),
        "over_ceiling": max(0, ranked_total - ceiling) if ceiling else 0,
        "room_left": max(0, ceiling - ranked_total) if ceiling else 0,
        "can_rank": is_head and lock_reason is None,
        "is_head": is_head,
        "lock_reason": lock_reason,
        "meetings": meetings,
        "settled_in": next((m for m in meetings if m.ranking_version == version and version), None),
    }


@login_required
def workgroup_detail(request, slug):
    """The ranking page: the workgroup's list for the current cycle, with the ceiling's cut line."""
    workgroup = access.get_workgroup_for_user(request.user, slug)
    cycle = current_cycle_or_404()
    context = ranking_context(request, workgroup, cycle)
    context["deadline_status"] = submissions.deadline_summary(
        workgroup,
        cycle,
        user=request.user,
        projects=[*context["ranked"], *context["unranked"], *context["in_review"]],
    )
    context["history"] = list(
        AuditEntry.objects.filter(workgroup=workgroup, cycle=cycle).select_related("actor")[:8]
    )
    return render(request, "workgroups/ranking.html", context)


def _json_error(error, *, request=None, workgroup=None, cycle=None):
    body = {"error": error.message}
    if isinstance(error, services.RankingConflict | services.RankingLocked) and workgroup is not None:
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
        raise services.RankingInvalid("جلسه انتخاب‌شده از این کارگروه و این دوره نیست.") from None


@login_required
@require_POST
def ranking_save(request, slug):
    """Save the full ranked order, sent as JSON {"version": N, "order": [id, ...], "meeting": id}."""
    workgroup = access.get_workgroup_for_user(request.user, slug, write=True)
    cycle = current_cycle_or_404()
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
        result = services.ranking_save(
            workgroup=workgroup,
            cycle=cycle,
            order=payload["order"],
            version=payload["version"],
            user=request.user,
            meeting=meeting,
        )
    except services.RankingError as error:
        return _json_error(error, request=request, workgroup=workgroup, cycle=cycle)
    return JsonResponse({"version": result.version, "order": result.order, "summary": result.summary})


def _apply_move(order, unranked_ids, command):
    """The no-JavaScript buttons: "<id>:up", "<id>:down", "<id>:out" or "<id>:place"."""
    try:
        raw_pk, action = command.split(":")
        pk = int(raw_pk)
    except ValueError:
        raise services.RankingInvalid("دکمه نامعتبر است.") from None
    order = list(order)
    if action == "place" and pk in unranked_ids:
        return [*order, pk]
    if pk not in order:
        raise services.RankingInvalid("این پروژه در فهرست نیست؛ صفحه را دوباره باز کنید.")
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
    cycle = current_cycle_or_404()
    context = ranking_context(request, workgroup, cycle)
    ranked, unranked = context["ranked"], context["unranked"]
    try:
        meeting = _meeting_for(workgroup, cycle, request.POST.get("meeting"))
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            raise services.RankingInvalid("نسخه فهرست فرستاده نشده است؛ صفحه را دوباره باز کنید.") from None
        if request.POST.get("move"):
            order = _apply_move([p.pk for p in ranked], {p.pk for p in unranked}, request.POST["move"])
        else:
            form = RankingPositionsForm(request.POST, projects=ranked + unranked)
            if not form.is_valid():
                for error in form.non_field_errors():
                    messages.error(request, error)
                return redirect(workgroup)
            order = form.cleaned_data["order"]
        result = services.ranking_save(
            workgroup=workgroup, cycle=cycle, order=order, version=version, user=request.user, meeting=meeting
        )
    except services.RankingError as error:
        messages.error(request, error.message)
        return redirect(workgroup)
    if result.summary:
        messages.success(request, f"{result.summary} ذخیره شد.")
    else:
        messages.info(request, "ترتیب فهرست تغییری نکرد.")
    return redirect(workgroup)


def _project_in_list(request, slug, pk, *, write=False):
    workgroup = access.get_workgroup_for_user(request.user, slug, write=write)
    cycle = current_cycle_or_404()
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
            "history": services.project_ranking_history(project),
            "other_history": project.audit_entries.exclude(action="ranking.save").select_related("actor")[
                :20
            ],
            "can_rank": can_rank(request.user, workgroup),
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
        except services.RankingError as error:
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
    cycle = current_cycle_or_404()
    entries = AuditEntry.objects.filter(workgroup=workgroup, cycle=cycle).select_related("actor", "project")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "workgroups/ranking_history.html",
        {"workgroup": workgroup, "cycle": cycle, "page": page},
    )


@login_required
def meeting_list(request, slug):
    workgroup = access.get_workgroup_for_user(request.user, slug)
    cycle = current_cycle_or_404()
    meetings = (
        Meeting.objects.filter(workgroup=workgroup, cycle=cycle)
        .select_related("created_by")
        .annotate(attendee_count=Count("attendees"))
    )
    return render(
        request,
        "workgroups/meeting_list.html",
        {
            "workgroup": workgroup,
            "cycle": cycle,
            "meetings": meetings,
            "is_head": can_rank(request.user, workgroup),
        },
    )


@login_required
def meeting_create(request, slug):
    """The head records a joint meeting: Jalali date, attendees, minutes, decisions."""
    workgroup = access.get_workgroup_for_user(request.user, slug, write=True)
    cycle = current_cycle_or_404()
    form = MeetingForm(request.POST or None, workgroup=workgroup)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            meeting = form.save(commit=False)
            meeting.workgroup = workgroup
            meeting.cycle = cycle
            meeting.created_by = request.user
            meeting.save()
            form.save_m2m()
            AuditEntry.objects.record(
                actor=request.user,
                action="meeting.create",
                summary=f"ثبت {meeting}",
                workgroup=workgroup,
                cycle=cycle,
                details={"meeting": meeting.pk},
            )
        messages.success(request, f"{meeting} ثبت شد. اکنون می‌توانید جابه‌جایی‌ها را «در این جلسه» ذخیره کنید.")
        return redirect(
            f"{reverse('workgroups:workgroup-detail', args=[workgroup.slug])}?meeting={meeting.pk}"
        )
    return render(
        request, "workgroups/meeting_form.html", {"form": form, "workgroup": workgroup, "cycle": cycle}
    )


@login_required
def meeting_detail(request, slug, pk):
    workgroup = access.get_workgroup_for_user(request.user, slug)
    cycle = current_cycle_or_404()
    meeting = get_object_or_404(
        Meeting.objects.select_related("created_by").prefetch_related("attendees"),
        pk=pk,
        workgroup=workgroup,
        cycle=cycle,
    )
    saves = AuditEntry.objects.filter(
        workgroup=workgroup, cycle=cycle, action="ranking.save", details__meeting=meeting.pk
    ).select_related("actor")
    share = WorkgroupCycle.objects.filter(workgroup=workgroup, cycle=cycle).first()
    return render(
        request,
        "workgroups/meeting_detail.html",
        {
            "workgroup": workgroup,
            "cycle": cycle,
            "meeting": meeting,
            "saves": saves,
            "is_head": can_rank(request.user, workgroup),
            "is_current_state": share is not None and meeting.ranking_version == share.ranking_version,
        },
    )


@login_required
@require_POST
def meeting_tie(request, slug, pk):
    """Tie the list as it stands to a meeting: "ranked in the meeting of 1398/09/10"."""
    workgroup = access.get_workgroup_for_user(request.user, slug, write=True)
    cycle = current_cycle_or_404()
    meeting = get_object_or_404(Meeting, pk=pk, workgroup=workgroup, cycle=cycle)
    services.meeting_tie_ranking(meeting=meeting, user=request.user)
    messages.success(request, f"ترتیب کنونی فهرست به‌عنوان مصوبه {meeting} ثبت شد.")
    return redirect(workgroup)


@login_required
def project_detail(request, pk):
    project = access.get_project_for_user(request.user, pk)
    history = project.audit_entries.select_related("actor")[:50]
    return render(
        request,
        "workgroups/project_detail.html",
        {
            "project": project,
            "history": history,
            "can_edit": access.can_edit_project(request.user, project),
            "overlaps": overlap_services.open_overlaps_for_project(project)
            if access.is_budget_office(request.user)
            or any(m.workgroup_id == project.workgroup_id for m in access.memberships_of(request.user))
            else [],
        },
    )


@login_required
def project_create(request):
    unit = access.unit_of(request.user)
    if unit is None:
        raise PermissionDenied("فقط کارشناسان مناطق و سازمان‌ها پروژه پیشنهاد می‌دهند.")
    cycle = current_cycle_or_404()
    submissions.ensure_proposals_open(cycle=cycle)
    form = ProjectForm(
        request.POST or None,
        fiscal_year=cycle.fiscal_year,
        initial={"responsible_deputy": unit.default_deputy_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            target = Workgroup.objects.get(deputy=form.cleaned_data["responsible_deputy"])
            submissions.ensure_proposals_open(cycle=cycle, workgroup=target)
        except submissions.ListLocked as error:
            form.add_error(None, error.message)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            project = form.save(commit=False)
            project.cycle = cycle
            project.proposing_unit = unit
            project.created_by = request.user
            project.save()
            AuditEntry.objects.record(
                actor=request.user,
                action="project.create",
                summary=f"ثبت پیشنهاد «{project.title}»",
                workgroup=project.workgroup,
                cycle=cycle,
                project=project,
            )
        overlap_services.overlaps_refresh(cycle=cycle, projects=[project])
        messages.success(request, "پیشنهاد ثبت شد.")
        return redirect(project)
    return render(request, "workgroups/project_form.html", {"form": form, "cycle": cycle, "unit": unit})


@login_required
def project_edit(request, pk):
    project = access.get_project_for_user(request.user, pk, write=True)
    if not access.is_budget_office(request.user):
        submissions.ensure_proposals_open(cycle=project.cycle, workgroup=project.workgroup)
    before = {
        "title": project.title,
        "requested_amount": project.requested_amount,
        "responsible_deputy": project.responsible_deputy.code,
    }
    form = ProjectForm(request.POST or None, instance=project, fiscal_year=project.cycle.fiscal_year)
    if request.method == "POST" and form.is_valid() and "responsible_deputy" in form.changed_data:
        if not access.is_budget_office(request.user):
            target = Workgroup.objects.get(deputy=form.cleaned_data["responsible_deputy"])
            try:
                submissions.ensure_proposals_open(cycle=project.cycle, workgroup=target)
            except submissions.ListLocked as error:
                form.add_error("responsible_deputy", error.message)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            project = form.save(commit=False)
            if "responsible_deputy" in form.changed_data:
                # A new deputy means a new workgroup: the project leaves the old ranked list,
                # which closes up, and both lists' versions change (open pages get a conflict).
                services.project_leave_list(project=Project.objects.get(pk=project.pk))
                project.priority = None
                project.workgroup = Workgroup.objects.get(deputy=project.responsible_deputy)
                services.bump_list_version(workgroup=project.workgroup, cycle=project.cycle)
            project.save()
            AuditEntry.objects.record(
                actor=request.user,
                action="project.edit",
                summary=f"ویرایش پیشنهاد «{project.title}»",
                workgroup=project.workgroup,
                cycle=project.cycle,
                project=project,
                details={"before": before, "changed": form.changed_data},
            )
        overlap_services.overlaps_refresh(cycle=project.cycle, projects=[project])
        messages.success(request, "تغییرات ذخیره شد.")
        return redirect(project)
    return render(request, "workgroups/project_form.html", {"form": form, "project": project})


@login_required
def office_home(request):
    """The budget office's home: the dashboard of every workgroup against both deadlines."""
    return views_submissions.office_dashboard(request)


@login_required
def unit_home(request):
    unit = access.unit_of(request.user)
    if unit is None:
        raise PermissionDenied("این صفحه برای کارشناسان مناطق و سازمان‌هاست.")
    cycle = current_cycle_or_404()
    projects = (
        Project.objects.filter(proposing_unit=unit, cycle=cycle)
        .select_related("workgroup", "responsible_deputy")
        .order_by("workgroup__deputy__code", "priority", "pk")
    )
    deadline = cycle.deadlines.filter(kind=Deadline.Kind.PRIORITIES).first()
    return render(
        request,
        "workgroups/unit_home.html",
        {
            "unit": unit,
            "cycle": cycle,
            "projects": projects,
            "proposals_open": deadline is None or deadline.is_open(),
            "deadline": deadline,
        },
    )
