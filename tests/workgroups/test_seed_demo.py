import datetime
import io

from django.core.management import call_command

from programs.models import BudgetCode, ProgramCode, Unit
from workgroups.models import AuditEntry, Cycle, Deadline, Project, Workgroup, WorkgroupCycle


def counts():
    models = [Unit, Workgroup, Cycle, Deadline, Project, WorkgroupCycle, BudgetCode, ProgramCode, AuditEntry]
    return {model.__name__: model.objects.count() for model in models}


def test_seed_demo_is_idempotent(demo, django_user_model):
    before = counts() | {"users": django_user_model.objects.count()}
    # The suite's data has no 1399 history (tests/conftest.py); test_demo_history.py covers it.
    call_command("seed_demo", "--no-history", stdout=io.StringIO())
    after = counts() | {"users": django_user_model.objects.count()}
    assert before == after


def test_seed_demo_content(demo):
    assert Workgroup.objects.count() == 7
    historical = Cycle.objects.get(fiscal_year=1399)
    current = Cycle.objects.current()
    assert current.fiscal_year > 1399
    for workgroup in Workgroup.objects.all():
        count = Project.objects.filter(cycle=current, workgroup=workgroup).count()
        assert 8 <= count <= 20, workgroup.slug
    # The brief's 22 projects are there as written, coded in the historical cycle.
    train = Project.objects.get(cycle=historical, title__startswith="تکمیل فاز نخست قطار شهری")
    assert train.requested_amount == 1_200_000
    assert train.budget_code.code == "50101001" and train.program_code.code == "5-1-1-01"
    assert train.budget_code.credit_type == "capital"
    # District 1's proposals are split across the civil and services workgroups.
    district_1 = Project.objects.filter(cycle=current, proposing_unit__code="R01")
    slugs = set(district_1.values_list("workgroup__slug", flat=True))
    assert {"civil", "services"} <= slugs
    assert ProgramCode.objects.get(code="5-1-1-01").parent.code == "5-1-1"
    assert BudgetCode.objects.get(code="50101001").parent.code == "50101"


def test_seed_deadlines_are_end_of_tehran_day(demo):
    deadline = Deadline.objects.get(cycle__fiscal_year=1399, kind="priorities")
    # 1398/09/15 23:59:59 Tehran (UTC+03:30 in winter) = 2019-12-06 20:29:59 UTC.
    assert deadline.due_at == datetime.datetime(2019, 12, 6, 20, 29, 59, tzinfo=datetime.UTC)


def test_demo_accounts_share_one_password_hash_and_sign_in(demo, django_user_model):
    # Hashed once per run (hashing is deliberately slow); every account still takes the password.
    users = list(django_user_model.objects.filter(email__endswith="@karaj.local"))
    assert len(users) >= 18
    assert len({user.password for user in users}) == 1
    assert all(user.check_password("karaj1399") for user in users)
