"""Who may see and change what, and which cycle a request is about. Every view asks here; nothing
else decides access (docs/workflow.md, "People").

Objects of another workgroup or unit answer 404 so their existence is not leaked; a read-only role
asking to change something gets 403; anonymous users are sent to the login page.

The budget office's rights are the permission `workgroups.budget_office` (held by the office's
group, given to it after every migrate, and by superusers), checked by `office_required` and
`is_budget_office`: renaming the group in the admin keeps them.
"""

from dataclasses import dataclass, field
from functools import wraps

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from karaj_budget.persian import to_ascii_digits
from programs.models import Indicator, Unit
from workgroups.models import (
    Cycle,
    Membership,
    MonitoredProject,
    ProgressReport,
    Project,
    ReportingPeriod,
    Submission,
    UnitExpert,
    Workgroup,
)

OFFICE_PERMISSION = "workgroups.budget_office"


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


# ---- Roles --------------------------------------------------------------------------------------


def is_budget_office(user):
    """Budget office staff (and superusers): every workgroup, every submission."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(OFFICE_PERMISSION))


def memberships_of(user):
    """The user's workgroup memberships (cached on the user for the request)."""
    if not user.is_authenticated:
        return []
    if not hasattr(user, "_memberships"):
        user._memberships = list(
            Membership.objects.filter(user=user)
            .select_related("workgroup")
            .order_by("workgroup__deputy__code")
        )
    return user._memberships


def is_member(user, workgroup):
    """Head or member of `workgroup`: reads its list."""
    return any(m.workgroup_id == workgroup.pk for m in memberships_of(user))


def is_head(user, workgroup):
    """The workgroup's head (and superusers, who may do everything): ranks, codes, submits."""
    if user.is_superuser:
        return True
    return any(
        m.workgroup_id == workgroup.pk and m.role == Membership.Role.HEAD for m in memberships_of(user)
    )


def head_emails(workgroup):
    """Where a workgroup's head is written to (returns, reminders)."""
    return list(
        Membership.objects.filter(workgroup=workgroup, role=Membership.Role.HEAD, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def unit_of(user):
    """The district or organization a unit expert works for, or None."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_expert_unit"):
        link = UnitExpert.objects.filter(user=user).select_related("unit").first()
        user._expert_unit = link.unit if link else None
    return user._expert_unit


def require_unit(user):
    """The unit a unit expert works for; 403 for anyone else (the office corrects, it does not propose)."""
    unit = unit_of(user)
    if unit is None:
        raise PermissionDenied("این بخش برای کارشناسان مناطق و سازمان‌هاست.")
    return unit


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


def require_budget_office(user):
    if not is_budget_office(user):
        raise PermissionDenied("این صفحه فقط برای دفتر برنامه و بودجه است.")


def office_required(view):
    """A view for the budget office only (403 for everyone else; put after `login_required`)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        require_budget_office(request.user)
        return view(request, *args, **kwargs)

    return wrapper


# ---- Objects ------------------------------------------------------------------------------------


def get_workgroup_for_user(user, slug, *, write=False):
    """The workgroup `slug` if the user may see it; with `write`, only if they may rank it.

    The office and admins see every workgroup; heads and members see their own; anyone else
    gets 404. Writing (ranking, coding, submitting) is for the workgroup's head.
    """
    try:
        workgroup = Workgroup.objects.select_related("deputy").get(slug=slug)
    except Workgroup.DoesNotExist:
        raise Http404("کارگروه یافت نشد.") from None
    if not is_member(user, workgroup) and not is_budget_office(user):
        raise Http404("کارگروه یافت نشد.")
    if write and not is_head(user, workgroup):
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


def sees_workgroup_of(user, project):
    """The office and the project's workgroup see its overlap markers and list details."""
    return is_budget_office(user) or any(m.workgroup_id == project.workgroup_id for m in memberships_of(user))


def get_project_for_user(user, pk, *, write=False):
    try:
        project = projects_visible_to(user).with_related().get(pk=pk)
    except (Project.DoesNotExist, ValueError):
        raise Http404("پروژه یافت نشد.") from None
    if write and not can_edit_project(user, project):
        raise PermissionDenied("شما اجازه ویرایش این پروژه را ندارید.")
    return project


def get_submission_for_user(user, pk):
    """A submission, for whoever may see its workgroup (another workgroup's answers 404 like the
    workgroup itself): its page, its letter."""
    rows = Submission.objects.select_related("workgroup__deputy", "cycle", "submitted_by", "reviewed_by")
    try:
        submission = rows.get(pk=pk)
    except (Submission.DoesNotExist, ValueError):
        raise Http404("ارسال یافت نشد.") from None
    get_workgroup_for_user(user, submission.workgroup.slug)
    return submission


# ---- The cycle of a request ---------------------------------------------------------------------


def current_cycle_or_404():
    """The cycle people work on now (the one marked current, else the latest); 404 when none.

    Ranking, coding, proposals and submitting always work on it: their saves assume it.
    """
    cycle = Cycle.objects.current()
    if cycle is None:
        raise Http404("هنوز دوره بودجه‌ای تعریف نشده است.")
    return cycle


def get_cycle_or_404(request):
    """The cycle named by ?cycle=<fiscal year> (digits in any form), else the current one; 404 if
    none. For pages that read any cycle: the dashboard, reviews, exports."""
    year = to_ascii_digits(request.GET.get("cycle", "")).strip()
    if year.isdigit():
        if len(year) > 4:
            raise Http404("دوره بودجه یافت نشد.")
        try:
            return Cycle.objects.get(fiscal_year=int(year))
        except Cycle.DoesNotExist:
            raise Http404("دوره بودجه یافت نشد.") from None
    return current_cycle_or_404()


# ---- Monitoring (docs/monitoring.md) ------------------------------------------------------------
# A unit's experts report on the projects their unit proposed; the project's workgroup reads them
# (its head comments); the office reads all, verifies and returns. Anyone else gets 404.


def unit_expert_emails(unit):
    """Where a unit's experts are written to (a returned report)."""
    if unit is None:
        return []
    return list(
        UnitExpert.objects.filter(unit=unit, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def has_monitoring_role(user):
    """The office, a workgroup's people or a unit's expert: who has any monitoring page."""
    return is_budget_office(user) or bool(memberships_of(user)) or unit_of(user) is not None


def monitored_visible_to(user):
    """Monitored projects the user may read: office all; workgroup people their workgroups'; unit
    experts their unit's (Project.proposing_unit)."""
    rows = MonitoredProject.objects.all()
    if is_budget_office(user):
        return rows
    condition = Q(project__workgroup_id__in=[m.workgroup_id for m in memberships_of(user)])
    unit = unit_of(user)
    if unit is not None:
        condition |= Q(project__proposing_unit=unit)
    return rows.filter(condition)


def reports_visible_to(user):
    """Reports of the monitored projects the user may read."""
    return ProgressReport.objects.filter(monitored__in=monitored_visible_to(user).values("pk"))


def may_report(user, monitored):
    """Only the proposing unit's experts write a project's report (and its evidence)."""
    unit = unit_of(user)
    return unit is not None and monitored.project.proposing_unit_id == unit.pk


def may_comment_report(user, report):
    """The head of the project's workgroup and the office comment on a report."""
    return is_budget_office(user) or is_head(user, report.monitored.project.workgroup)


def get_monitored_for_user(user, pk, *, write=False):
    """A monitored project the user may read (404 otherwise); with `write`, 403 unless they report it."""
    try:
        monitored = (
            monitored_visible_to(user).select_related("project__workgroup", "project__cycle").get(pk=pk)
        )
    except (MonitoredProject.DoesNotExist, ValueError):
        raise Http404("پروژه تحت پایش یافت نشد.") from None
    if write and not may_report(user, monitored):
        raise PermissionDenied("گزارش این پروژه را فقط کارشناس واحد پیشنهاددهنده می‌نویسد.")
    return monitored


def get_report_for_user(user, pk, *, write=False):
    """A report the user may read (404 otherwise); with `write`, 403 unless they report it."""
    rows = ProgressReport.objects.select_related(
        "monitored__project__workgroup",
        "monitored__project__proposing_unit",
        "monitored__project__cycle",
        "period__cycle",
        "submitted_by",
        "reviewed_by",
    )
    try:
        report = rows.filter(monitored__in=monitored_visible_to(user).values("pk")).get(pk=pk)
    except (ProgressReport.DoesNotExist, ValueError):
        raise Http404("گزارش پایش یافت نشد.") from None
    if write and not may_report(user, report.monitored):
        raise PermissionDenied("گزارش این پروژه را فقط کارشناس واحد پیشنهاددهنده می‌نویسد.")
    return report


def get_period_or_404(pk):
    """A quarter opened for reporting (quarters are not secret; what is shown in them is)."""
    try:
        return ReportingPeriod.objects.select_related("cycle").get(pk=pk)
    except (ReportingPeriod.DoesNotExist, ValueError):
        raise Http404("فصل گزارش یافت نشد.") from None


# ---- The office's group -------------------------------------------------------------------------

# What budget office staff may do in the admin: set up cycles, deadlines and ceilings, correct and
# reassign projects, import code tables; read everything, including the audit trail. The app's own
# office pages ask for `budget_office`.
OFFICE_PERMISSIONS = {
    "workgroups": {
        "cycle": ["view", "add", "change", "budget_office"],
        "deadline": ["view", "add", "change"],
        "workgroupcycle": ["view", "add", "change"],
        # A list's ceiling for one funding source; removing one is "no ceiling for that source".
        "sourceceiling": ["view", "add", "change", "delete"],
        "project": ["view", "add", "change"],
        "workgroup": ["view"],
        "membership": ["view"],
        "unitexpert": ["view"],
        "auditentry": ["view"],
        # Heads send projects outside their remit; the office decides where they go.
        "remitrequest": ["view", "change"],
        "meeting": ["view"],
        "extension": ["view", "add", "change"],
        "submission": ["view"],
        "reminderlog": ["view"],
        # Monitoring records, read-only in the admin (their steps are the monitoring pages').
        "monitoredproject": ["view"],
        "reportingperiod": ["view"],
        "periodextension": ["view"],
        "progressreport": ["view"],
        "quarterreminderlog": ["view"],
    },
    "programs": {
        "unit": ["view"],
        "programcode": ["view", "add", "change"],
        "budgetcode": ["view", "add", "change"],
        "codeimport": ["view"],
        # The plan's indicators and their yearly targets (docs/monitoring.md, "Indicators").
        "indicator": ["view", "add", "change"],
        "indicatortarget": ["view", "add", "change", "delete"],
    },
}


def ensure_budget_office_group(**kwargs):
    """Create the office's group (named by settings.BUDGET_OFFICE_GROUP) if missing and give it its
    permissions; run after every migrate. A group renamed in the admin is found by its permission."""
    office = Permission.objects.filter(content_type__app_label="workgroups", codename="budget_office").first()
    group = None
    if office is not None:
        group = Group.objects.filter(permissions=office).order_by("pk").first()
    if group is None:
        group, _ = Group.objects.get_or_create(name=settings.BUDGET_OFFICE_GROUP)
    codenames = {
        (app, action if action == "budget_office" else f"{action}_{model}")
        for app, models in OFFICE_PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    }
    permissions = [
        permission
        for permission in Permission.objects.filter(
            content_type__app_label__in=OFFICE_PERMISSIONS.keys()
        ).select_related("content_type")
        if (permission.content_type.app_label, permission.codename) in codenames
    ]
    group.permissions.set(permissions)
    return group


# ---- Monitoring set-up: cycles by year, program indicators (docs/monitoring.md) -----------------


def cycle_for_year_or_404(text):
    """The cycle of the fiscal year `text` (digits in any form); 404 when there is none."""
    year = to_ascii_digits(str(text or "")).strip()
    if not year.isdigit() or len(year) > 4:
        raise Http404("دوره بودجه یافت نشد.")
    try:
        return Cycle.objects.get(fiscal_year=int(year))
    except Cycle.DoesNotExist:
        raise Http404("دوره بودجه یافت نشد.") from None


def indicator_deputies(user):
    """The deputies whose programs' indicators the user reads: None for the office (all of them);
    for workgroup heads and members, their workgroups' deputies; 403 for anyone else."""
    if is_budget_office(user):
        return None
    deputies = {m.workgroup.deputy_id for m in memberships_of(user)}
    if not deputies:
        raise PermissionDenied("شاخص‌های برنامه برای دفتر برنامه و بودجه و کارگروه‌های تخصصی است.")
    return deputies


def can_record_indicator(user, program_code):
    """Who enters an indicator's actual value: the office, or the head of the workgroup of the
    program code's responsible deputy."""
    if is_budget_office(user):
        return True
    return program_code.deputy_id is not None and any(
        m.role == Membership.Role.HEAD and m.workgroup.deputy_id == program_code.deputy_id
        for m in memberships_of(user)
    )


def get_indicator_for_user(user, pk, *, write=False):
    """An indicator the user may read (another deputy's answers 404); with `write`, only if they
    may enter its actual values (403 for a member)."""
    deputies = indicator_deputies(user)
    try:
        indicator = Indicator.objects.select_related("program_code").get(pk=pk)
    except (Indicator.DoesNotExist, ValueError):
        raise Http404("شاخص یافت نشد.") from None
    if deputies is not None and indicator.program_code.deputy_id not in deputies:
        raise Http404("شاخص یافت نشد.")
    if write and not can_record_indicator(user, indicator.program_code):
        raise PermissionDenied(
            "مقدار واقعی شاخص را دفتر برنامه و بودجه یا رئیس کارگروه معاونت مسئول ثبت می‌کند."
        )
    return indicator


# ---- Monitoring dashboard (docs/monitoring.md, "Dashboard") -------------------------------------


def monitoring_dashboard_rows(user):
    """The monitored projects a user's monitoring dashboard covers (`monitored_visible_to`);
    403 for a user with no monitoring role."""
    if not has_monitoring_role(user):
        raise PermissionDenied("پایش پروژه‌ها برای دفتر بودجه، کارگروه‌ها و واحدهاست.")
    return monitored_visible_to(user)


def get_quarter_or_404(request):
    """The reporting quarter named by ?year=&quarter= (digits in any form), else the latest one
    opened; 404 for one that does not exist, None when no quarter was ever opened."""
    periods = ReportingPeriod.objects.select_related("cycle").order_by("-cycle__fiscal_year", "-quarter")
    year = to_ascii_digits(request.GET.get("year", "")).strip()
    quarter = to_ascii_digits(request.GET.get("quarter", "")).strip()
    if not year and not quarter:
        return periods.first()
    if not (year.isdigit() and len(year) <= 4 and quarter in {"1", "2", "3", "4"}):
        raise Http404("فصل گزارش یافت نشد.")
    try:
        return periods.get(cycle__fiscal_year=int(year), quarter=int(quarter))
    except ReportingPeriod.DoesNotExist:
        raise Http404("فصل گزارش یافت نشد.") from None
