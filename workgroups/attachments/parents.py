"""The parent an attachment belongs to, found for a user through the access rules of
`workgroups.access`, with the lock rule of `workgroups.locks` that says when its files may change.

A file follows its parent exactly: whoever may read the parent reads its files (anyone else gets
404, like the parent itself); whoever may change the parent adds and removes files, and only while
the parent's list is open for them:

- a project: read by whoever sees the project; changed by its proposing unit (rule `PROPOSALS`) or
  the office (rule `OFFICE`), as the project's own fields are;
- a joint meeting: read by whoever sees the workgroup; changed by its head (rule `RANKING`, as tying
  the list to the meeting is);
- a workgroup's list of one kind (the letter's enclosures): read by whoever sees the workgroup;
  changed by its head under the rule of that list (`RANKING` for the priorities, `CODING` for the
  coded list), so a submitted list's attachments are frozen with it;
- a quarterly monitoring report (its evidence): read by whoever reads the report; changed by the
  project's unit while the report is a draft or returned, under the report's own rule
  (workgroups/monitoring/reports.py `lock_for_change`), so submitting freezes the evidence too.
"""

from dataclasses import dataclass

from django.http import Http404
from django.urls import reverse

from workgroups import access, locks
from workgroups.models import Attachment, Cycle, Deadline, Meeting, WorkgroupCycle
from workgroups.monitoring import reports
from workgroups.submissions import WRITER_OF_KIND

Parent = Attachment.Parent


@dataclass
class ParentRef:
    kind: str
    obj: object
    workgroup: object
    cycle: Cycle
    writer: str
    may_write: bool
    title: str
    url: str
    list_kind: str = ""

    @property
    def fields(self):
        """The keyword arguments that tie a new `Attachment` to this parent."""
        if self.kind == Parent.PROJECT:
            return {"project": self.obj}
        if self.kind == Parent.MEETING:
            return {"meeting": self.obj}
        if self.kind == Parent.REPORT:
            return {"report": self.obj}
        return {"share": self.obj, "list_kind": self.list_kind}

    @property
    def attachments(self):
        return Attachment.objects.filter(**self.fields).select_related("uploaded_by")

    @property
    def upload_url(self):
        if self.kind == Parent.PROJECT:
            return reverse("workgroups:project-attachments", args=[self.obj.pk])
        if self.kind == Parent.MEETING:
            return reverse("workgroups:meeting-attachments", args=[self.obj.pk])
        if self.kind == Parent.REPORT:
            return reverse("workgroups:report-attachments", args=[self.obj.pk])
        url = reverse("workgroups:list-attachments", args=[self.workgroup.slug, self.list_kind])
        return f"{url}?cycle={self.cycle.fiscal_year}"

    def lock_reason(self):
        """Why the files may not change now (a Persian sentence), or None."""
        if self.kind == Parent.REPORT:
            return reports.change_refusal(self.obj)
        return locks.list_lock_reason(workgroup=self.workgroup, cycle=self.cycle, writer=self.writer)

    def open(self):
        """Take the list's (or the report's) row lock and check the rule (inside the write's
        transaction)."""
        if self.kind == Parent.REPORT:
            return reports.lock_for_change(self.obj)
        return locks.open_list(workgroup=self.workgroup, cycle=self.cycle, writer=self.writer)


def project_parent(user, pk, *, write=False):
    project = access.get_project_for_user(user, pk, write=write)
    return ParentRef(
        kind=Parent.PROJECT,
        obj=project,
        workgroup=project.workgroup,
        cycle=project.cycle,
        writer=locks.OFFICE if access.is_budget_office(user) else locks.PROPOSALS,
        may_write=access.can_edit_project(user, project),
        title=f"پروژه «{project.title}»",
        url=project.get_absolute_url(),
    )


def meeting_parent(user, pk, *, write=False):
    meeting = Meeting.objects.select_related("workgroup", "cycle").filter(pk=pk).first()
    if meeting is None:
        raise Http404("جلسه یافت نشد.")
    workgroup = access.get_workgroup_for_user(user, meeting.workgroup.slug, write=write)
    return ParentRef(
        kind=Parent.MEETING,
        obj=meeting,
        workgroup=workgroup,
        cycle=meeting.cycle,
        writer=locks.RANKING,
        may_write=access.is_head(user, workgroup),
        title=f"{meeting} — {workgroup.name}",
        url=reverse("workgroups:meeting-detail", args=[workgroup.slug, meeting.pk]),
    )


def list_parent(user, slug, kind, cycle, *, write=False):
    if kind not in Deadline.Kind.values:
        raise Http404("نوع فهرست نامعتبر است.")
    workgroup = access.get_workgroup_for_user(user, slug, write=write)
    share, _ = WorkgroupCycle.objects.get_or_create(workgroup=workgroup, cycle=cycle)
    kind = Deadline.Kind(kind)
    return ParentRef(
        kind=Parent.LIST,
        obj=share,
        workgroup=workgroup,
        cycle=cycle,
        writer=WRITER_OF_KIND[kind],
        may_write=access.is_head(user, workgroup),
        title=f"{kind.label} «{workgroup.name}» — {cycle.title}",
        url=f"{reverse('workgroups:submission-list', args=[workgroup.slug])}?cycle={cycle.fiscal_year}",
        list_kind=kind,
    )


def report_parent(user, pk, *, write=False):
    report = access.get_report_for_user(user, pk, write=write)
    project = report.monitored.project
    return ParentRef(
        kind=Parent.REPORT,
        obj=report,
        workgroup=project.workgroup,
        cycle=report.period.cycle,
        writer="",
        may_write=access.may_report(user, report.monitored),
        title=f"گزارش پایش «{project.title}» — {report.period}",
        url=reverse("workgroups:report-detail", args=[report.pk]),
    )


def parent_of(user, attachment, *, write=False):
    """The parent of an existing attachment, checked for `user` exactly as the parent is."""
    if attachment.report_id:
        return report_parent(user, attachment.report_id, write=write)
    if attachment.project_id:
        return project_parent(user, attachment.project_id, write=write)
    if attachment.meeting_id:
        return meeting_parent(user, attachment.meeting_id, write=write)
    share = attachment.share
    return list_parent(user, share.workgroup.slug, attachment.list_kind, share.cycle, write=write)
