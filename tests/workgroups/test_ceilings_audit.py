"""Ceiling changes (the list's, each credit type's, each funding source's) are audited wherever the
office makes them: the admin's cycle page, the source ceilings' admin, and the one service they call
(`services.ceilings_set`)."""

import pytest

from programs.models import FundingSource
from workgroups import services
from workgroups.locks import ListInvalid
from workgroups.models import AuditEntry, Cycle, SourceCeiling, Workgroup, WorkgroupCycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(client, personas):
    # Budget office staff set up cycles and ceilings in the admin.
    client.force_login(personas["office"])
    return client


@pytest.fixture
def cycle_1410():
    """A cycle without deadlines, so that its admin page's forms are only the cycle and its lists."""
    cycle = Cycle.objects.create(fiscal_year=1410, title="بودجه ۱۴۱۰")
    WorkgroupCycle.objects.create(
        workgroup=Workgroup.objects.get(slug="civil"), cycle=cycle, capital_ceiling=1000, current_ceiling=500
    )
    return cycle


def form_data(response):
    """What the admin page would post back unchanged: the main form and every inline's forms."""

    def value(bound):
        raw = bound.value()
        if raw is None:
            return ""
        if hasattr(raw, "pk"):
            return raw.pk
        return raw

    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        if form[name].value() is True:
            data[name] = "on"
        elif form[name].value() is not False:
            data[name] = value(form[name])
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = value(formset.management_form[name])
        for row in formset.forms:
            for name in row.fields:
                data[row.add_prefix(name)] = value(row[name])
    return data


def change_url(cycle):
    return f"/admin/workgroups/cycle/{cycle.pk}/change/"


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def test_changing_a_type_ceiling_in_the_admin_is_audited(office, personas, cycle_1410):
    data = form_data(office.get(change_url(cycle_1410)))
    data["workgroups-0-capital_ceiling"] = "2500"
    response = office.post(change_url(cycle_1410), data)
    assert response.status_code == 302, response.content.decode()[:3000]

    share = WorkgroupCycle.objects.get(cycle=cycle_1410)
    assert (share.capital_ceiling, share.current_ceiling) == (2500, 500)
    [entry] = entries("ceiling.change")
    assert entry.actor == personas["office"]
    assert entry.workgroup.slug == "civil" and entry.cycle == cycle_1410
    assert entry.details == {"before": {"capital_ceiling": 1000}, "after": {"capital_ceiling": 2500}}
    assert "۱٬۰۰۰" in entry.summary and "۲٬۵۰۰" in entry.summary
    assert entry.get_action_display() == "تغییر سقف اعتبار"


def test_saving_the_cycle_unchanged_writes_no_ceiling_entry(office, cycle_1410):
    response = office.post(change_url(cycle_1410), form_data(office.get(change_url(cycle_1410))))
    assert response.status_code == 302
    assert entries("ceiling.change") == []


def test_adding_a_workgroup_row_in_the_admin_is_audited(office, cycle_1410):
    data = form_data(office.get(change_url(cycle_1410)))
    transport = Workgroup.objects.get(slug="transport")
    data.update(
        {
            "workgroups-TOTAL_FORMS": "2",
            "workgroups-1-workgroup": transport.pk,
            "workgroups-1-credit_ceiling": "0",
            "workgroups-1-capital_ceiling": "700",
            "workgroups-1-current_ceiling": "0",
            "workgroups-1-cycle": cycle_1410.pk,
        }
    )
    response = office.post(change_url(cycle_1410), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert WorkgroupCycle.objects.get(cycle=cycle_1410, workgroup=transport).capital_ceiling == 700
    [entry] = entries("ceiling.change")
    assert entry.workgroup == transport
    assert entry.details["after"] == {"capital_ceiling": 700}


def test_a_row_keeps_its_workgroup(office, cycle_1410):
    data = form_data(office.get(change_url(cycle_1410)))
    data["workgroups-0-workgroup"] = Workgroup.objects.get(slug="transport").pk
    response = office.post(change_url(cycle_1410), data)
    assert response.status_code == 200
    assert "کارگروهِ یک ردیف ثبت‌شده تغییر نمی‌کند" in response.content.decode()
    assert WorkgroupCycle.objects.get(cycle=cycle_1410).workgroup.slug == "civil"
    assert entries("ceiling.change") == []


def test_source_ceilings_in_the_admin_are_audited_when_added_changed_and_deleted(office, cycle_1410):
    share = WorkgroupCycle.objects.get(cycle=cycle_1410)
    source = FundingSource.objects.order_by("position").first()
    response = office.post(
        "/admin/workgroups/sourceceiling/add/", {"share": share.pk, "source": source.pk, "amount": "300"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    row = SourceCeiling.objects.get(share=share, source=source)
    assert row.amount == 300

    response = office.post(f"/admin/workgroups/sourceceiling/{row.pk}/change/", {"amount": "450"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert SourceCeiling.objects.get(pk=row.pk).amount == 450

    response = office.post(f"/admin/workgroups/sourceceiling/{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not SourceCeiling.objects.filter(pk=row.pk).exists()

    assert [entry.details["sources"] for entry in entries("ceiling.source")] == [
        [[source.name, None, 300]],
        [[source.name, 300, 450]],
        [[source.name, 450, None]],
    ]
    assert all(entry.workgroup_id == share.workgroup_id for entry in entries("ceiling.source"))
    assert entries("ceiling.source")[0].get_action_display() == "تغییر سقف منبع تأمین"


def test_bulk_delete_of_source_ceilings_is_audited(office, cycle_1410):
    share = WorkgroupCycle.objects.get(cycle=cycle_1410)
    sources = list(FundingSource.objects.order_by("position")[:2])
    rows = [SourceCeiling.objects.create(share=share, source=source, amount=100) for source in sources]
    response = office.post(
        "/admin/workgroups/sourceceiling/",
        {"action": "delete_selected", "_selected_action": [row.pk for row in rows], "post": "yes"},
    )
    assert response.status_code == 302
    assert not SourceCeiling.objects.filter(share=share).exists()
    assert len(entries("ceiling.source")) == 2


def test_the_service_refuses_a_negative_ceiling_and_writes_nothing(personas, cycle_1410):
    civil = Workgroup.objects.get(slug="civil")
    with pytest.raises(ListInvalid, match="سقف اعتبار هزینه‌ای"):
        services.ceilings_set(
            workgroup=civil,
            cycle=cycle_1410,
            user=personas["office"],
            ceilings={"capital_ceiling": 9, "current_ceiling": -1},
        )
    assert WorkgroupCycle.objects.get(cycle=cycle_1410).capital_ceiling == 1000
    assert entries("ceiling.change") == []


def test_the_service_creates_the_list_row_when_missing(personas, cycle_1410):
    social = Workgroup.objects.get(slug="social")
    share = services.ceilings_set(
        workgroup=social, cycle=cycle_1410, user=personas["office"], ceilings={"credit_ceiling": 5000}
    )
    assert share.pk and WorkgroupCycle.objects.get(workgroup=social, cycle=cycle_1410).credit_ceiling == 5000
    assert entries("ceiling.change")[0].details == {
        "before": {"credit_ceiling": 0},
        "after": {"credit_ceiling": 5000},
    }
