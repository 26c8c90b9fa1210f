"""Closing the loop (docs/monitoring.md): an ongoing project of the new cycle finds the project of
the previous cycle it continues, and the new cycle's ranking page, project page and dashboard show
that project's latest verified report."""

import pytest
from django.urls import reverse
from django.utils import timezone

from karaj_budget.jalali import persian_digits
from karaj_budget.persian import PersianInputError
from karaj_budget.templatetags.persian_tags import money
from programs.models import Unit
from tests.programs.workbooks import xlsx
from tests.workgroups.test_ranking import PAGE_QUERIES
from workgroups import services
from workgroups.importing import import_projects
from workgroups.models import AuditEntry, Cycle, MonitoredProject, ProgressReport, Project, Workgroup
from workgroups.monitoring import carryover, rules

ONGOING = Project.Kind.ONGOING


@pytest.fixture
def cycles(demo):
    return Cycle.objects.get(fiscal_year=1399), Cycle.objects.current()


def same_project_last_year(project, old_cycle):
    return Project.objects.get(cycle=old_cycle, proposing_unit=project.proposing_unit, title=project.title)


def verified(monitored, period, *, progress, absorbed, status):
    """A report as the office left it after verifying it."""
    now = timezone.now()
    return ProgressReport.objects.create(
        monitored=monitored,
        period=period,
        state=ProgressReport.State.VERIFIED,
        physical_progress=progress,
        absorbed=absorbed,
        status=status,
        number=1,
        snapshot={"progress": progress},
        checksum="0" * 64,
        submitted_at=now,
        reviewed_at=now,
    )


# ---- The link rule ------------------------------------------------------------------------------


def test_previous_cycle_is_the_one_just_before(cycles):
    old, new = cycles
    assert carryover.previous_cycle(new) == old
    assert carryover.previous_cycle(old) is None


def test_ongoing_projects_link_by_unit_and_title(cycles, personas):
    old, new = cycles
    result = carryover.carryover_link(cycle=new, user=personas["office"])
    ongoing = Project.objects.filter(cycle=new, kind=ONGOING).exclude(state="withdrawn")
    assert result.considered == ongoing.count() and result.linked > 0
    for project in ongoing.filter(continues__isnull=False).select_related("continues"):
        assert project.continues.cycle == old
        assert project.continues.proposing_unit_id == project.proposing_unit_id
        assert project.continues.title_key.replace(" ", "") == project.title_key.replace(" ", "")
    # New projects are never linked, even with the same title last year.
    assert not Project.objects.filter(cycle=new, kind=Project.Kind.NEW, continues__isnull=False).exists()
    entry = AuditEntry.objects.get(action="project.continues")
    assert len(entry.details["links"]) == result.linked


def test_the_same_ref_wins_over_the_title(cycles, personas):
    old, new = cycles
    project = Project.objects.filter(cycle=new, kind=ONGOING).first()
    other = (
        Project.objects.filter(cycle=old, proposing_unit=project.proposing_unit)
        .exclude(title=project.title)
        .first()
    )
    if other is None:  # the unit proposed one project only: give it a second one last year
        other = Project.objects.create(
            cycle=old,
            title="پروژه دیگر همان واحد",
            proposing_unit=project.proposing_unit,
            responsible_deputy=project.responsible_deputy,
            requested_amount=1,
        )
    Project.objects.filter(pk=other.pk).update(ref="KEEP-1")
    Project.objects.filter(pk=project.pk).update(ref="KEEP-1")
    carryover.carryover_link(cycle=new, user=None, projects=[project])
    project.refresh_from_db()
    assert project.continues_id == other.pk


def test_an_ambiguous_title_links_nothing(cycles):
    old, new = cycles
    project = Project.objects.filter(cycle=new, kind=ONGOING).first()
    twin = same_project_last_year(project, old)
    Project.objects.create(
        cycle=old,
        title=project.title.replace(" ", "  "),  # the same title typed with two spaces
        proposing_unit=twin.proposing_unit,
        responsible_deputy=twin.responsible_deputy,
        requested_amount=1,
    )
    result = carryover.carryover_link(cycle=new, user=None, projects=[project])
    assert result.linked == 0
    project.refresh_from_db()
    assert project.continues_id is None


def test_a_withdrawn_project_is_not_a_candidate_and_a_hand_set_link_stays(cycles):
    old, new = cycles
    first, second = Project.objects.filter(cycle=new, kind=ONGOING)[:2]
    Project.objects.filter(pk=same_project_last_year(first, old).pk).update(state="withdrawn", priority=None)
    hand = Project.objects.filter(cycle=old).exclude(pk=same_project_last_year(second, old).pk).first()
    Project.objects.filter(pk=second.pk).update(continues=hand)
    carryover.carryover_link(cycle=new, user=None, projects=[first, second])
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.continues_id is None
    assert second.continues_id == hand.pk


def test_the_hand_set_link_rule(cycles):
    old, new = cycles
    project = Project.objects.filter(cycle=new).first()
    earlier = Project.objects.filter(cycle=old).first()
    carryover.check_continues(project_cycle=new, project_pk=project.pk, continued=earlier)
    carryover.check_continues(project_cycle=new, project_pk=project.pk, continued=None)
    with pytest.raises(PersianInputError, match="خودش"):
        carryover.check_continues(project_cycle=new, project_pk=project.pk, continued=project)
    with pytest.raises(PersianInputError, match="پیش از این دوره"):
        carryover.check_continues(
            project_cycle=new, project_pk=project.pk, continued=Project.objects.filter(cycle=new).last()
        )


def test_a_new_ongoing_proposal_is_linked_when_created(cycles, personas):
    old, new = cycles
    template = Project.objects.filter(cycle=old, kind=ONGOING).first()
    project = Project(
        cycle=new,
        title=template.title,
        proposing_unit=template.proposing_unit,
        responsible_deputy=template.responsible_deputy,
        requested_amount=5,
        kind=ONGOING,
    )
    Project.objects.filter(cycle=new, proposing_unit=template.proposing_unit, title=template.title).delete()
    services.project_create(project=project, user=personas["office"], by_office=True)
    project.refresh_from_db()
    assert project.continues_id == template.pk


def test_imported_ongoing_projects_are_linked(cycles, personas):
    old, new = cycles
    template = Project.objects.filter(cycle=old, kind=ONGOING).select_related("proposing_unit").first()
    Project.objects.filter(cycle=new, proposing_unit=template.proposing_unit, title=template.title).delete()
    workbook = xlsx(
        [
            ("عنوان", "واحد پیشنهاددهنده", "معاونت مسئول", "اعتبار درخواستی (میلیون ریال)", "نوع"),
            (
                template.title,
                template.proposing_unit.code,
                template.responsible_deputy.code,
                10,
                "در دست اجرا",
            ),
        ]
    )
    result = import_projects(workbook, cycle=new, user=personas["office"])
    assert result.written, [str(p) for p in result.problems]
    assert Project.objects.get(cycle=new, title=template.title).continues_id == template.pk


# ---- What the new cycle shows -------------------------------------------------------------------


@pytest.fixture
def delayed(cycles, monitored, open_quarter, personas):
    """Last year's project of a civil ongoing project, reported delayed and verified in quarter 2;
    its quarter-1 report was on schedule. Returns the new cycle's project."""
    old, new = cycles
    carryover.carryover_link(cycle=new, user=personas["office"])
    project = (
        Project.objects.filter(cycle=new, workgroup__slug="civil", continues__isnull=False)
        .select_related("continues")
        .first()
    )
    row = MonitoredProject.objects.get(project=project.continues)
    MonitoredProject.objects.filter(pk=row.pk).update(approved_amount=1000, planned_q1=10, planned_q2=30)
    row.refresh_from_db()
    verified(row, open_quarter(1), progress=12, absorbed=100, status="on_schedule")
    verified(row, open_quarter(2), progress=20, absorbed=450, status="delayed")
    return project


def test_latest_verified_report_is_the_latest_quarter(delayed):
    carried = carryover.carried_for(delayed)
    assert (carried.quarter, carried.progress, carried.status) == (2, 20, "delayed")
    assert carried.absorption == rules.absorption(450, 1000) == 45
    assert carried.behind and carried.behind_label == "با تأخیر"


def test_a_report_not_verified_is_not_shown(delayed, open_quarter):
    row = MonitoredProject.objects.get(project=delayed.continues)
    ProgressReport.objects.create(
        monitored=row, period=open_quarter(3), physical_progress=90, status="on_schedule"
    )
    assert carryover.carried_for(delayed).quarter == 2


def test_below_plan_is_behind_even_on_schedule(delayed):
    ProgressReport.objects.filter(period__quarter=2).update(status="on_schedule")  # 20% against a plan of 30%
    carried = carryover.carried_for(delayed)
    assert carried.behind and carried.behind_label == "عقب از برنامه"
    ProgressReport.objects.filter(period__quarter=2).update(physical_progress=30)
    assert not carryover.carried_for(delayed).behind


def test_ranking_page_shows_the_marker_in_words(client, personas, delayed):
    client.force_login(personas["head_a"])
    body = client.get(reverse("workgroups:workgroup-detail", args=["civil"])).content.decode()
    row = body.split(f'data-project-id="{delayed.pk}"')[1].split("</li>")[0]
    assert "data-behind-marker" in row and "عقب از برنامه: با تأخیر" in row
    assert "پیشرفت ۲۰٪" in row and "جذب ۴۵٪" in row and "تابستان ۱۳۹۹" in row
    assert body.count("data-behind-marker") == 1


def test_project_page_shows_the_latest_verified_report(client, personas, delayed):
    client.force_login(personas["head_a"])
    body = client.get(reverse("workgroups:project-detail", args=[delayed.pk])).content.decode()
    assert "data-behind-marker" in body and "با تأخیر" in body
    assert "۴۵٪" in body and "تابستان ۱۳۹۹" in body and delayed.continues.title in body


# The ranking page (test_ranking.PAGE_QUERIES) and one query for the continued projects' reports.
RANKING_PAGE_QUERIES = PAGE_QUERIES + 1


def test_ranking_page_query_count_does_not_grow_with_linked_projects(
    client, personas, delayed, open_quarter, django_assert_num_queries
):
    client.force_login(personas["head_a"])
    url = reverse("workgroups:workgroup-detail", args=["civil"])
    with django_assert_num_queries(RANKING_PAGE_QUERIES):
        client.get(url)
    old, new = Cycle.objects.get(fiscal_year=1399), Cycle.objects.current()
    civil = Workgroup.objects.get(slug="civil")
    period = open_quarter(4)
    unit = Unit.objects.get(code="R01")
    for number in range(30):
        before = Project.objects.create(
            cycle=old,
            title=f"ادامه {number}",
            proposing_unit=unit,
            responsible_deputy=civil.deputy,
            requested_amount=9,
        )
        row = MonitoredProject.objects.create(project=before, approved_amount=9)
        verified(row, period, progress=5, absorbed=1, status="stopped")
        Project.objects.create(
            cycle=new,
            title=f"ادامه {number}",
            proposing_unit=unit,
            responsible_deputy=civil.deputy,
            requested_amount=9,
            kind=ONGOING,
            continues=before,
        )
    with django_assert_num_queries(RANKING_PAGE_QUERIES):
        body = client.get(url).content.decode()
    assert body.count("data-behind-marker") == 31


def test_dashboard_sums_the_ranked_request_behind_schedule(client, personas, delayed, rank_all):
    new = Cycle.objects.current()
    civil = Workgroup.objects.get(slug="civil")
    rank_all(civil, new)
    shares = {
        share.workgroup.slug: share for share in carryover.behind_by_workgroup(new, Workgroup.objects.all())
    }
    delayed.refresh_from_db()
    ranked = Project.objects.for_workgroup(civil, new).ranked()
    assert shares["civil"].ranked_total == sum(p.requested_amount for p in ranked)
    assert shares["civil"].behind_total == delayed.requested_amount and shares["civil"].behind_count == 1
    assert shares["transport"].behind_total == 0
    client.force_login(personas["office"])
    body = client.get(reverse("workgroups:office-home")).content.decode()
    assert "اعتبار اولویت‌بندی‌شدهٔ پروژه‌های عقب از برنامه" in body
    civil_row = body.split("data-behind-table")[1].split('data-workgroup="civil"')[1].split("</tr>")[0]
    assert money(delayed.requested_amount) in civil_row
    assert f"{persian_digits(shares['civil'].percent)}٪" in civil_row


# ---- Set or cleared by hand in the admin --------------------------------------------------------


def admin_change_data(client, project):
    """The admin change form's own values, as the browser would post them back."""
    response = client.get(f"/admin/workgroups/project/{project.pk}/change/")
    assert response.status_code == 200
    form = response.context["adminform"].form
    return {name: "" if form[name].value() is None else form[name].value() for name in form.fields}


def test_the_office_sets_and_clears_the_link_in_the_admin(client, cycles, personas):
    old, new = cycles
    client.force_login(personas["office"])
    project = Project.objects.filter(cycle=new, kind=Project.Kind.NEW).first()
    earlier = Project.objects.filter(cycle=old).first()
    url = f"/admin/workgroups/project/{project.pk}/change/"
    response = client.post(url, {**admin_change_data(client, project), "continues": earlier.pk})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.continues_id == earlier.pk
    assert "continues" in AuditEntry.objects.filter(project=project).latest("pk").details["changed"]

    same_cycle = Project.objects.filter(cycle=new).exclude(pk=project.pk).first()
    response = client.post(url, {**admin_change_data(client, project), "continues": same_cycle.pk})
    assert response.status_code == 200 and "پیش از این دوره" in response.content.decode()
    project.refresh_from_db()
    assert project.continues_id == earlier.pk

    client.post(url, {**admin_change_data(client, project), "continues": ""})
    project.refresh_from_db()
    assert project.continues_id is None
