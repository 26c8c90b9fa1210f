"""Site-wide template context: who the user is in the budget process."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from workgroups.access import describe_user


def site(request):
    user = getattr(request, "user", None)
    return {
        "budget_office_name": settings.BUDGET_OFFICE_NAME,
        # Lazy: a fragment that never shows who the user is (a save's re-rendered deadline box) does
        # not pay for the permission queries behind it.
        "user_context": (
            SimpleLazyObject(lambda: describe_user(user))
            if user is not None and user.is_authenticated
            else None
        ),
    }
