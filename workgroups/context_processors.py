"""Site-wide template context: who the user is in the budget process."""

from django.conf import settings

from workgroups.access import describe_user


def site(request):
    user = getattr(request, "user", None)
    return {
        "budget_office_name": settings.BUDGET_OFFICE_NAME,
        "user_context": describe_user(user) if user is not None and user.is_authenticated else None,
    }
