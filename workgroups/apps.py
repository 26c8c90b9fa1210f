from django.apps import AppConfig
from django.db.models.signals import post_migrate


class WorkgroupsConfig(AppConfig):
    name = "workgroups"
    verbose_name = "کارگروه‌ها و پروژه‌ها"

    def ready(self):
        # Imported here, not at the top: models may only be imported once the app registry is
        # ready, which is what ready() is for (Django's documented place for it).
        from workgroups.access import ensure_budget_office_group

        # Permissions exist only after migrate has run, so the office's group is set up then.
        post_migrate.connect(ensure_budget_office_group, sender=self, dispatch_uid="budget_office_group")
