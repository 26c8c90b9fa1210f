import datetime

import pytest
from django.core.exceptions import ValidationError

from karaj_budget.form_fields import AmountField, JalaliDateTimeField, PersianTextField

UTC = datetime.UTC


@pytest.mark.parametrize(
    ("typed", "expected_utc"),
    [
        ("1398/09/15", datetime.datetime(2019, 12, 6, 20, 29, 59, tzinfo=UTC)),
        ("۱۳۹۸/۰۹/۱۵", datetime.datetime(2019, 12, 6, 20, 29, 59, tzinfo=UTC)),
        ("۱۵ آذر ۱۳۹۸", datetime.datetime(2019, 12, 6, 20, 29, 59, tzinfo=UTC)),
        ("۱۵ آذر ۱۳۹۸ ۱۴:۳۰", datetime.datetime(2019, 12, 6, 11, 0, tzinfo=UTC)),
        ("1398/09/15 9:00", datetime.datetime(2019, 12, 6, 5, 30, tzinfo=UTC)),
        # Tehran kept summer time (+04:30) until 1401.
        ("1398/04/01 12:00", datetime.datetime(2019, 6, 22, 7, 30, tzinfo=UTC)),
    ],
)
def test_jalali_datetime_field(typed, expected_utc):
    assert JalaliDateTimeField().clean(typed) == expected_utc


@pytest.mark.parametrize("typed", ["2019-12-06", "1398/12/30", "1398/09/15 25:00", "فردا"])
def test_jalali_datetime_field_refuses(typed):
    with pytest.raises(ValidationError):
        JalaliDateTimeField().clean(typed)


def test_jalali_datetime_field_shows_jalali():
    shown = JalaliDateTimeField().prepare_value(datetime.datetime(2019, 12, 6, 20, 29, 59, tzinfo=UTC))
    assert shown == "1398/09/15"


def test_amount_and_text_fields():
    assert AmountField().clean("۱۲٬۵۰۰") == 12500
    with pytest.raises(ValidationError):
        AmountField().clean("-۵۰۰")
    assert PersianTextField().clean("  احداث پارك ") == "احداث پارک"
    with pytest.raises(ValidationError):
        PersianTextField().clean(" \u200c\u00a0 ")
