from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from workgroups.access import Role, describe_user


@login_required
def home(request):
    """Send each role to where its work is."""
    context = describe_user(request.user)
    if context.role in (Role.ADMIN, Role.OFFICE):
        return redirect("workgroups:office-home")
    if context.role in (Role.HEAD, Role.MEMBER):
        return redirect(context.workgroup)
    if context.role == Role.EXPERT:
        return redirect("workgroups:unit-home")
    return render(request, "home_no_role.html")


@never_cache
def healthz(request):
    """200 when the database answers; 503 otherwise (for the proxy's and the monitor's checks)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
