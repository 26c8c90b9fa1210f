"""Closing the loop (docs/monitoring.md, "Closing the loop"): an ongoing project of a new cycle is
tied to the project of the previous cycle it continues (`Project.continues`), and the new cycle's
pages show that project's latest verified monitoring report.

The link rule (one home: `find_continued`), for a project of kind «در دست اجرا» not yet linked:
1. the previous cycle is the cycle with the greatest fiscal year before the project's;
2. a project of that cycle with the same proposing unit and the same unit reference (`ref`);
3. else the one project of that cycle with the same proposing unit and the same normalised title
   (`title_key`, spaces ignored); two such projects are ambiguous and nothing is linked;
withdrawn projects of the previous cycle are never candidates. The office may set or clear the
link by hand in the admin; the service only fills links that are empty, so it never undoes a
link set by hand.

What the pages show comes from `latest_verified` (a fixed number of queries whatever the number of
projects); absorption and "behind schedule" are workgroups/monitoring/rules.py's.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Replace

from karaj_budget.jalali import persian_digits
from karaj_budget.persian import PersianInputError
from workgroups.models import AuditEntry, Cycle, ProgressReport, Project
from workgroups.monitoring import rules

ONGOING = Project.Kind.ONGOING
BATCH = 2000


def previous_cycle(cycle):
    """The cycle before `cycle` (greatest fiscal year below it), or None."""
    return Cycle.objects.filter(fiscal_year__lt=cycle.fiscal_year).order_by("-fiscal_year").first()


def _compact(title_key):
    return title_key.replace(" ", "")


def find_continued(projects, previous):
    """{project pk: previous project pk} for `projects` (of one cycle) by the link rule, in one
    query over the previous cycle. Projects the rule cannot place (no match, or two by title) are
    left out."""
    if previous is None or not projects:
        return {}
    units = {project.proposing_unit_id for project in projects}
    by_ref, by_title = {}, {}
    candidates = (
        Project.objects.filter(cycle=previous, proposing_unit_id__in=units)
        .exclude(state=Project.State.WITHDRAWN)
        .annotate(compact_key=Replace(F("title_key"), Value(" "), Value("")))
        .values_list("pk", "proposing_unit_id", "ref", "compact_key")
    )
    for pk, unit_id, ref, key in candidates:
        if ref:
            by_ref[(unit_id, ref)] = pk
        by_title.setdefault((unit_id, key), []).append(pk)
    links = {}
    for project in projects:
        found = by_ref.get((project.proposing_unit_id, project.ref)) if project.ref else None
        if found is None:
            same_title = by_title.get((project.proposing_unit_id, _compact(project.title_key)), [])
            found = same_title[0] if len(same_title) == 1 else None
        if found is not None:
            links[project.pk] = found
    return links


@dataclass(frozen=True)
class Linked:
    considered: int  # ongoing projects without a link
    linked: int

    def summary_fa(self):
        return (
            f"{persian_digits(self.linked)} پروژه در دست اجرا از {persian_digits(self.considered)} پروژه "
            "بدون پیوند به پروژه سال قبل خود پیوند خورد"
        )


@transaction.atomic
def carryover_link(*, cycle, user, projects=None):
    """Apply the link rule to the cycle's ongoing projects whose link is empty (all of them, or only
    `projects` — what an import or a proposal just wrote). Audited when anything was linked."""
    if projects is not None and not projects:
        return Linked(considered=0, linked=0)
    unlinked = (
        Project.objects.select_for_update()
        .filter(cycle=cycle, kind=ONGOING, continues__isnull=True)
        .exclude(state=Project.State.WITHDRAWN)
        .only("pk", "proposing_unit_id", "ref", "title_key")
    )
    if projects is None:
        rows = list(unlinked)
    else:
        # In batches: an import may hand over tens of thousands of rows (SQLite caps parameters).
        pks = [getattr(project, "pk", project) for project in projects]
        rows = []
        for start in range(0, len(pks), BATCH):
            rows.extend(unlinked.filter(pk__in=pks[start : start + BATCH]))
    links = find_continued(rows, previous_cycle(cycle))
    linked = [Project(pk=pk, continues_id=continued) for pk, continued in links.items()]
    Project.objects.bulk_update(linked, ["continues"], batch_size=500)
    if links:
        AuditEntry.objects.record(
            actor=user,
            action="project.continues",
            summary=(
                f"پیوند پروژه‌های در دست اجرای {cycle} به پروژه سال قبل: {persian_digits(len(links))} پروژه"
            ),
            cycle=cycle,
            details={"links": {str(pk): continued for pk, continued in links.items()}},
        )
    return Linked(considered=len(rows), linked=len(links))


def check_continues(*, project_cycle, project_pk, continued):
    """The hand-set link's rule: a project of an earlier cycle, never the project itself.
    Raises PersianInputError with the reason."""
    if continued is None:
        return
    if continued.pk == project_pk:
        raise PersianInputError("پروژه نمی‌تواند ادامه خودش باشد.")
    if project_cycle is not None and continued.cycle.fiscal_year >= project_cycle.fiscal_year:
        raise PersianInputError("پروژه‌ای که ادامه آن است باید از دوره‌ای پیش از این دوره باشد.")


# ---- What the new cycle's pages show ------------------------------------------------------------


@dataclass(frozen=True)
class Carried:
    """The latest verified report of the project a new project continues."""

    fiscal_year: int
    quarter: int
    progress: int | None
    absorbed: int | None
    approved: int
    status: str
    planned: int | None

    @property
    def absorption(self):
        return rules.absorption(self.absorbed, self.approved)

    @property
    def behind(self):
        return rules.is_behind(status=self.status, progress=self.progress, planned=self.planned)

    @property
    def status_label(self):
        return ProgressReport.Status(self.status).label if self.status else "—"

    @property
    def quarter_label(self):
        return rules.quarter_label(self.fiscal_year, self.quarter)

    @property
    def behind_label(self):
        """What the marker says, in words (never colour alone)."""
        if self.status in (ProgressReport.Status.DELAYED, ProgressReport.Status.STOPPED):
            return self.status_label
        return "عقب از برنامه" if self.behind else ""


def latest_verified(continued_ids):
    """{continued project pk: Carried} for the projects given (one query)."""
    carried = {}
    rows = (
        ProgressReport.objects.filter(
            monitored__project_id__in=set(continued_ids), state=ProgressReport.State.VERIFIED
        )
        .order_by("monitored__project_id", "-period__cycle__fiscal_year", "-period__quarter")
        .values_list(
            "monitored__project_id",
            "period__cycle__fiscal_year",
            "period__quarter",
            "physical_progress",
            "absorbed",
            "status",
            "monitored__approved_amount",
            "monitored__planned_q1",
            "monitored__planned_q2",
            "monitored__planned_q3",
            "monitored__planned_q4",
        )
    )
    for project_id, year, quarter, progress, absorbed, status, approved, *planned in rows:
        if project_id in carried:
            continue  # an earlier quarter: the first row is the latest
        carried[project_id] = Carried(
            year, quarter, progress, absorbed, approved, status, planned[quarter - 1]
        )
    return carried


def carried_for(project):
    """The `Carried` of one project's continued project, or None."""
    if not project.continues_id:
        return None
    return latest_verified([project.continues_id]).get(project.continues_id)


def attach(projects):
    """Set `project.carried` (a `Carried` or None) on each project; one query for all of them."""
    carried = latest_verified(p.continues_id for p in projects if p.continues_id)
    for project in projects:
        project.carried = carried.get(project.continues_id) if project.continues_id else None
    return projects


@dataclass
class BehindShare:
    workgroup: object
    ranked_total: int = 0
    behind_total: int = 0
    behind_count: int = 0

    @property
    def percent(self):
        return rules.percent(self.behind_total, self.ranked_total)


def behind_by_workgroup(cycle, workgroups):
    """[BehindShare] for each workgroup: of the cycle's ranked request (million rials), how much goes
    to projects whose continued project's latest verified report is behind schedule. Two queries."""
    shares = {workgroup.pk: BehindShare(workgroup) for workgroup in workgroups}
    ranked = list(
        Project.objects.filter(cycle=cycle, priority__isnull=False).values_list(
            "workgroup_id", "requested_amount", "continues_id"
        )
    )
    carried = latest_verified(continues for _wg, _amount, continues in ranked if continues)
    for workgroup_id, amount, continues in ranked:
        share = shares.get(workgroup_id)
        if share is None:
            continue
        share.ranked_total += amount
        report = carried.get(continues) if continues else None
        if report is not None and report.behind:
            share.behind_total += amount
            share.behind_count += 1
    return list(shares.values())
