"""What an app process reads before its first request (gunicorn.conf.py calls `warm_worker` as each
worker starts), so the first person a fresh worker serves does not pay for it: the ranking and
coding rows' Jinja2 templates (compiling each takes about 40 ms) and the coding page's suggestion
pool (`suggestions.warm_pool`: about 0.6 s at 10,000 coded projects of history). gunicorn replaces
a worker every ~1,000 requests, so without this a person meets a fresh worker often
(docs/performance.md, "Coding page against history")."""

from django.template import engines

from workgroups import suggestions
from workgroups.views import coding, ranking


def warm_worker():
    for name in (ranking.ROW_TEMPLATE, coding.ROW_TEMPLATE):
        engines["jinja2"].get_template(name)
    return suggestions.warm_pool()
