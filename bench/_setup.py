"""What the benchmarks share to set up: Django, and a copy of a demo project to grow a cycle with."""

import os


def setup_django(database_url=None):
    """Django with the benchmark's database (DATABASE_URL when given), quiet logs and e-mail kept in
    memory: a benchmark never writes into a real database or sends mail."""
    if database_url is not None:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karaj_budget.settings")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    import django

    django.setup()


def project_like(source, number, *, unit, priority):
    """An unsaved project number `number` shaped like the demo's `source` (same workgroup, codes
    and amounts, its own ref and title), proposed by `unit`, at `priority` (None: not ranked)."""
    from workgroups.models import Project

    return Project(
        cycle_id=source.cycle_id,
        ref=f"bench-{number}",
        title=f"{source.title} — ردیف {number}",
        title_key=source.title_key,
        proposing_unit=unit,
        responsible_deputy_id=source.responsible_deputy_id,
        workgroup_id=source.workgroup_id,
        location=source.location,
        kind=source.kind,
        total_estimate=source.total_estimate,
        requested_amount=source.requested_amount,
        program_code_id=source.program_code_id,
        budget_code_id=source.budget_code_id,
        priority=priority,
    )
