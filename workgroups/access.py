"""Who may see and change what. Every view asks here; nothing else decides access.

Rules (BRIEF §2): objects of another workgroup or unit answer 404 so their existence is not
leaked; a read-only role asking to change something gets 403.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from karaj_budget.persian import to_ascii_digits
from workgroups.models import Cycle, Membership, Project, Unit, UnitExpert, Workgroup


class Role:
    ADMIN = "admin"
    OFFICE = "office"
    HEAD = "head"
    MEMBER = "member"
    EXPERT = "expert"
    NONE = "none"


ROLE_LABELS = {
    Role.ADMIN: "مدیر سامانه",
    Role.OFFICE: "کارشناس دفتر برنامه و بودجه",
    Role.HEAD: "رئیس کارگروه",
    Role.MEMBER: "عضو کارگروه",
    Role.EXPERT: "کارشناس واحد",
    Role.NONE: "بدون نقش",
}


@dataclass
class UserContext:
    """What the header and the home page need to know about a signed-in user."""

    role: str
    workgroup: Workgroup | None = None
    unit: Unit | None = None
    memberships: list = field(default_factory=list)

    @property
    def role_label(self):
        return ROLE_LABELS[self.role]


def is_budget_office(user):
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    # Cached on the user object: the header and the view both ask within one request.
    if not hasattr(user, "_is_budget_office"):
        user._is_budget_office = user.groups.filter(name=settings.BUDGET_OFFICE_GROUP).exists()
    return user._is_budget_office


def memberships_of(user):
    if not hasattr(user, "_memberships"):
        user._memberships = list(
            Membership.objects.filter(user=user)
            .select_related("workgroup")
            .order_by("workgroup__deputy__code")
        )
    return user._memberships


def unit_of(user):
    """The district or organization a unit expert works for, or None."""
    if not hasattr(user, "_expert_unit"):
        link = UnitExpert.objects.filter(user=user).select_related("unit").first()
        user._expert_unit = link.unit if link else None
    return user._expert_unit


def describe_user(user):
    if user.is_superuser:
        return UserContext(role=Role.ADMIN)
    if is_budget_office(user):
        return UserContext(role=Role.OFFICE)
    memberships = memberships_of(user)
    if memberships:
        first = memberships[0]
        role = Role.HEAD if any(m.role == Membership.Role.HEAD for m in memberships) else Role.MEMBER
        return UserContext(role=role, workgroup=first.workgroup, memberships=memberships)
    unit = unit_of(user)
    if unit is not None:
        return UserContext(role=Role.EXPERT, unit=unit)
    return UserContext(role=Role.NONE)


def get_workgroup_for_user(user, slug, *, write=False):
    """The workgroup `slug` if the user may see it; with `write`, only if they may rank it.

    The office and admins see every workgroup; heads and members see their own; anyone else
    gets 404. Writing (ranking, coding, submitting) is for the workgroup's head.
    """
    try:
        workgroup = Workgroup.objects.select_related("deputy").get(slug=slug)
    except Workgroup.DoesNotExist:
        raise Http404("کارگروه یافت نشد.") from None
    membership = next((m for m in memberships_of(user) if m.workgroup_id == workgroup.pk), None)
    if membership is None and not is_budget_office(user):
        raise Http404("کارگروه یافت نشد.")
    if write and not user.is_superuser and (membership is None or membership.role != Membership.Role.HEAD):
        raise PermissionDenied("فقط رئیس کارگروه می‌تواند این فهرست را تغییر دهد.")
    return workgroup


def projects_visible_to(user):
    """Projects the user may read: office all; workgroup people their workgroups'; experts their unit's."""
    projects = Project.objects.all()
    if is_budget_office(user):
        return projects
    workgroup_ids = [m.workgroup_id for m in memberships_of(user)]
    unit = unit_of(user)
    condition = Q(workgroup_id__in=workgroup_ids)
    if unit is not None:
        condition |= Q(proposing_unit=unit)
    return projects.filter(condition)


def can_edit_project(user, project):
    """Project text and amounts are the proposing unit's (and the office's), not the workgroup's."""
    if is_budget_office(user):
        return True
    unit = unit_of(user)
    return unit is not None and project.proposing_unit_id == unit.pk


def get_project_for_user(user, pk, *, write=False):
    try:
        project = projects_visible_to(user).with_related().get(pk=pk)
    except (Project.DoesNotExist, ValueError):
        raise Http404("پروژه یافت نشد.") from None
    if write and not can_edit_project(user, project):
        raise PermissionDenied("شما اجازه ویرایش این پروژه را ندارید.")
    return project


def require_budget_office(user):
    if not is_budget_office(user):
        raise PermissionDenied("این صفحه فقط برای دفتر برنامه و بودجه است.")


def get_cycle_or_404(request):
    """The cycle named by ?cycle=<fiscal year> (digits in any form), else the current one; 404 if none."""
    year = to_ascii_digits(request.GET.get("cycle", "")).strip()
    if year.isdigit():
        try:
            return Cycle.objects.get(fiscal_year=int(year))
        except Cycle.DoesNotExist:
            raise Http404("دوره بودجه یافت نشد.") from None
    cycle = Cycle.objects.current()
    if cycle is None:
        raise Http404("هنوز دوره بودجه‌ای تعریف نشده است.")
    return cycle
