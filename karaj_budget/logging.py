"""Structured logging: one JSON object a line, and an access log line per request.

Production sends every log record to the console (stderr) as JSON (settings.LOGGING), where the
service manager or a log shipper collects it. A record that carries a request (Django's own
`django.request` and `django.security.*` records, and the access log below) also gets the
request's method, path, client address and user; `status` comes from the record's
`status_code`. The user is included only when the request has already loaded it, so writing a
log line never queries the database.
"""

import json
import logging
import time
from datetime import UTC, datetime

from django.http import HttpRequest
from django.utils.functional import empty

access_logger = logging.getLogger("karaj_budget.access")

# Attributes every LogRecord has; anything else was passed in `extra` and is worth keeping.
_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_REQUEST_ATTRS = {"request", "status_code", "server_time"}


def _request_fields(request):
    # Imported here: this module is loaded while logging is configured, before the apps
    # django-axes needs are ready.
    from karaj_budget.security import client_ip

    fields = {"method": request.method, "path": request.path, "client": client_ip(request)}
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "_wrapped", None) is not empty:
        # null for an anonymous visitor; left out when the request never loaded its user.
        fields["user"] = user.get_username() if user.is_authenticated else None
    return fields


class JSONFormatter(logging.Formatter):
    """Format a record as one line of JSON (UTF-8, Persian kept readable)."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = getattr(record, "request", None)
        if isinstance(request, HttpRequest):
            entry.update(_request_fields(request))
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and key not in _REQUEST_ATTRS and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class AccessLogMiddleware:
    """Log each request once, with its status, duration and CPU time, to `karaj_budget.access`.
    The CPU time is the request's thread's own: under load, a duration far above it is time spent
    waiting for a core or the database, not work of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not access_logger.isEnabledFor(logging.INFO):
            return self.get_response(request)
        started, cpu_started = time.perf_counter(), time.thread_time()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        cpu_ms = round((time.thread_time() - cpu_started) * 1000, 1)
        access_logger.info(
            "%s %s %s",
            request.method,
            request.get_full_path(),
            response.status_code,
            extra={
                "request": request,
                "status_code": response.status_code,
                "duration_ms": duration_ms,
                "cpu_ms": cpu_ms,
            },
        )
        return response
