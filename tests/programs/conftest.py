import io

import pytest
from django.core.management import call_command


@pytest.fixture
def run_command(db):
    """Runs a management command; returns (exit code, stdout, stderr)."""

    def run(*args):
        out, err = io.StringIO(), io.StringIO()
        code = 0
        try:
            call_command(*args, stdout=out, stderr=err)
        except SystemExit as exit_:
            code = exit_.code
        return code, out.getvalue(), err.getvalue()

    return run
