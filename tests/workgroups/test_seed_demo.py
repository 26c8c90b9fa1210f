import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F, Value
from django.db.models.functions import Concat

from programs.models import BudgetCode, ProgramCode, Unit
from workgroups.models import AuditEntry, Cycle, Deadline, Membership, Project, Workgroup, WorkgroupCycle


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


def test_seed_demo_refuses_in_production(db, settings, django_user_model):
    settings.PRODUCTION = True  # DJANGO_DEBUG=false
    django_user_model.objects.update(username=Concat(F("username"), Value("_old")))
    before = counts() | {"users": django_user_model.objects.count()}
    with pytest.raises(CommandError, match="i-know-this-is-production"):
        call_command("seed_demo", "--no-history", stdout=io.StringIO())
    assert counts() | {"users": django_user_model.objects.count()} == before


def test_seed_demo_in_production_on_request_uses_random_passwords(db, settings, django_user_model):
    settings.PRODUCTION = True
    # As on a fresh production database: none of the demo accounts exist yet.
    django_user_model.objects.update(username=Concat(F("username"), Value("_old")))
    Membership.objects.all().delete()
    output = io.StringIO()
    call_command("seed_demo", "--i-know-this-is-production", "--no-history", stdout=output)
    admin = django_user_model.objects.get(username="admin")
    assert admin.is_superuser and not admin.check_password("karaj1399")
    printed = dict(line.split() for line in output.getvalue().splitlines() if line.startswith("  "))
    assert admin.check_password(printed["admin"])
    new_users = django_user_model.objects.exclude(username__endswith="_old")
    assert set(printed) == set(new_users.values_list("username", flat=True)) and len(printed) > 10
    assert not any(user.check_password("karaj1399") for user in new_users[:3])
    assert len(set(printed.values())) == len(printed)
