"""Where each role lands: `/` sends the office to its dashboard, heads and members to their
ranking page, unit experts to their unit's page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from workgroups import access, locks
from workgroups.access import Role, describe_user
from workgroups.models import Project
from workgroups.views.office import office_dashboard


@login_required
def home(request):
    """Send each role to where its work is."""
    context = describe_user(request.user)
    if context.role in (Role.ADMIN, Role.OFFICE):
        return redirect("workgroups:office-home")
    if context.role in (Role.HEAD, Role.MEMBER):
        return redirect(context.workgroup)
    if context.role == Role.EXPERT:
        return redirect("workgroups:unit-home")
    return render(request, "home_no_role.html")


@login_required
def office_home(request):
    """The budget office's home: the dashboard of every workgroup against both deadlines."""
    return office_dashboard(request)


@login_required
def unit_home(request):
    unit = access.require_unit(request.user)
    cycle = access.current_cycle_or_404()
    projects = (
        Project.objects.filter(proposing_unit=unit, cycle=cycle)
        .select_related("workgroup", "responsible_deputy")
        .order_by("workgroup__deputy__code", "priority", "pk")
    )
    deadline = cycle.deadlines.filter(kind=locks.Kind.PRIORITIES).first()
    return render(
        request,
        "workgroups/unit_home.html",
        {
            "unit": unit,
            "cycle": cycle,
            "projects": projects,
            "proposals_open": locks.cycle_proposals_lock_reason(cycle=cycle) is None,
            "deadline": deadline,
        },
    )
