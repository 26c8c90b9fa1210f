"""What an app process reads before its first request (gunicorn.conf.py calls `warm_worker` as each
worker starts), so the first person a fresh worker serves does not pay for it. gunicorn replaces a
worker every ~1,000 requests, so without this a person meets a fresh worker often, and under the
load test a fresh worker's first views were most of each heavy page's slowest 5 %
(docs/performance.md, "Coding page against history" and "The coding page, lighter").

Measured on the load test's database, a fresh process after the warm-up below but the first two
steps: its first coding page cost 170–240 ms of CPU, the next ones 60–85. What the first paid for:
- the URL map: importing it imports every view (and the letters' Typst binding, about 90 ms), and
  the first `reverse` compiles every pattern (about 65 ms);
- the pages' Django templates, compiled on first use (63 of them, 100–130 ms in all);
- the ranking and coding rows' Jinja2 templates (about 40 ms each);
- the coding page's suggestion pool (`suggestions.warm_pool`: about 0.6 s at 10,000 coded
  projects of history).
"""

from pathlib import Path

from django.template import engines
from django.urls import reverse

from workgroups import suggestions
from workgroups.views import coding, ranking


def django_template_names():
    """The names of the project's own Django templates (the engine's DIRS, less the Jinja2 engine's
    folder inside them): every page's and every fragment's."""
    jinja2_folders = [Path(folder) for folder in engines["jinja2"].dirs]
    for folder in map(Path, engines["django"].dirs):
        for path in sorted(folder.rglob("*.html")):
            if not any(path.is_relative_to(other) for other in jinja2_folders):
                yield path.relative_to(folder).as_posix()


def warm_worker():
    reverse("healthz")
    django_engine = engines["django"]
    for name in django_template_names():
        django_engine.get_template(name)
    for name in (ranking.ROW_TEMPLATE, coding.ROW_TEMPLATE):
        engines["jinja2"].get_template(name)
    return suggestions.warm_pool()
