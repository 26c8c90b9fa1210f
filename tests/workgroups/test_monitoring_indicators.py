"""Program indicators (docs/monitoring.md, "Indicators"): a quarter's actual value, who may enter
it, and the year's table with achievement computed by the rules."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from programs.models import Indicator, IndicatorTarget, ProgramCode
from workgroups import access, plan
from workgroups.models import AuditEntry, Cycle, IndicatorActual, Project
from workgroups.monitoring import indicators, rules


@pytest.fixture
def civil_indicator(demo):
    """An increasing indicator of a program of the civil deputy (D4): baseline 10, target 30 in 1399."""
    code = ProgramCode.objects.get(code="4-1-1-01")
    indicator = Indicator.objects.create(
        program_code=code, name="طول بزرگراه ساخته‌شده", measure_unit="کیلومتر", baseline=10
    )
    IndicatorTarget.objects.create(indicator=indicator, fiscal_year=1399, target=30)
    return indicator


@pytest.fixture
def transport_indicator(demo):
    """A decreasing indicator of the transport deputy (D5): baseline 40, target 30 in 1399."""
    code = ProgramCode.objects.get(code="5-1-1-01")
    indicator = Indicator.objects.create(
        program_code=code, name="زمان سفر", measure_unit="دقیقه", baseline=40, direction="decrease"
    )
    IndicatorTarget.objects.create(indicator=indicator, fiscal_year=1399, target=30)
    return indicator


def test_office_records_an_actual_value_and_it_is_audited(civil_indicator, open_quarter, personas):
    period = open_quarter(1)
    indicators.indicator_record_actual(
        indicator=civil_indicator, period=period, value="۱۵٫۵", user=personas["office"]
    )
    actual = IndicatorActual.objects.get(indicator=civil_indicator, period=period)
    assert actual.value == Decimal("15.5") and actual.entered_by == personas["office"]
    # A correction replaces the value and the audit keeps what it was.
    indicators.indicator_record_actual(
        indicator=civil_indicator, period=period, value="16", user=personas["office"]
    )
    assert IndicatorActual.objects.get(indicator=civil_indicator, period=period).value == 16
    entries = list(AuditEntry.objects.filter(action="indicator.actual").order_by("pk"))
    assert [e.details["before"] for e in entries] == [None, "15.5"]
    assert entries[-1].details["after"] == "16"


@pytest.mark.parametrize("typed", ["", "ده", "1.234", "12,3,4x"])
def test_a_bad_value_is_refused_and_nothing_is_written(civil_indicator, open_quarter, personas, typed):
    period = open_quarter(1)
    with pytest.raises(indicators.IndicatorInvalid) as error:
        indicators.indicator_record_actual(
            indicator=civil_indicator, period=period, value=typed, user=personas["office"]
        )
    assert "مقدار واقعی" in str(error.value)
    assert (
        not IndicatorActual.objects.exists()
        and not AuditEntry.objects.filter(action="indicator.actual").exists()
    )


def test_a_quarter_not_opened_is_refused(civil_indicator, open_quarter):
    open_quarter(1)
    with pytest.raises(indicators.IndicatorInvalid, match="گشوده"):
        indicators.period_for(1399, 3)


def test_who_may_record(civil_indicator, personas):
    code = civil_indicator.program_code
    assert access.can_record_indicator(personas["office"], code)
    assert access.can_record_indicator(personas["head_a"], code)  # head of civil, deputy D4
    assert not access.can_record_indicator(personas["member_a"], code)
    assert not access.can_record_indicator(personas["head_b"], code)
    with pytest.raises(Http404):
        access.get_indicator_for_user(personas["head_b"], civil_indicator.pk)
    with pytest.raises(PermissionDenied):
        access.get_indicator_for_user(personas["member_a"], civil_indicator.pk, write=True)
    with pytest.raises(PermissionDenied):
        access.indicator_deputies(personas["expert"])


def test_table_uses_the_rules_for_achievement(civil_indicator, transport_indicator, open_quarter, personas):
    q1, q2 = open_quarter(1), open_quarter(2)
    office = personas["office"]
    indicators.indicator_record_actual(indicator=civil_indicator, period=q1, value="15", user=office)
    indicators.indicator_record_actual(indicator=civil_indicator, period=q2, value="36", user=office)
    indicators.indicator_record_actual(indicator=transport_indicator, period=q1, value="42", user=office)
    rows = {row.indicator.pk: row for row in indicators.indicator_table(1399)}
    civil = rows[civil_indicator.pk]
    assert civil.target == 30 and civil.actuals == {1: 15, 2: 36}
    assert (
        civil.achievement == rules.achievement(baseline=10, target=30, actual=36, direction="increase") == 130
    )
    assert [q[2] for q in civil.quarters] == [25, 130, None, None]
    transport = rows[transport_indicator.pk]
    assert transport.achievement == -20  # moved the wrong way: not clipped


def test_table_query_count_is_fixed(civil_indicator, open_quarter, personas, django_assert_num_queries):
    period = open_quarter(1)
    indicators.indicator_record_actual(
        indicator=civil_indicator, period=period, value="12", user=personas["office"]
    )
    with django_assert_num_queries(3):
        assert len(indicators.indicator_table(1399)) == 1
    code = civil_indicator.program_code
    for number in range(30):
        extra = Indicator.objects.create(
            program_code=code, name=f"شاخص {number}", measure_unit="عدد", baseline=0
        )
        IndicatorTarget.objects.create(indicator=extra, fiscal_year=1399, target=10)
        IndicatorActual.objects.create(indicator=extra, period=period, value=number)
    with django_assert_num_queries(3):
        assert len(indicators.indicator_table(1399)) == 31


# Session, user, office permission (user, groups), the opened quarters of the default year, the
# table's three queries, the opened quarters shown in the forms.
PAGE_QUERIES = 8


def test_page_query_count_is_fixed(
    client, civil_indicator, open_quarter, personas, django_assert_num_queries
):
    period = open_quarter(1)
    client.force_login(personas["office"])
    url = reverse("workgroups:indicator-list") + "?year=1399"
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(url)
    body = response.content.decode()
    assert "طول بزرگراه ساخته‌شده" in body and "هدف سال" in body
    assert ">۳۰<" in body and ">۱۰<" in body  # target and baseline, Persian digits, no "3E+1"
    for number in range(20):
        extra = Indicator.objects.create(
            program_code=civil_indicator.program_code, name=f"شاخص {number}", measure_unit="عدد", baseline=0
        )
        IndicatorActual.objects.create(indicator=extra, period=period, value=number)
    with django_assert_num_queries(PAGE_QUERIES):
        client.get(url)


def test_head_records_through_the_page_and_sees_only_its_deputy(
    client, civil_indicator, transport_indicator, open_quarter, personas
):
    open_quarter(1)
    client.force_login(personas["head_a"])
    body = client.get(reverse("workgroups:indicator-list") + "?year=۱۳۹۹").content.decode()
    assert "طول بزرگراه ساخته‌شده" in body and "زمان سفر" not in body
    response = client.post(
        reverse("workgroups:indicator-actual", args=[civil_indicator.pk]),
        {"year": "1399", "quarter": "1", "value": "۱۸"},
        follow=True,
    )
    assert "ثبت شد" in response.content.decode()
    assert IndicatorActual.objects.get(indicator=civil_indicator).value == 18
    response = client.post(
        reverse("workgroups:indicator-actual", args=[civil_indicator.pk]),
        {"year": "1399", "quarter": "1", "value": "بسیار"},
        follow=True,
    )
    assert "ستون «مقدار واقعی»" in response.content.decode()
    assert IndicatorActual.objects.get(indicator=civil_indicator).value == 18


def test_plan_page_lists_projects_whose_program_has_no_indicator(client, civil_indicator, personas):
    cycle = Cycle.objects.current()
    measured, unmeasured, uncoded = Project.objects.filter(cycle=cycle, workgroup__slug="civil")[:3]
    Project.objects.filter(pk=measured.pk).update(program_code=civil_indicator.program_code)
    Project.objects.filter(pk=unmeasured.pk).update(program_code=ProgramCode.objects.get(code="4-1-2-01"))
    Project.objects.filter(pk=uncoded.pk).update(program_code=None)
    assert [p.pk for p in plan.without_indicator(cycle)] == [unmeasured.pk]
    client.force_login(personas["office"])
    body = client.get(reverse("workgroups:plan-slice")).content.decode()
    table = body.split("data-without-indicator")[1].split("</table>")[0]
    assert f'data-project-id="{unmeasured.pk}"' in table
    assert f'data-project-id="{measured.pk}"' not in table and f'data-project-id="{uncoded.pk}"' not in table
