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
from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.shortcuts import render


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
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """The Persian lockout page (429), naming the limit and the wait in minutes."""
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(request, "axes/lockout.html", context, status=429)
