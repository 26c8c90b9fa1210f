from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render

from workgroups import access, overlap_services, submissions, views_submissions
from workgroups.forms import ProjectForm
from workgroups.models import AuditEntry, Cycle, Deadline, Project, Workgroup, WorkgroupCycle


def current_cycle_or_404():
    cycle = Cycle.objects.current()
    if cycle is None:
        raise Http404("هنوز دوره بودجه‌ای تعریف نشده است.")
    return cycle


@login_required
def workgroup_detail(request, slug):
    workgroup = access.get_workgroup_for_user(request.user, slug)
    cycle = current_cycle_or_404()
    share = WorkgroupCycle.objects.filter(workgroup=workgroup, cycle=cycle).first()
    projects = Project.objects.for_workgroup(workgroup, cycle).with_related()
    ranked = list(projects.ranked())
    unranked = list(projects.unranked())
    return render(
        request,
        "workgroups/workgroup_detail.html",
        {
            "workgroup": workgroup,
            "cycle": cycle,
            "ceiling": share.credit_ceiling if share else None,
            "ranked": ranked,
            "unranked": unranked,
            "project_count": len(ranked) + len(unranked),
            "requested_total": sum(p.requested_amount for p in ranked + unranked),
            "can_rank": request.user.is_superuser
            or any(
                m.workgroup_id == workgroup.pk and m.role == m.Role.HEAD
                for m in access.memberships_of(request.user)
            ),
        },
    )


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
                # A new deputy means a new workgroup: the project leaves the old ranked list.
                project.workgroup = Workgroup.objects.get(deputy=project.responsible_deputy)
                project.priority = None
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
