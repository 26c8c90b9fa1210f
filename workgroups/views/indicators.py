"""Program indicators (docs/monitoring.md, "Indicators"): the year's table of indicators with
baseline, target, the actual value of each quarter and achievement, and the entry of an actual
value by the office or the head of the program's responsible deputy's workgroup."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from karaj_budget.persian import to_ascii_digits
from workgroups import access
from workgroups.monitoring import indicators, rules


def _year(raw):
    year = to_ascii_digits(raw or "").strip()
    return int(year) if year.isdigit() and len(year) == 4 else None


@login_required
def indicator_list(request):
    deputies = access.indicator_deputies(request.user)
    year = _year(request.GET.get("year")) or indicators.default_year()
    rows = []
    if year is not None:
        rows = indicators.indicator_table(
            year, deputies=deputies, may_record=lambda code: access.can_record_indicator(request.user, code)
        )
    opened = indicators.opened_quarters(year) if year is not None else []
    return render(
        request,
        "workgroups/monitoring/indicator_list.html",
        {
            "year": year,
            "rows": rows,
            "quarters": list(rules.QUARTER_NAMES.items()),
            "opened": [(q, rules.QUARTER_NAMES[q]) for q in opened],
            "may_record_any": any(row.may_record for row in rows),
        },
    )


@login_required
@require_POST
def indicator_actual(request, pk):
    indicator = access.get_indicator_for_user(request.user, pk, write=True)
    year = _year(request.POST.get("year"))
    back = reverse("workgroups:indicator-list") + (f"?year={year}" if year else "")
    if year is None:
        messages.error(request, f"«{indicator.name}»: سال مالی نامعتبر است.")
        return redirect(back)
    try:
        period = indicators.period_for(year, request.POST.get("quarter"))
        indicators.indicator_record_actual(
            indicator=indicator,
            period=period,
            value=request.POST.get("value"),
            note=request.POST.get("note", ""),
            user=request.user,
        )
    except indicators.IndicatorInvalid as error:
        messages.error(request, f"«{indicator.name}»: ستون «مقدار واقعی»: {error}")
    else:
        messages.success(
            request, f"مقدار واقعی «{indicator.name}» در {rules.quarter_label(year, period.quarter)} ثبت شد."
        )
    return redirect(back)
