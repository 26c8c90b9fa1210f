"""One guard on every request's input, before any view or form sees it.

Control characters have no meaning in anything a person types here, and they break things
downstream: PostgreSQL refuses NUL in text (a 500 where it reached a query or a save), SQLite
stores it silently, and an export or a log line carries it on. Stripping them would change what
was sent without telling anyone (a NUL inside a code or a note), so a request carrying one in a
query parameter, a form field (its name or its value) or a JSON body is refused with 400 and a
Persian message. Tab, line feed and carriage return are ordinary text (text areas) and pass.

JSON bodies are bounded too: their size by DATA_UPLOAD_MAX_MEMORY_SIZE (Django's own check,
a 400), their nesting depth here, before `json.loads` recurses into a body nested 100,000 deep
and raises RecursionError (a 500).
"""

import json
import re

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.template.response import TemplateResponse

from karaj_budget.jalali import persian_digits

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_JSON_DEPTH = 32

CONTROL_MESSAGE = (
    "درخواست نویسهٔ کنترلی نامعتبر (مانند NUL) در «{field}» دارد و پذیرفته نشد؛ متن را دوباره تایپ کنید."
)
DEPTH_MESSAGE = f"درخواست بیش از {persian_digits(MAX_JSON_DEPTH)} لایهٔ تودرتو دارد و پذیرفته نشد."


def _control_field(query_dict):
    for key, values in query_dict.lists():
        if CONTROL.search(key):
            return CONTROL.sub("?", key)
        for value in values:
            if isinstance(value, str) and CONTROL.search(value):
                return key
    return None


def _json_refusal(body):
    # json.loads is C code that gives up with RecursionError, not a crash, on a deep body; what it
    # parsed is then walked without recursion for its depth and for control characters in strings.
    try:
        data = json.loads(body)
    except RecursionError:
        return DEPTH_MESSAGE
    except ValueError:
        return None  # not JSON: the view answers that itself
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            if depth > MAX_JSON_DEPTH:
                return DEPTH_MESSAGE
            for key, item in value.items():
                if CONTROL.search(key):
                    return CONTROL_MESSAGE.format(field=CONTROL.sub("?", key))
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            if depth > MAX_JSON_DEPTH:
                return DEPTH_MESSAGE
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and CONTROL.search(value):
            return CONTROL_MESSAGE.format(field="JSON")
    return None


def refusal(request):
    """The Persian message that refuses this request's input, or None when it may go on."""
    field = _control_field(request.GET)
    if field is None and request.method not in ("GET", "HEAD", "OPTIONS"):
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            field = _control_field(request.POST)
        elif request.content_type == "application/json":
            try:
                body = request.body
            except RequestDataTooBig:
                return None  # refused by the view that reads it (413), or by Django (400)
            return _json_refusal(body)
    if field is not None:
        return CONTROL_MESSAGE.format(field=field)
    return None


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        message = refusal(request)
        if message is None:
            return self.get_response(request)
        wants_json = request.content_type == "application/json" or (
            "application/json" in request.headers.get("Accept", "")
        )
        if wants_json:
            return JsonResponse({"error": message}, status=400, json_dumps_params={"ensure_ascii": False})
        return TemplateResponse(request, "400.html", {"message": message}, status=400).render()
