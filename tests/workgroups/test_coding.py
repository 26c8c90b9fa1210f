"""Coding the list: the rules, the warnings, suggestions, bulk, the page and its saves, and the
check before the coded list is submitted."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programs.models import BudgetCode, ProgramCode
from workgroups import coding, locks, submissions, suggestions
from workgroups.models import AuditEntry, Project, Submission


@pytest.fixture
def civil_projects(civil, current_cycle):
    return coding.coding_projects(workgroup=civil, cycle=current_cycle)


@pytest.fixture
def head(personas):
    return personas["head_a"]


def code_all(projects, head, program="4-1-2-01", budget="40301001"):
    for project in projects:
        coding.project_code(project=project, program_code=program, budget_code=budget, user=head)


def submit_priorities(civil, cycle, head, rank_all):
    rank_all(civil, cycle)
    return submissions.submission_submit(workgroup=civil, cycle=cycle, kind="priorities", user=head)


# ---- Rules ----------------------------------------------------------------------------------------


def test_a_project_is_coded_when_both_codes_are_set(civil_projects, head):
    project = civil_projects[0]
    project = coding.project_code(project=project, program_code="4-1-1-01", user=head)
    assert not project.is_coded
    project = coding.project_code(project=project, budget_code="40101001", user=head)
    project.refresh_from_db()
    assert project.is_coded
    assert (project.program_code.code, project.budget_code.code) == ("4-1-1-01", "40101001")


@pytest.mark.parametrize(
    "typed", ["۴۰۱۰۱۰۰۱", "٤٠١٠١٠٠١", "۴-۰۱-۰۱-۰۰۱", "4/01/01/001", "4 01 01 001", " 40101001 "]
)
def test_budget_code_typed_in_any_digit_form(civil_projects, head, typed):
    project = coding.project_code(project=civil_projects[0], budget_code=typed, user=head)
    assert project.budget_code.code == "40101001"


@pytest.mark.parametrize("typed", ["۴-۱-۱-۰۱", "4/1/1/01", "٤-١-١-٠١"])
def test_program_code_typed_in_any_digit_form(civil_projects, head, typed):
    project = coding.project_code(project=civil_projects[0], program_code=typed, user=head)
    assert project.program_code.code == "4-1-1-01"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("401", "ردیف بودجه نیست"),  # a program of the circular, not a line
        ("40101", "ردیف بودجه نیست"),  # a sub-program
        ("4O101001", "حرف لاتین"),  # Latin O for a zero
        ("59901001", "در جدول کدها نیست"),  # does not exist
        ("4.01.01.001", "نقطه"),
        ("40101001.0", "اعشاری"),
        ("4010100", "رقمی است"),  # a digit lost
    ],
)
def test_bad_budget_codes_are_refused_with_a_reason(civil_projects, head, typed, message):
    project = civil_projects[0]
    with pytest.raises(coding.CodingError, match=message):
        coding.project_code(project=project, budget_code=typed, user=head)
    project.refresh_from_db()
    assert project.budget_code_id is None


def test_program_code_must_be_an_operational_program(civil_projects, head):
    with pytest.raises(coding.CodingError, match="برنامه عملیاتی نیست"):
        coding.project_code(project=civil_projects[0], program_code="4-1", user=head)


def test_inactive_and_out_of_year_codes_are_refused(civil_projects, head, current_cycle):
    BudgetCode.objects.filter(code="40101001").update(is_active=False)
    with pytest.raises(coding.CodingError, match="فعال نیست"):
        coding.project_code(project=civil_projects[0], budget_code="40101001", user=head)
    BudgetCode.objects.filter(code="40301001").update(valid_to_year=current_cycle.fiscal_year - 1)
    with pytest.raises(coding.CodingError, match="بخشنامه بودجه سال"):
        coding.project_code(project=civil_projects[0], budget_code="40301001", user=head)
    ProgramCode.objects.filter(code="4-1-1-01").update(valid_from_year=current_cycle.fiscal_year + 1)
    with pytest.raises(coding.CodingError, match="معتبر نیست"):
        coding.project_code(project=civil_projects[0], program_code="4-1-1-01", user=head)


def test_credit_type_mismatch_is_a_warning_not_an_error(civil_projects, head):
    project = next(p for p in civil_projects if p.requested_credit_type == "capital")
    project = coding.project_code(
        project=project, program_code="7-2-1-01", budget_code="60401002", user=head
    )  # a current line
    assert project.is_coded
    warnings = coding.coding_warnings(project)
    assert any("تملک دارایی‌های سرمایه‌ای" in w and "هزینه‌ای" in w for w in warnings)


def test_study_project_on_a_capital_line_is_a_warning(civil_projects, head):
    project = civil_projects[0]
    Project.objects.filter(pk=project.pk).update(title="مطالعه طرح تقاطع", requested_credit_type="")
    project.refresh_from_db()
    project = coding.project_code(project=project, budget_code="40201001", user=head)
    assert any("مطالعاتی" in w for w in coding.coding_warnings(project))


def test_only_the_head_codes(civil_projects, personas):
    for persona in ("member_a", "office", "head_b"):
        with pytest.raises(PermissionDenied):
            coding.project_code(project=civil_projects[0], program_code="4-1-1-01", user=personas[persona])
    assert coding.project_code(
        project=civil_projects[0], program_code="4-1-1-01", user=personas["admin"]
    ).program_code_id


def test_another_lists_project_is_refused(civil_projects, head, transport, current_cycle):
    other = Project.objects.for_workgroup(transport, current_cycle).first()
    with pytest.raises(coding.CodingError, match="در این فهرست نیست"):
        coding.projects_code_bulk(projects=[civil_projects[0], other], program_code="4-1-1-01", user=head)
    assert Project.objects.get(pk=civil_projects[0].pk).program_code_id is None


def test_coding_is_audited_with_before_and_after(civil_projects, head):
    project = coding.project_code(project=civil_projects[0], budget_code="40101001", user=head)
    coding.project_code(project=project, budget_code="40201001", user=head)
    entry = AuditEntry.objects.filter(project=project, action="project.code").first()
    assert entry.actor == head
    assert entry.details == {
        "before": {"program_code": None, "budget_code": "40101001"},
        "after": {"program_code": None, "budget_code": "40201001"},
    }


def test_a_stale_page_gets_a_conflict(civil_projects, head):
    project = civil_projects[0]
    coding.project_code(project=project, budget_code="40101001", user=head)
    with pytest.raises(coding.CodingConflict):
        coding.project_code(
            project=project, budget_code="40201001", user=head, expected={"budget_code": None}
        )
    assert Project.objects.get(pk=project.pk).budget_code.code == "40101001"


def test_bulk_applies_one_code_and_keeps_the_other(civil_projects, head):
    first, second = civil_projects[:2]
    coding.project_code(project=first, budget_code="40101001", user=head)
    coding.projects_code_bulk(projects=[first, second], program_code="4-1-2-01", user=head)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.program_code.code == second.program_code.code == "4-1-2-01"
    assert first.budget_code.code == "40101001" and second.budget_code_id is None
    with pytest.raises(coding.CodingError):
        coding.projects_code_bulk(projects=[first], user=head)


# ---- Locks and submission -------------------------------------------------------------------------


def test_submitting_is_refused_while_any_project_is_uncoded(
    civil, current_cycle, head, rank_all, civil_projects
):
    submit_priorities(civil, current_cycle, head, rank_all)
    code_all(civil_projects[:-2], head)
    with pytest.raises(submissions.SubmissionError) as refused:
        submissions.submission_submit(workgroup=civil, cycle=current_cycle, kind="coding", user=head)
    problem = " ".join(refused.value.problems)
    assert "۲ پروژه هنوز کدگذاری نشده است" in problem
    for project in civil_projects[-2:]:
        assert project.title in problem
    assert not Submission.objects.filter(workgroup=civil, cycle=current_cycle, kind="coding").exists()


def test_coded_list_submitted_then_locked(civil, current_cycle, head, rank_all, civil_projects):
    submit_priorities(civil, current_cycle, head, rank_all)
    code_all(civil_projects, head)
    submission = submissions.submission_submit(workgroup=civil, cycle=current_cycle, kind="coding", user=head)
    assert all(item["budget_code"] == "40301001" for item in submission.projects)
    with pytest.raises(locks.ListLocked, match="قفل"):
        coding.project_code(project=civil_projects[0], budget_code="40101001", user=head)
    submissions.submission_accept(submission=submission, user=None)
    with pytest.raises(locks.ListLocked, match="پذیرفته شده"):
        coding.project_code(project=civil_projects[0], budget_code="40101001", user=head)


# ---- Suggestions ----------------------------------------------------------------------------------


def test_suggestions_come_from_similar_titles_and_are_never_applied(civil_projects, current_cycle):
    # The 1399 cycle has the same projects, coded: each uncoded twin is offered its codes.
    offered = suggestions.suggestions_for(civil_projects, cycle=current_cycle)
    project = next(p for p in civil_projects if p.title.startswith("تکمیل بزرگراه شمالی"))
    first = offered[project.pk][0]
    assert (first.program_code.code, first.budget_code.code) == ("4-1-1-01", "40101001")
    assert len(offered[project.pk]) <= 2
    assert Project.objects.get(pk=project.pk).program_code_id is None


def test_suggestions_skip_codes_no_longer_usable(civil_projects, current_cycle):
    BudgetCode.objects.filter(code="40101001").update(is_active=False)
    offered = suggestions.suggestions_for(civil_projects, cycle=current_cycle)
    project = next(p for p in civil_projects if p.title.startswith("تکمیل بزرگراه شمالی"))
    assert all(s.budget_code.code != "40101001" for s in offered.get(project.pk, []))


# ---- The page -------------------------------------------------------------------------------------


def page_url(slug="civil"):
    return reverse("workgroups:coding-edit", args=[slug])


def test_page_shows_every_project_with_paths(client, head, civil_projects):
    coding.project_code(project=civil_projects[0], program_code="4-1-1-01", budget_code="40101001", user=head)
    client.force_login(head)
    html = client.get(page_url()).content.decode()
    assert html.count('<li class="coding-item') == len(civil_projects)
    assert "تکمیل حلقه‌های بزرگراهی" in html  # the strategy above 4-1-1-01
    assert '<bdi class="code">۴۰۱۰۱۰۰۱</bdi>' in html
    assert "اعمال کد به موارد انتخاب‌شده" in html


def test_head_rows_come_closed_and_one_opens_by_its_link(client, head, civil_projects):
    client.force_login(head)
    html = client.get(page_url()).content.decode()
    assert "coding-form" not in html
    assert html.count('data-role="edit"') == len(civil_projects)
    project = civil_projects[3]
    link = f'href="?edit={project.pk}#project-{project.pk}"'
    assert link in html
    opened = client.get(page_url(), {"edit": str(project.pk)}).content.decode()
    assert opened.count('class="coding-form"') == 1
    assert f'action="/workgroups/civil/coding/{project.pk}/"' in opened
    assert f'id="program-{project.pk}"' in opened
    # Persian digits are read; anything else opens no row and is no error.
    persian = str(project.pk).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert client.get(page_url(), {"edit": persian}).content.decode().count('class="coding-form"') == 1
    for junk in ["x", "-1", "99999999", "1e3"]:
        response = client.get(page_url(), {"edit": junk})
        assert response.status_code == 200 and "coding-form" not in response.content.decode()


def test_opening_a_row_answers_the_open_row_or_leads_to_the_page(client, head, civil_projects):
    project = civil_projects[0]
    url = reverse("workgroups:coding-project", args=["civil", project.pk])
    client.force_login(head)
    response = client.get(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    row = response.json()["html"]
    assert row.startswith(f'<li class="coding-item" id="project-{project.pk}"')
    assert row.count('class="coding-form"') == 1 and 'data-role="edit"' not in row
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{page_url()}?edit={project.pk}#project-{project.pk}"
    assert not AuditEntry.objects.filter(action__startswith="project.code").exists()


def test_a_locked_list_opens_no_row(client, civil, current_cycle, head, rank_all, civil_projects):
    submit_priorities(civil, current_cycle, head, rank_all)
    code_all(civil_projects, head)
    submissions.submission_submit(workgroup=civil, cycle=current_cycle, kind="coding", user=head)
    client.force_login(head)
    url = reverse("workgroups:coding-project", args=["civil", civil_projects[0].pk])
    response = client.get(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 423
    assert "قفل" in response.json()["error"]
    html = client.get(page_url(), {"edit": str(civil_projects[0].pk)}).content.decode()
    assert "coding-form" not in html and 'data-role="edit"' not in html


def test_a_refused_no_js_save_opens_its_row_again(client, head, civil_projects):
    project = civil_projects[0]
    client.force_login(head)
    response = client.post(
        reverse("workgroups:coding-project", args=["civil", project.pk]), {"budget_code": "12345678"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{page_url()}?edit={project.pk}#project-{project.pk}"
    page = client.get(response["Location"]).content.decode()
    assert "در جدول کدها نیست" in page and page.count('class="coding-form"') == 1


# Session, user, workgroup and membership, cycle, the list, deadlines and submissions of the coding
# list (once, for the state and the lock), code paths (one query per level) and the suggestions'
# pool and usable codes.
PAGE_QUERIES = 18


def test_page_query_count_does_not_grow_with_the_list(
    client, head, civil, current_cycle, django_assert_num_queries
):
    client.force_login(head)
    projects = coding.coding_projects(workgroup=civil, cycle=current_cycle)
    code_all(projects[:3], head)
    client.get(page_url())  # warm up (session, content types)
    with CaptureQueriesContext(connection) as few:
        client.get(page_url())
    code_all(projects[3:], head, program="4-1-1-01", budget="40201001")
    with CaptureQueriesContext(connection) as many:
        client.get(page_url())
    assert len(many) <= len(few)
    with django_assert_num_queries(PAGE_QUERIES):
        client.get(page_url())


def test_member_sees_codes_read_only(client, personas, civil_projects):
    client.force_login(personas["member_a"])
    html = client.get(page_url()).content.decode()
    assert "coding-form" not in html and "bulk-form" not in html
    assert "کد نشده" in html


def test_no_js_form_saves_codes_typed_in_persian_digits(client, head, civil_projects):
    project = civil_projects[0]
    client.force_login(head)
    response = client.post(
        reverse("workgroups:coding-project", args=["civil", project.pk]),
        {
            "program_code": "۴-۱-۱-۰۱",
            "budget_code": "۴۰۱۰۱۰۰۱",
            "was_program_code": "",
            "was_budget_code": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#project-{project.pk}")
    project.refresh_from_db()
    assert project.is_coded


def test_json_save_returns_the_row_and_counts(client, head, civil_projects):
    project = civil_projects[0]
    client.force_login(head)
    budget = BudgetCode.objects.get(code="40101001")
    response = client.post(
        reverse("workgroups:coding-project", args=["civil", project.pk]),
        {"budget_code_id": budget.pk},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    payload = response.json()
    assert payload["ok"] and not payload["coded"]
    assert f'id="project-{project.pk}"' in payload["html"]
    assert payload["coded_count"] == 0 and payload["total"] == len(civil_projects)


# The write (the list's lock, its state, both codes, the project, the audit entry) and the answer:
# counts and the state box, the row with its suggestions and code paths.
SAVE_QUERIES = 32


def test_a_saves_answer_reads_the_list_in_queries_that_do_not_grow_with_it(
    client, head, civil_projects, rank_all, civil, current_cycle
):
    # The state box is drawn from the projects' titles, ranks and code ids alone
    # (views.coding.STATE_FIELDS): a field read past them would cost a query per project.
    client.force_login(head)
    rank_all(civil, current_cycle)

    def save(project):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                reverse("workgroups:coding-project", args=["civil", project.pk]),
                {"program_code": "4-1-1-01", "budget_code": "40101001"},
                HTTP_ACCEPT="application/json",
            )
        assert response.status_code == 200
        return len(queries), response.json()

    few, _ = save(civil_projects[0])
    code_all(civil_projects[1:-1], head)
    many, payload = save(civil_projects[-1])
    assert many <= few == SAVE_QUERIES
    assert payload["coded_count"] == payload["total"] == len(civil_projects)
    assert "هنوز کدگذاری نشده" not in payload["status_html"]


def test_json_save_of_a_bad_code_is_a_400_with_the_reason(client, head, civil_projects):
    client.force_login(head)
    response = client.post(
        reverse("workgroups:coding-project", args=["civil", civil_projects[0].pk]),
        {"budget_code": "5l101001"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert "حرف لاتین" in response.json()["message"]


def test_bulk_view(client, head, civil_projects):
    client.force_login(head)
    ids = [p.pk for p in civil_projects[:3]]
    response = client.post(
        reverse("workgroups:coding-bulk", args=["civil"]),
        {"projects": ids, "program_code": "", "budget_code": "40301001"},
        follow=True,
    )
    assert "کد به ۳ پروژه اعمال شد" in response.content.decode()
    assert set(Project.objects.filter(pk__in=ids).values_list("budget_code__code", flat=True)) == {"40301001"}


def test_submit_view_refusal_names_uncoded_projects(
    client, head, civil, current_cycle, rank_all, civil_projects
):
    submit_priorities(civil, current_cycle, head, rank_all)
    client.force_login(head)
    response = client.post(reverse("workgroups:coding-submit", args=["civil"]), follow=True)
    html = response.content.decode()
    assert "هنوز کدگذاری نشده است" in html
    assert civil_projects[0].title in html


def test_write_urls_refuse_other_roles(client, personas, civil_projects):
    url = reverse("workgroups:coding-project", args=["civil", civil_projects[0].pk])
    for persona, expected in (("member_a", 403), ("office", 403), ("head_b", 404), ("expert", 404)):
        client.force_login(personas[persona])
        assert client.post(url, {"program_code": "4-1-1-01"}).status_code == expected, persona
    assert Project.objects.get(pk=civil_projects[0].pk).program_code_id is None


def test_json_save_of_an_unknown_code_shows_the_error_on_its_field(client, head, civil_projects):
    project = civil_projects[5]
    coding.project_code(project=project, budget_code="40301001", user=head)
    client.force_login(head)
    response = client.post(
        reverse("workgroups:coding-project", args=["civil", project.pk]),
        {"program_code": "", "budget_code": "12345678", "was_budget_code": str(project.budget_code_id or "")},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    html = response.json()["html"]
    assert f'id="budget-{project.pk}-error"' in html and "«12345678» در جدول کدها نیست" in html
    assert 'value="12345678"' in html and 'aria-invalid="true"' in html
    # The old code's path is not shown under the field as if it were the typed one.
    assert "ذخیره نشد؛ کد ذخیره‌شده" in html
    assert f'id="program-{project.pk}-error"' not in html
