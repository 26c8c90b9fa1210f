"""WSGI entry point for gunicorn (see `make serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karaj_budget.settings")

application = get_wsgi_application()
