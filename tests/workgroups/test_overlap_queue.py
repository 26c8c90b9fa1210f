"""The office's overlap queue and pair page, detection on edit and import, the heads' marker and
the warning on the review of a list."""

import pytest
from django.db.models import Q
from django.urls import reverse

from programs.models import Unit
from tests.programs.workbooks import xlsx
from workgroups import submissions
from workgroups.importing import import_projects
from workgroups.models import Cycle, OverlapPair, OverlapRun, Project, Workgroup
from workgroups.overlaps import services as overlap_services
from workgroups.overlaps.runs import refresh_cycle_overlaps

State = OverlapPair.State


@pytest.fixture
def cycle(demo):
    return Cycle.objects.current()


def pair_of(cycle, title):
    return OverlapPair.objects.get(
        Q(first__title__startswith=title) | Q(second__title__startswith=title), cycle=cycle
    )


def new_project(cycle, title, *, unit="R05", deputy="D4", amount=1000, location=""):
    return Project.objects.create(
        cycle=cycle,
        title=title,
        proposing_unit=Unit.objects.get(code=unit),
        responsible_deputy=Unit.objects.get(code=deputy),
        requested_amount=amount,
        location=location,
    )


def test_queue_lists_open_pairs_best_first_with_reasons(client, personas, cycle):
    client.force_login(personas["office"])
    response = client.get(reverse("workgroups:overlap-queue"))
    assert response.status_code == 200
    pairs = list(response.context["pairs"])
    assert len(pairs) >= 5
    assert [p.score for p in pairs] == sorted((p.score for p in pairs), reverse=True)
    assert all(p.state == State.OPEN for p in pairs)
    html = response.content.decode()
    assert "پیاده‌راه گوهردشت" in html and "در دو کارگروه متفاوت" in html
    assert "بررسی دوباره تداخل‌ها" in html


def test_queue_filters_by_workgroup_and_state(client, personas, cycle):
    client.force_login(personas["office"])
    overlap_services.overlap_mark_distinct(pair=pair_of(cycle, "احداث بوستان قرآنی"), user=personas["office"])
    response = client.get(reverse("workgroups:overlap-queue"), {"workgroup": "transport"})
    pairs = list(response.context["pairs"])
    assert pairs and all("transport" in {p.first.workgroup.slug, p.second.workgroup.slug} for p in pairs)
    response = client.get(reverse("workgroups:overlap-queue"), {"state": "distinct"})
    assert [p.first.title for p in response.context["pairs"]] == ["احداث بوستان قرآنی"]
    response = client.get(reverse("workgroups:overlap-queue"), {"cycle": "1399", "state": "all"})
    assert response.context["cycle"].fiscal_year == 1399
    assert len(response.context["pairs"]) >= 5


def test_queue_page_runs_in_few_queries(client, personas, cycle, django_assert_max_num_queries):
    client.force_login(personas["office"])
    with django_assert_max_num_queries(15):
        client.get(reverse("workgroups:overlap-queue"))


def test_refresh_button_queues_a_run_and_the_page_reports_its_counts(client, personas, cycle):
    client.force_login(personas["office"])
    OverlapPair.objects.filter(cycle=cycle).delete()
    response = client.post(reverse("workgroups:overlap-refresh"), follow=True)
    assert response.status_code == 200
    assert "در صف قرار گرفت" in response.content.decode()
    run = OverlapRun.objects.get(cycle=cycle)
    refresh_cycle_overlaps.call(run.pk)  # what the worker does (tests/workgroups/test_overlap_runs.py)
    text = client.get(reverse("workgroups:overlap-queue")).content.decode()
    assert "بررسی تداخل‌ها پایان یافت" in text and "تداخل تازه" in text
    assert OverlapPair.objects.filter(cycle=cycle, state=State.OPEN).count() >= 5


def test_pair_page_shows_both_projects_and_decides(client, personas, cycle):
    client.force_login(personas["office"])
    pair = pair_of(cycle, "احداث بوستان قرآنی")
    response = client.get(pair.get_absolute_url())
    html = response.content.decode()
    assert pair.first.title in html and pair.second.title in html
    assert "نگه داشتن الف" in html and "ادغام در ب" in html
    response = client.post(
        reverse("workgroups:overlap-decide", args=[pair.pk]),
        {"decision": "keep", "project": pair.second_id},
    )
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.state == State.DUPLICATE and pair.kept_id == pair.second_id
    assert "بازگرداندن تصمیم" in client.get(pair.get_absolute_url()).content.decode()
    client.post(reverse("workgroups:overlap-reverse", args=[pair.pk]))
    pair.refresh_from_db()
    assert pair.state == State.OPEN


def test_reassign_through_the_page_needs_a_workgroup(client, personas, cycle):
    client.force_login(personas["office"])
    pair = pair_of(cycle, "احداث بوستان قرآنی")
    url = reverse("workgroups:overlap-decide", args=[pair.pk])
    response = client.post(url, {"decision": "reassign", "project": pair.first_id}, follow=True)
    assert "کارگروه مقصد را انتخاب کنید" in response.content.decode()
    client.post(url, {"decision": "reassign", "project": pair.first_id, "workgroup": "social"})
    pair.refresh_from_db()
    assert pair.state == State.REASSIGNED
    assert pair.first.workgroup.slug == "social"


def test_a_locked_list_is_reported_not_a_500(client, personas, cycle):
    civil = Workgroup.objects.get(slug="civil")
    for position, project in enumerate(Project.objects.for_workgroup(civil, cycle).order_by("pk"), 1):
        Project.objects.filter(pk=project.pk).update(priority=position)
    submissions.submission_submit(workgroup=civil, cycle=cycle, kind="priorities", user=personas["head_a"])
    client.force_login(personas["office"])
    pair = pair_of(cycle, "لایروبی و ساماندهی مسیل‌های منطقه ۸")
    civil_side = pair.first_id if pair.first.workgroup == civil else pair.second_id
    other_side = pair.second_id if civil_side == pair.first_id else pair.first_id
    response = client.post(
        reverse("workgroups:overlap-decide", args=[pair.pk]),
        {"decision": "keep", "project": other_side},
        follow=True,
    )
    assert "نخست فهرست را به کارگروه بازگردانید" in response.content.decode()
    pair.refresh_from_db()
    assert pair.state == State.OPEN


def test_editing_a_title_refreshes_its_pairs(client, personas, cycle):
    # District 1's expert edits the title of the valley project so it now repeats another.
    project = Project.objects.get(cycle=cycle, title__startswith="ساماندهی دره وسیه")
    assert not OverlapPair.objects.filter(cycle=cycle).involving([project.pk]).exists()
    client.force_login(personas["expert"])
    response = client.post(
        reverse("workgroups:project-edit", args=[project.pk]),
        {
            "title": "تكميل فاز ۲ پارك دانايي",
            "requested_amount": "25000",
            "responsible_deputy": project.responsible_deputy_id,
            "kind": "ongoing",
            "location": "منطقه ۱",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    pair = OverlapPair.objects.filter(cycle=cycle).involving([project.pk]).get()
    assert pair.state == State.OPEN and pair.score >= 90
    # Edited back: the pair is stale, not deleted (its history stays).
    client.post(
        reverse("workgroups:project-edit", args=[project.pk]),
        {
            "title": "ساماندهی دره وسیه",
            "requested_amount": "25000",
            "responsible_deputy": project.responsible_deputy_id,
            "kind": "ongoing",
            "location": "منطقه ۱",
        },
    )
    pair.refresh_from_db()
    assert pair.state == State.STALE


def test_import_finds_overlaps_of_the_imported_projects(cycle):
    header = ["شناسه", "عنوان", "واحد پیشنهاددهنده", "معاونت مسئول", "اعتبار درخواستی (میلیون ریال)"]
    rows = [header, ["R02-9", "احداث ايستگاه آتش نشاني شماره ۲۴", "R02", "D6", "48000"]]
    result = import_projects(xlsx(rows), cycle=cycle)
    assert result.written
    imported = Project.objects.get(cycle=cycle, ref="R02-9")
    pair = OverlapPair.objects.filter(cycle=cycle).involving([imported.pk]).get()
    assert pair.state == State.OPEN
    assert pair.other(imported).title == "احداث ایستگاه آتش‌نشانی شماره ۲۴"


def test_head_sees_the_marker_on_a_project_with_an_open_overlap(client, personas, cycle):
    project = Project.objects.get(cycle=cycle, title="ادامه پیاده‌راه گوهردشت از خیابان ۴ تا ۸")
    client.force_login(personas["head_a"])
    html = client.get(project.get_absolute_url()).content.decode()
    assert "تداخل احتمالی" in html
    assert "ادامه پیاده‌راه گوهردشت (خیابان چهارم تا هشتم)" in html
    assert "کارگروه تخصصی شهرسازی و معماری" in html
    marks = overlap_services.open_overlaps_by_project(project.workgroup, cycle)
    assert marks[project.pk][0].workgroup == "کارگروه تخصصی شهرسازی و معماری"


def test_withdrawn_duplicate_names_the_kept_project(client, personas, cycle):
    pair = pair_of(cycle, "ادامه پیاده‌راه گوهردشت (خیابان")
    kept = Project.objects.get(cycle=cycle, title__startswith="ادامه پیاده‌راه گوهردشت (خیابان")
    overlap_services.overlap_keep_one(pair=pair, keep=kept, user=personas["office"])
    client.force_login(personas["head_a"])
    html = client.get(pair.other(kept).get_absolute_url()).content.decode()
    assert "کنارگذاشته" in html and f"«{kept.title}»" in html
    assert "تداخل احتمالی" not in html


def test_review_page_warns_about_unresolved_overlaps(client, personas, cycle):
    civil = Workgroup.objects.get(slug="civil")
    for position, project in enumerate(Project.objects.for_workgroup(civil, cycle).order_by("pk"), 1):
        Project.objects.filter(pk=project.pk).update(priority=position)
    submission = submissions.submission_submit(
        workgroup=civil, cycle=cycle, kind="priorities", user=personas["head_a"]
    )
    client.force_login(personas["office"])
    html = client.get(submission.get_absolute_url()).content.decode()
    assert "تداخل حل‌نشده با پروژه‌های این کارگروه" in html
    pair = pair_of(cycle, "لایروبی و ساماندهی مسیل‌های منطقه ۸")
    assert pair.get_absolute_url() in html
    # The head does not get the office's warning.
    client.force_login(personas["head_a"])
    assert "تداخل حل‌نشده" not in client.get(submission.get_absolute_url()).content.decode()
    # Resolving civil's pairs removes the warning.
    client.force_login(personas["office"])
    for pair in overlap_services.open_pairs_touching(civil, cycle):
        overlap_services.overlap_mark_distinct(pair=pair, user=personas["office"])
    assert "تداخل حل‌نشده" not in client.get(submission.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("احداث پارک محله ای", "احداث پارك محله اي"),  # Arabic letters
        ("بهسازی پیاده‌رو خیابان چهارم", "بهسازی پیاده رو خیابان چهارم"),  # ZWNJ or space
        ("خرید ۵۰ دستگاه اتوبوس برقی", "خرید 50 دستگاه اتوبوس برقي"),  # digit forms
        ("خرید ۵۰ دستگاه اتوبوس برقی", "خرید ٥٠ دستگاه اتوبوس برقی"),  # Arabic-Indic digits
        ("احداث سالن ورزشی بانوان", "سالن ورزشی بانوان احداث"),  # word order
        ("تــوسعه کتابخانه عمومی", "توسعه کتابخانه عمومی"),  # tatweel
        ("ﺳﺎﻣﺎﻧﺪﻫﻰ ﻣﻌﺎﺑﺮ محله باغستان", "ساماندهی معابر محله باغستان"),  # presentation forms
    ],
)
def test_bad_input_variants_become_pairs(cycle, first, second):
    a = new_project(cycle, first)
    b = new_project(cycle, second, unit="O07")
    overlap_services.overlaps_refresh(cycle=cycle, projects=[a, b])
    assert OverlapPair.objects.filter(first=a, second=b, state=State.OPEN).exists()


def test_look_alikes_with_different_numbers_are_kept_apart(cycle):
    a = new_project(cycle, "احداث پارک محله ۳")
    b = new_project(cycle, "احداث پارک محله ۸", unit="O07")
    overlap_services.overlaps_refresh(cycle=cycle, projects=[a, b])
    assert not OverlapPair.objects.filter(first=a, second=b).exists()


def test_refresh_is_idempotent_and_touching_matches_a_full_run(cycle):
    a = new_project(cycle, "احداث پارک مادر و کودک محله ۴", unit="R04", deputy="D7", amount=40_000)
    touching = overlap_services.overlaps_refresh(cycle=cycle, projects=[a])
    assert touching.created >= 1
    stored = set(OverlapPair.objects.filter(cycle=cycle).values_list("first", "second", "score"))
    again = overlap_services.overlaps_refresh(cycle=cycle)
    assert (again.created, again.updated, again.stale) == (0, 0, 0)
    assert set(OverlapPair.objects.filter(cycle=cycle).values_list("first", "second", "score")) == stored
