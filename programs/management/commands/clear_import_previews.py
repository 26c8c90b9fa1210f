from django.core.management.base import BaseCommand
from django.utils import timezone

from programs.models import ImportPreview


class Command(BaseCommand):
    help = (
        "Delete admin import previews whose time to be confirmed has passed (README, cron lines). "
        "Safe to run at any time, hourly from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count them.")

    def handle(self, *args, dry_run=False, **options):
        expired = ImportPreview.objects.expired(timezone.now())
        count = expired.count() if dry_run else expired.delete()[0]
        self.stdout.write(
            f"clear_import_previews: {count} expired preview(s){' (dry run)' if dry_run else ''}"
        )
