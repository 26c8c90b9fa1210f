"""A unit's proposal form: the reference is stored as the import stores it, and an identical
proposal (the browser's Back and «ذخیره» again) is stopped at entry until the person confirms."""

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from programs.models import Unit
from tests.programs.workbooks import xlsx
from workgroups.exporting import export_coded_list
from workgroups.importing import import_projects
from workgroups.models import Cycle, Project

pytestmark = pytest.mark.django_db

HEADER = ["شناسه", "عنوان", "واحد پیشنهاددهنده", "معاونت مسئول", "اعتبار درخواستی (میلیون ریال)"]


def proposal(**changes):
    data = {
        "title": "بهسازی پیاده‌رو خیابان شهید بهشتی",
        "responsible_deputy": Unit.objects.get(code="D6").pk,
        "kind": "new",
        "requested_amount": "۱۲۰",
        "ref": "",
    }
    return {**data, **changes}


def test_reference_typed_in_persian_digits_is_stored_as_the_import_stores_it(client, personas):
    client.force_login(personas["expert"])
    response = client.post(reverse("workgroups:project-create"), proposal(ref="r01-۱۴۰۶-۰۱"))
    assert response.status_code == 302, response.content.decode()
    project = Project.objects.get(title="بهسازی پیاده‌رو خیابان شهید بهشتی")
    assert project.ref == "R01-1406-01"

    # Re-importing the same project from the unit's sheet updates it, it does not create a second.
    cycle = Cycle.objects.current()
    row = ["R01-1406-01", project.title, "R01", "D6", "120"]
    result = import_projects(xlsx([HEADER, row]), cycle=cycle)
    assert result.totals["new"] == 0 and result.totals["unchanged"] == 1, result.problems
    assert Project.objects.filter(cycle=cycle, proposing_unit__code="R01", ref="R01-1406-01").count() == 1


def test_reference_edit_is_normalised_and_a_bad_one_named(client, personas):
    client.force_login(personas["expert"])
    client.post(reverse("workgroups:project-create"), proposal(ref="a-۷"))
    project = Project.objects.get(ref="A-7")
    too_long = client.post(
        reverse("workgroups:project-edit", args=[project.pk]), proposal(ref="۱" * 65, title=project.title)
    )
    assert too_long.status_code == 200
    assert "شناسه بیش از ۶۴ نویسه است." in too_long.content.decode()
    project.refresh_from_db()
    assert project.ref == "A-7"


def test_export_shows_every_reference_in_one_form(client, personas, tmp_path):
    client.force_login(personas["expert"])
    client.post(reverse("workgroups:project-create"), proposal(ref="R01-۱۴۰۶-۰۲"))
    output = tmp_path / "out.xlsx"
    export_coded_list(cycle=Cycle.objects.current(), output=output)
    sheet = load_workbook(output)["فهرست تلفیقی"]
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "R01-1406-02" in values and "R01-۱۴۰۶-۰۲" not in values


def test_back_and_save_again_is_stopped_with_a_warning(client, personas):
    client.force_login(personas["expert"])
    url = reverse("workgroups:project-create")
    assert client.post(url, proposal()).status_code == 302
    again = client.post(url, proposal(title="بهسازی پیاده رو  خیابان شهید بهشتى"))
    assert again.status_code == 200
    page = again.content.decode()
    assert "واحد شما پیشنهادی با همین عنوان در این دوره دارد" in page
    assert 'name="confirm_duplicate"' in page
    assert Project.objects.filter(title="بهسازی پیاده‌رو خیابان شهید بهشتی").count() == 1


def test_a_different_project_with_the_same_title_is_saved_once_confirmed(client, personas):
    client.force_login(personas["expert"])
    url = reverse("workgroups:project-create")
    client.post(url, proposal())
    confirmed = client.post(url, proposal(confirm_duplicate="on", requested_amount="80"))
    assert confirmed.status_code == 302
    assert Project.objects.filter(title="بهسازی پیاده‌رو خیابان شهید بهشتی").count() == 2


def test_same_title_in_another_unit_is_not_a_duplicate(client, personas, django_user_model):
    client.force_login(personas["expert"])
    client.post(reverse("workgroups:project-create"), proposal())
    client.force_login(django_user_model.objects.get(username="expert_o06"))
    response = client.post(reverse("workgroups:project-create"), proposal())
    assert response.status_code == 302
