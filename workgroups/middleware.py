"""A refused change of a list answers the same way on every path (docs/workflow.md, "Locks").

Services raise `locks.ListError` subclasses; a view that has nothing better to do with one lets
it through, and this middleware turns it into its status (400 invalid, 409 conflict, 423 locked)
with its Persian message: JSON for the page's scripts, a page for everything else.
"""

from django.http import JsonResponse
from django.template.response import TemplateResponse

from workgroups.locks import ListError


class ListErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ListError):
            return None
        wants_json = "application/json" in request.headers.get("Accept", "") or (
            request.content_type == "application/json"
        )
        if wants_json:
            return JsonResponse(
                {"error": exception.message},
                status=exception.status,
                json_dumps_params={"ensure_ascii": False},
            )
        response = TemplateResponse(
            request, "list_refused.html", {"message": exception.message}, status=exception.status
        )
        return response.render()
