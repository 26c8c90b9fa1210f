"""gunicorn's settings file: gunicorn reads ./gunicorn.conf.py from its working directory, so
`make serve` and the load test (bench/load/run.py) both use it. The command line sets the rest."""

import logging


def post_worker_init(worker):
    """Each worker reads the coding page's suggestion pool before it takes a request, so nobody's
    first coding page in a fresh worker waits for the history to be read (docs/performance.md,
    "Coding page against history"). Workers are replaced every ~1,000 requests (--max-requests),
    and each new one reads it again here, off the request path. A failure only costs the warm-up."""
    from django.db import connections

    from workgroups.suggestions import warm_pool

    try:
        warm_pool()
    except Exception:
        logging.getLogger("karaj_budget").exception("the suggestion pool was not read at worker start")
    finally:
        connections.close_all()  # opened outside a request: not closed by Django's request signals
