"""Login throttling glue for django-axes: whose address a request comes from, and the backend.

Behind a reverse proxy every request arrives from the proxy's address, so locking by
REMOTE_ADDR would lock out the whole office at once. The proxy appends the address it saw to
a header (nginx: `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`); the entry it
appended is the only one a client cannot forge, so with N proxies in front the client is the
N-th entry from the right. Settings: CLIENT_IP_HEADER (a request.META name such as
HTTP_X_FORWARDED_FOR, empty when the app is reached directly) and TRUSTED_PROXY_COUNT.
"""

import ipaddress

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render
from django.utils import timezone


def client_ip(request):
    """The client's IP address as the trusted proxy saw it, else REMOTE_ADDR."""
    remote_addr = request.META.get("REMOTE_ADDR")
    header = settings.CLIENT_IP_HEADER
    count = settings.TRUSTED_PROXY_COUNT
    if not header or count < 1:
        return remote_addr
    hops = [hop.strip() for hop in request.META.get(header, "").split(",") if hop.strip()]
    if len(hops) < count:
        # Not through the configured proxies (a direct request, or a misconfiguration).
        return remote_addr
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, skipped when authenticate() is called without a request.

    Every sign-in through a page (the login view, the admin's) passes its request and is
    throttled. A call without one (the test client's login(), a script in `manage.py shell`)
    has no client address to lock by; axes would raise instead of checking the password.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        super().authenticate(request, username=username, password=password, **kwargs)
        if address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            # Many usernames tried from one address (password spraying): the address waits.
            request.axes_locked_out = True
            request.login_locked_address = True
            raise AxesBackendPermissionDenied("too many failed sign-ins from this address")
        return None


def address_failures(request):
    """Failed sign-ins from the request's address within the cool-off, whatever the username.

    django-axes compares every lockout parameter with one limit; an address shared by a whole
    office needs a higher one than a username at that address, so this count is kept beside it,
    from axes' own table (shared by every app server).
    """
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(ip_address=client_ip(request), attempt_time__gte=since)
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def lockout_response(request, original_response=None, credentials=None):
    """The Persian lockout page (429), naming the limit and the wait in minutes."""
    cool_off = get_cool_off(request)
    by_address = getattr(request, "login_locked_address", False)
    context = {
        "by_address": by_address,
        "failure_limit": (
            settings.LOGIN_ADDRESS_FAILURE_LIMIT if by_address else get_failure_limit(request, credentials)
        ),
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(request, "axes/lockout.html", context, status=429)
