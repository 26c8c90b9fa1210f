"""The admin's new-project form: the forecast years follow the cycle chosen in the form (the five
years after its fiscal year, docs/resources.md), not the current cycle's."""

import pytest

from programs.models import Unit
from workgroups.models import AuditEntry, Cycle, Project

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/workgroups/project/add/"


@pytest.fixture
def office(client, personas):
    # Budget office staff add and correct projects in the admin.
    client.force_login(personas["office"])
    return client


def forecast_years_on(response):
    form = response.context["adminform"].form
    return sorted(int(name.removeprefix("forecast_")) for name in form.fields if name.startswith("forecast_"))


def project_data(office, cycle, civil, **extra):
    form = office.get(f"{ADD_URL}?cycle={cycle.pk}").context["adminform"].form
    data = {name: "" for name in form.fields}
    data.update(
        {
            "cycle": cycle.pk,
            "title": "پروژهٔ چندساله افزوده در مدیریت",
            "proposing_unit": Unit.objects.get(code="R01").pk,
            "responsible_deputy": civil.deputy_id,
            "kind": "new",
            "requested_amount": "100",
            "total_estimate": "400",
        }
    )
    data.update(extra)
    return data


def test_the_form_offers_the_years_after_the_chosen_cycle(office, current_cycle):
    old = Cycle.objects.get(fiscal_year=1399)
    assert old != current_cycle
    assert forecast_years_on(office.get(ADD_URL)) == list(
        range(current_cycle.fiscal_year + 1, current_cycle.fiscal_year + 6)
    )
    assert forecast_years_on(office.get(f"{ADD_URL}?cycle={old.pk}")) == [1400, 1401, 1402, 1403, 1404]


def test_a_project_of_an_earlier_cycle_stores_that_cycles_years(office, civil):
    old = Cycle.objects.get(fiscal_year=1399)
    data = project_data(office, old, civil, forecast_1400="200", forecast_1401="100")
    response = office.post(ADD_URL, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    project = Project.objects.get(title="پروژهٔ چندساله افزوده در مدیریت")
    assert project.cycle == old
    assert dict(project.forecasts.values_list("fiscal_year", "amount")) == {1400: 200, 1401: 100}
    assert AuditEntry.objects.filter(action="project.create", project=project).exists()


def test_forecasts_typed_for_another_cycles_years_are_refused_by_name(office, civil, current_cycle):
    old = Cycle.objects.get(fiscal_year=1399)
    count = Project.objects.count()
    # The form was drawn for the current cycle, then the cycle was changed to 1399 before saving.
    data = project_data(office, current_cycle, civil)
    late_year = current_cycle.fiscal_year + 1
    data.update({"cycle": old.pk, f"forecast_{late_year}": "300"})
    response = office.post(ADD_URL, data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    [message] = form.errors["cycle"]
    late = str(late_year).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert f"«پیش‌بینی {late}»" in message and "۱۴۰۰ تا ۱۴۰۴" in message
    # Redrawn with the chosen cycle's years, so the amounts can be typed where they belong.
    assert forecast_years_on(response) == [1400, 1401, 1402, 1403, 1404]
    assert Project.objects.count() == count


def test_an_empty_box_of_another_cycle_is_not_a_problem(office, civil, current_cycle):
    old = Cycle.objects.get(fiscal_year=1399)
    data = project_data(office, current_cycle, civil, total_estimate="")
    data.update({"cycle": old.pk, f"forecast_{current_cycle.fiscal_year + 1}": " "})
    response = office.post(ADD_URL, data)
    assert response.status_code == 302, response.content.decode()[:3000]
