"""Proposed projects: a unit's proposal form, the project page, and edits by the unit or the office."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from workgroups import access, locks, resources, services
from workgroups.forms import ProjectForm
from workgroups.locks import ListError
from workgroups.monitoring import carryover
from workgroups.overlaps import services as overlap_services


def _writer(user):
    """Whose rule a proposal's edit follows (locks.py): the office's, else the proposing unit's."""
    return locks.OFFICE if access.is_budget_office(user) else locks.PROPOSALS


@login_required
def project_detail(request, pk):
    project = access.get_project_for_user(request.user, pk)
    history = project.audit_entries.select_related("actor")[:50]
    can_edit = access.can_edit_project(request.user, project)
    # Say why the proposal may not change now, instead of offering «ویرایش» that ends in a refusal.
    edit_refused = (
        locks.list_lock_reason(workgroup=project.workgroup, cycle=project.cycle, writer=_writer(request.user))
        if can_edit
        else ""
    )
    budget_type = project.budget_code.credit_type if project.budget_code_id else ""
    return render(
        request,
        "workgroups/project_detail.html",
        {
            "project": project,
            "history": history,
            "can_edit": can_edit and not edit_refused,
            "edit_refused": edit_refused,
            "money": resources.money_of(project),
            "fundings": project.fundings.select_related("source"),
            "forecasts": project.forecasts.all(),
            "credit_label": resources.CREDIT_LABELS.get(
                resources.credit_type_of(project.requested_credit_type, budget_type), "نامعلوم"
            ),
            "carried": carryover.carried_for(project),
            "overlaps": overlap_services.open_overlaps_for_project(project)
            if access.sees_workgroup_of(request.user, project)
            else [],
        },
    )


@login_required
def project_create(request):
    """A unit expert proposes a project; it joins the responsible deputy's list, unranked."""
    unit = access.require_unit(request.user)
    cycle = access.current_cycle_or_404()
    reason = locks.cycle_proposals_lock_reason(cycle=cycle)
    if reason:
        raise locks.ListLocked(reason)
    form = ProjectForm(
        request.POST or None,
        fiscal_year=cycle.fiscal_year,
        unit=unit,
        cycle=cycle,
        initial={"responsible_deputy": unit.default_deputy_id},
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        project = form.save(commit=False)
        project.cycle = cycle
        project.proposing_unit = unit
        try:
            services.project_create(project=project, user=request.user, money=form.money())
        except ListError as error:
            # The form again with the reason, and the refusal's own status (423 for a locked list):
            # the person may choose another responsible deputy whose list is still open.
            form.add_error(None, error.message)
            status = error.status
        else:
            overlap_services.overlaps_refresh(cycle=cycle, projects=[project])
            messages.success(request, "پیشنهاد ثبت شد.")
            return redirect(project)
    context = {"form": form, "cycle": cycle, "unit": unit}
    return render(request, "workgroups/project_form.html", context, status=status)


@login_required
def project_edit(request, pk):
    """The proposing unit (until the priorities deadline and while the list is open) or the office
    (while the list is not submitted) edits a proposal."""
    project = access.get_project_for_user(request.user, pk, write=True)
    by_office = access.is_budget_office(request.user)
    locks.ensure_list_open(workgroup=project.workgroup, cycle=project.cycle, writer=_writer(request.user))
    form = ProjectForm(request.POST or None, instance=project, fiscal_year=project.cycle.fiscal_year)
    status = 200
    if request.method == "POST" and form.is_valid():
        project = form.save(commit=False)
        try:
            services.project_update(
                project=project,
                user=request.user,
                by_office=by_office,
                changed=form.changed_data,
                money=form.money(),
            )
        except ListError as error:
            field = "responsible_deputy" if "responsible_deputy" in form.changed_data else None
            form.add_error(field, error.message)
            status = error.status
        else:
            overlap_services.overlaps_refresh(cycle=project.cycle, projects=[project])
            messages.success(request, "تغییرات ذخیره شد.")
            return redirect(project)
    context = {"form": form, "project": project}
    return render(request, "workgroups/project_form.html", context, status=status)
