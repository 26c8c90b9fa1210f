import sys

from django.core.management.base import BaseCommand

from programs.importing.codes import KINDS, stored_code_problems


class Command(BaseCommand):
    help = (
        "Check the stored code tables by the rules of the import (format by level, parent one level "
        "up, level matching the tree, no child under a code projects use). Lists each invalid code "
        "on stderr; exits 1 when there is any."
    )

    def handle(self, *args, **options):
        total = 0
        for name, kind in KINDS.items():
            problems = stored_code_problems(name)
            for code, message in problems:
                self.stderr.write(f"{kind.label}: کد «{code}»: {message}")
            total += len(problems)
        self.stdout.write(f"check_codes: {total} problem(s)")
        if total:
            sys.exit(1)
