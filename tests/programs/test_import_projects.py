"""Importing a unit's proposed projects for a cycle."""

import pytest

from programs.models import Unit
from workgroups.importing import import_projects
from workgroups.models import AuditEntry, Cycle, Project

from .workbooks import xlsx

pytestmark = pytest.mark.django_db

HEADER = ["شناسه", "عنوان", "واحد پیشنهاددهنده", "معاونت مسئول", "اعتبار درخواستی (میلیون ریال)"]


def run(rows, *, year=1399, **options):
    return import_projects(xlsx(rows, **options), cycle=Cycle.objects.get(fiscal_year=year))


@pytest.mark.parametrize(
    "unit",
    ["R05", "r5", "منطقه ۵", "منطقه 5", "منطقه پنج", "شهرداری منطقه ۵ کرج", "م۵", "منطقه ۵ شهرداری کرج"],
)
def test_district_name_variants(unit):
    result = run([HEADER, ["T-1", "احداث پارك محله اي", unit, "D6", "۱۲٬۵۰۰"]])
    assert not result.has_errors, result.problems
    project = Project.objects.get(ref="T-1")
    assert project.proposing_unit.code == "R05"
    assert project.title == "احداث پارک محله ای" and project.requested_amount == 12500
    assert project.workgroup.slug == "services"


@pytest.mark.parametrize(
    ("unit", "code"),
    [("سازمان سیما منظر", "O01"), ("سازمان سیما، منظر و فضای سبز شهری", "O01"), ("سازمان اتوبوسرانی", "O05")],
)
def test_organization_aliases_and_default_deputy(unit, code):
    result = run([HEADER, ["T-2", "پروژه", unit, None, "100"]])
    assert not result.has_errors, result.problems
    project = Project.objects.get(ref="T-2")
    assert project.proposing_unit.code == code
    assert project.responsible_deputy == project.proposing_unit.default_deputy


def test_deputy_alias():
    result = run([HEADER, ["T-3", "پروژه", "R01", "معاونت محیط زیست و خدمات شهری", "100"]])
    assert not result.has_errors
    assert Project.objects.get(ref="T-3").responsible_deputy.code == "D6"


def test_district_11_only_from_1400():
    result = run([HEADER, ["T-4", "پروژه", "منطقه ۱۱", "D4", "100"]])
    assert [str(p) for p in result.problems] == [
        "ردیف 2: ستون «واحد پیشنهاددهنده»: واحد «منطقه ۱۱» در سال ۱۳۹۹ وجود ندارد."
    ]
    current = Cycle.objects.exclude(fiscal_year=1399).first()
    assert Unit.objects.get(code="R11").is_valid_in(current.fiscal_year)
    assert not import_projects(
        xlsx([HEADER, ["T-4", "پروژه", "منطقه ۱۱", "D4", "100"]]), cycle=current
    ).has_errors


def test_bad_rows_named_by_row_and_column_and_nothing_saved():
    before = Project.objects.count()
    header = [*HEADER, "پیشرفت فیزیکی", "نوع", "کد بودجه", "کد برنامه عملیاتی"]
    result = run(
        [
            header,
            ["T-5", "   ", "R01", "D4", "100", None, None, None, None],  # 2: empty title
            ["T-6", "پروژه", "منطقه صد", "D4", "100", None, None, None, None],  # 3: unknown unit
            ["T-7", "پروژه ۷", "R01", "D4", "-۵۰۰", None, None, None, None],  # 4: negative
            ["T-8", "پروژه ۸", "R01", "D4", "0", None, None, None, None],  # 5: zero request
            ["T-9", "پروژه ۹", "R01", "D4", "۲/۵", None, None, None, None],  # 6: a fraction
            ["T-10", "پروژه ۱۰", "R01", "D4", "100", "۴۵۰", None, None, None],  # 7: progress
            ["T-11", "پروژه ۱۱", "R01", "D4", "100", None, "شاید", None, None],  # 8: kind
            ["T-12", "پروژه ۱۲", "R01", "D4", "100", None, None, "501", None],  # 9: not a line
            ["T-13", "پروژه ۱۳", "R01", "D4", "100", None, None, "59901001", None],  # 10: unknown
            ["T-14", "پروژه ۱۴", "R01", "D4", "100", None, None, None, "9-9-9"],  # 11: unknown program
            ["T-14", "پروژه ۱۵", "R01", "D4", "100", None, None, None, None],  # 12: duplicate ref
        ]
    )
    rows = {(p.row, p.column) for p in result.problems}
    assert rows == {
        (2, "عنوان"),
        (3, "واحد پیشنهاددهنده"),
        (4, "اعتبار درخواستی (میلیون ریال)"),
        (5, "اعتبار درخواستی (میلیون ریال)"),
        (6, "اعتبار درخواستی (میلیون ریال)"),
        (7, "پیشرفت فیزیکی"),
        (8, "نوع"),
        (9, "کد بودجه"),
        (10, "کد بودجه"),
        (11, "کد برنامه عملیاتی"),
        (12, "شناسه"),
    }
    assert Project.objects.count() == before


def test_values_in_persian_digits_percent_cells_and_codes():
    header = [*HEADER, "پیشرفت فیزیکی", "نوع", "کد بودجه", "کد برنامه عملیاتی", "برآورد کل (میلیون ریال)"]
    rows = [
        header,
        ["T-20", "پروژه", "R07", "D4", "۱۲.۵۰۰", 0.45, "در دست اجرا", "۴۰۱۰۱۰۰۱", "۴-۱-۱-۰۱", "12,500,000"],
    ]
    result = run(rows, percent_cells=["F2"])
    assert not result.has_errors, result.problems
    project = Project.objects.get(ref="T-20")
    assert (project.requested_amount, project.total_estimate, project.physical_progress) == (
        12500,
        12500000,
        45,
    )
    assert project.kind == "ongoing"
    assert (project.budget_code.code, project.program_code.code) == ("40101001", "4-1-1-01")


def test_reimport_by_ref_updates_instead_of_duplicating():
    rows = [HEADER, ["T-30", "پروژه اول", "R02", "D4", "100"], ["T-31", "پروژه دوم", "R02", "D4", "200"]]
    assert run(rows).totals["new"] == 2
    again = run(rows)
    assert again.totals == {"new": 0, "updated": 0, "unchanged": 2, "error": 0}
    rows[1][4] = "150"
    changed = run(rows)
    assert changed.totals["updated"] == 1
    assert Project.objects.filter(ref__in=["T-30", "T-31"]).count() == 2
    assert Project.objects.get(ref="T-30").requested_amount == 150


def test_demo_project_updated_by_its_ref():
    project = Project.objects.get(cycle__fiscal_year=1399, ref="1399-001")
    # Its stored years and source parts would no longer add up to a new request (test_resources.py).
    project.fundings.all().delete()
    project.forecasts.all().delete()
    Project.objects.filter(pk=project.pk).update(spent_before=None)
    rows = [HEADER, ["1399-001", project.title, project.proposing_unit.code, "D4", "900000"]]
    result = run(rows)
    assert result.totals["updated"] == 1
    project.refresh_from_db()
    assert project.requested_amount == 900000 and project.priority is not None  # same list, rank kept


def test_duplicate_titles_without_ref_in_one_unit():
    result = run([HEADER, [None, "احداث پارك", "R03", "D6", "1"], [None, "احداث  پارک", "R03", "D6", "2"]])
    assert [(p.row, p.column) for p in result.problems] == [(3, "عنوان")]


def test_formula_like_titles_are_kept_and_audit_recorded():
    result = run([HEADER, ["T-40", "+۵ پروژه", "R04", "D4", "10"], ["T-41", "@پروژه", "R04", "D4", "10"]])
    assert not result.has_errors
    assert Project.objects.get(ref="T-40").title == "+۵ پروژه"
    assert Project.objects.get(ref="T-41").title == "@پروژه"
    assert AuditEntry.objects.filter(action="import_projects").exists()


def test_command_exit_codes(run_command, tmp_path):
    good = xlsx([HEADER, ["T-50", "پروژه", "R04", "D4", "10"]], path=tmp_path / "good.xlsx")
    code, out, err = run_command("import_projects", str(good), "--cycle", "1399", "--dry-run")
    assert (code, err) == (0, "") and "new=1" in out
    assert not Project.objects.filter(ref="T-50").exists()
    bad = xlsx([HEADER, ["T-51", "پروژه", "R04", "D4", "-1"]], path=tmp_path / "bad.xlsx")
    code, _, err = run_command("import_projects", str(bad), "--cycle", "1399")
    assert code == 1 and err.startswith("ردیف 2: ستون «اعتبار درخواستی (میلیون ریال)»:")


def test_requested_credit_type_column():
    header = [*HEADER, "نوع اعتبار"]
    result = run(
        [
            header,
            ["T-30", "احداث بوستان", "R05", "D6", "100", "تملک دارایی‌های سرمایه‌ای"],
            ["T-31", "تهیه طرح", "R05", "D3", "100", "هزینه ای"],
            ["T-32", "پروژه بی‌نوع", "R05", "D6", "100", None],
        ]
    )
    assert not result.has_errors, result.problems
    types = dict(
        Project.objects.filter(ref__in=["T-30", "T-31", "T-32"]).values_list("ref", "requested_credit_type")
    )
    assert types == {"T-30": "capital", "T-31": "current", "T-32": ""}
    bad = run([header, ["T-33", "پروژه", "R05", "D6", "100", "وام"]])
    assert [str(p) for p in bad.problems] == [
        "ردیف 2: ستون «نوع اعتبار»: نوع اعتبار «وام» شناخته نیست؛ "
        "«تملک دارایی‌های سرمایه‌ای» یا «هزینه‌ای» بنویسید."
    ]
