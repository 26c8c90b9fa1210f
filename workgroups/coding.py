"""Coding a workgroup's list (docs/workflow.md, step 5): an operational program code and a budget line for
every project, with the rules, the warnings and the check before submitting. The suggestions live
in `workgroups/suggestions.py`.

Which projects: every active project of the workgroup in the cycle, ranked ones in priority order
and unranked ones after them; projects waiting for the office to decide their workgroup are left
out (they may move to another list). The coded list also requires every project to be ranked
(`check_every_project_ranked`), so at submission time "every active project" and "every ranked
project" are the same list; showing the unranked ones too lets the head code while ranking is
still under way.

Rules: a project is coded when both codes are set. The program code must be an active leaf of the
plan (an operational program, level 4); the budget code an active budget line (8 digits, level 4)
valid in the cycle's fiscal year. A budget line whose credit type differs from what the unit asked
for is a warning, never an error.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from karaj_budget.jalali import persian_digits
from karaj_budget.persian import PersianInputError, search_key
from programs.codes import BUDGET_LINE_LEVEL, normalize_budget_code, normalize_program_code
from programs.models import BudgetCode, ProgramCode
from workgroups import access, locks
from workgroups.locks import ListConflict, ListInvalid
from workgroups.models import AuditEntry, Project

PROGRAM_LEVEL = 4  # mission › goal › strategy › operational program
STUDY_WORDS = ("مطالعه", "مطالعات", "طراحی", "تهیه طرح")
# A field left out of a write: keep what the project has.
UNCHANGED = object()


class CodingError(ListInvalid):
    """A refused code (unknown, not a leaf, inactive, wrong year…); `message` is shown (Persian).
    `field` names the code it is about ("program_code" or "budget_code"), so the page can show the
    message next to that field; None when it is about the project or the request."""

    field = None


class CodingConflict(ListConflict):
    """The project's codes changed since the page was loaded (someone else coded it)."""


# ---- Resolving a code ---------------------------------------------------------------------------


def _lookup(model, value, normalise, what):
    if isinstance(value, model):
        return value
    if isinstance(value, int):
        found = model.objects.filter(pk=value).first()
        if found is None:
            raise CodingError(f"{what} انتخاب‌شده وجود ندارد.")
        return found
    try:
        code = normalise(value)
    except PersianInputError as error:
        raise CodingError(str(error)) from None
    found = model.objects.filter(code=code).first()
    if found is None:
        raise CodingError(f"{what} «{code}» در جدول کدها نیست.")
    return found


def resolve_program_code(value, *, cycle):
    """An operational program of the active plan, from a ProgramCode, its pk or the code as typed
    (digits in any form, `/` or spaces between segments). Raises CodingError saying what is wrong."""
    code = _lookup(ProgramCode, value, normalize_program_code, "کد برنامه")
    shown = f"کد برنامه «{code.code}»"
    if not code.is_active:
        raise CodingError(f"{shown} دیگر در برنامه عملیاتی فعال نیست.")
    if not code.is_valid_in(cycle.fiscal_year):
        raise CodingError(f"{shown} در برنامه سال {persian_digits(cycle.fiscal_year)} معتبر نیست.")
    if code.level != PROGRAM_LEVEL or code.children.exists():
        raise CodingError(
            f"{shown} ({code.title}) یک برنامه عملیاتی نیست؛ پروژه را به برنامه‌ای در پایین‌ترین سطح "
            "(مأموریت › هدف › راهبرد › برنامه) کد کنید."
        )
    return code


def resolve_budget_code(value, *, cycle):
    """A budget line of the cycle's circular, from a BudgetCode, its pk or the code as typed
    (`۵-۰۱-۰۱-۰۰۱`, `50101001`…). Raises CodingError saying what is wrong."""
    code = _lookup(BudgetCode, value, normalize_budget_code, "کد بودجه")
    shown = f"کد بودجه «{code.code}»"
    if code.level != BUDGET_LINE_LEVEL or code.children.exists():
        raise CodingError(
            f"{shown} ({code.title}) ردیف بودجه نیست؛ کد ۸ رقمی یک ردیف (عملکرد › برنامه › زیربرنامه › "
            "ردیف) را انتخاب کنید."
        )
    if not code.is_active:
        raise CodingError(f"{shown} دیگر در بخشنامه بودجه فعال نیست.")
    if not code.is_valid_in(cycle.fiscal_year):
        raise CodingError(f"{shown} در بخشنامه بودجه سال {persian_digits(cycle.fiscal_year)} نیست.")
    return code


# ---- Warnings -----------------------------------------------------------------------------------


CREDIT_LABELS = dict(BudgetCode.CreditType.choices)


def coding_warnings(project, budget_code=None):
    """Persian sentences about a coded project that deserve a second look (never errors)."""
    budget_code = budget_code or (project.budget_code if project.budget_code_id else None)
    if budget_code is None or not budget_code.credit_type:
        return []
    warnings = []
    requested = project.requested_credit_type
    if requested and requested != budget_code.credit_type:
        warnings.append(
            f"واحد پیشنهاددهنده اعتبار «{CREDIT_LABELS[requested]}» خواسته است، ولی ردیف بودجه "
            f"«{CREDIT_LABELS[budget_code.credit_type]}» است."
        )
    title = search_key(project.title)
    if budget_code.credit_type == BudgetCode.CreditType.CAPITAL and any(
        search_key(word) in title for word in STUDY_WORDS
    ):
        warnings.append("پروژه مطالعاتی است ولی ردیف بودجه تملک دارایی‌های سرمایه‌ای است؛ آن را بازبینی کنید.")
    return warnings


# ---- Writing ------------------------------------------------------------------------------------


def _ensure_head(user, workgroup):
    if user is None or not access.is_head(user, workgroup):
        raise PermissionDenied("فقط رئیس کارگروه می‌تواند پروژه‌ها را کدگذاری کند.")


def _ensure_in_list(project, workgroup, cycle):
    if project.workgroup_id != workgroup.pk or project.cycle_id != cycle.pk:
        raise CodingError(f"پروژه «{project.title}» در این فهرست نیست.")
    if project.state != Project.State.PROPOSED:
        raise CodingError(f"پروژه «{project.title}» ({project.get_state_display()}) کدگذاری نمی‌شود.")


def _codes(project):
    return {
        "program_code": project.program_code.code if project.program_code_id else None,
        "budget_code": project.budget_code.code if project.budget_code_id else None,
    }


def _resolve(field, resolve, value, *, cycle):
    try:
        return resolve(value, cycle=cycle)
    except CodingError as error:
        error.field = field
        raise


def _write(projects, *, workgroup, cycle, program_code, budget_code, user, action, expected=None):
    """Check and save codes on `projects` (all of one list) and audit each change."""
    _ensure_head(user, workgroup)
    # The list's lock first (the one submitting takes), then the rule, then the rows.
    locks.open_list(workgroup=workgroup, cycle=cycle, writer=locks.CODING)
    if program_code is not UNCHANGED and program_code is not None:
        program_code = _resolve("program_code", resolve_program_code, program_code, cycle=cycle)
    if budget_code is not UNCHANGED and budget_code is not None:
        budget_code = _resolve("budget_code", resolve_budget_code, budget_code, cycle=cycle)
    # Lock the rows (PostgreSQL) and read their codes as they are now.
    locked = {
        p.pk: p
        for p in Project.objects.select_for_update(of=("self",))
        .select_related("program_code", "budget_code")
        .filter(pk__in=[p.pk for p in projects])
    }
    changed, entries = [], []
    for original in projects:
        project = locked.get(original.pk)
        if project is None:
            raise CodingError(f"پروژه «{original.title}» دیگر وجود ندارد.")
        _ensure_in_list(project, workgroup, cycle)
        before = _codes(project)
        if expected is not None and any(
            key in expected and expected[key] != getattr(project, f"{key}_id") for key in expected
        ):
            raise CodingConflict(
                f"کدهای «{project.title}» هم‌زمان تغییر کرده است؛ کدهای تازه را ببینید و دوباره انتخاب کنید."
            )
        if program_code is not UNCHANGED:
            project.program_code = program_code
        if budget_code is not UNCHANGED:
            project.budget_code = budget_code
        after = _codes(project)
        if after == before:
            continue
        changed.append(project)
        entries.append(
            AuditEntry(
                actor=user,
                action=action,
                summary=f"کدگذاری «{project.title}»"[:500],
                workgroup=workgroup,
                cycle=cycle,
                project=project,
                details={"before": before, "after": after},
            )
        )
    if changed:
        now = timezone.now()
        for project in changed:
            project.updated_at = now
        Project.objects.bulk_update(changed, ["program_code", "budget_code", "updated_at"])
        AuditEntry.objects.bulk_create(entries)
    return [locked[p.pk] for p in projects]


@transaction.atomic
def project_code(*, project, program_code=UNCHANGED, budget_code=UNCHANGED, user, expected=None):
    """Set one project's codes and return the project.

    Each code is a code object, its pk, the code as typed, None (clear it) or UNCHANGED (keep it).
    Refused with ListLocked when the coded list is submitted, accepted or past a hard deadline;
    with PermissionDenied unless `user` heads the workgroup; with CodingError (Persian message) for
    a code that is not an active leaf valid in the cycle. `expected` ({"program_code": pk,
    "budget_code": pk}) refuses the write with CodingConflict when the project's codes have changed
    since the person saw them.
    """
    (saved,) = _write(
        [project],
        workgroup=project.workgroup,
        cycle=project.cycle,
        program_code=program_code,
        budget_code=budget_code,
        user=user,
        action="project.code",
        expected=expected,
    )
    return saved


@transaction.atomic
def projects_code_bulk(*, projects, program_code=None, budget_code=None, user):
    """Apply one program code and/or one budget line to several projects of one list.

    A code left as None is not changed; at least one must be given. Same checks as `project_code`;
    all projects are coded or none.
    """
    projects = list(projects)
    if not projects:
        raise CodingError("هیچ پروژه‌ای انتخاب نشده است.")
    if program_code is None and budget_code is None:
        raise CodingError("کد برنامه یا کد بودجه‌ای برای اعمال انتخاب کنید.")
    first = projects[0]
    return _write(
        projects,
        workgroup=first.workgroup,
        cycle=first.cycle,
        program_code=UNCHANGED if program_code is None else program_code,
        budget_code=UNCHANGED if budget_code is None else budget_code,
        user=user,
        action="project.code_bulk",
    )


# ---- The list -----------------------------------------------------------------------------------


def coding_list(*, workgroup, cycle):
    """The projects to code (a queryset), ranked first in priority order, then unranked by request
    (largest first)."""
    return (
        Project.objects.for_workgroup(workgroup, cycle)
        .filter(state=Project.State.PROPOSED)
        .order_by(F("priority").asc(nulls_last=True), "-requested_amount", "pk")
    )


def coding_projects(*, workgroup, cycle):
    """The projects to code with their unit and codes, as the coding page's rows show them."""
    return list(
        coding_list(workgroup=workgroup, cycle=cycle).select_related(
            "proposing_unit", "program_code", "budget_code"
        )
    )


def check_every_project_coded(workgroup, cycle, projects, *, submissions=None):
    """Submission check of the coded list: every project has both codes (all uncoded ones named)."""
    uncoded = [p for p in projects if p.state == Project.State.PROPOSED and not p.is_coded]
    if not uncoded:
        return []
    names = "، ".join(f"«{p.title}»" for p in uncoded)
    return [f"{persian_digits(len(uncoded))} پروژه هنوز کدگذاری نشده است: {names}."]
