"""gunicorn's settings file: gunicorn reads ./gunicorn.conf.py from its working directory, so
`make serve` and the load test (bench/load/run.py) both use it. The command line sets the rest."""

import logging


def post_worker_init(worker):
    """Each worker reads what its first pages would otherwise read on a person's time (the row
    templates, the coding page's suggestion pool: workgroups/warmup.py) before it takes a request.
    Workers are replaced every ~1,000 requests (--max-requests); each new one reads them again
    here, off the request path. A failure only costs the warm-up."""
    from django.db import connections

    from workgroups.warmup import warm_worker

    try:
        warm_worker()
    except Exception:
        logging.getLogger("karaj_budget").exception("the worker's warm-up failed")
    finally:
        connections.close_all()  # opened outside a request: not closed by Django's request signals
