from django.apps import AppConfig
from django.db.models.signals import post_migrate


class WorkgroupsConfig(AppConfig):
    name = "workgroups"
    verbose_name = "کارگروه‌ها و پروژه‌ها"

    def ready(self):
        from workgroups import coding
        from workgroups.roles import ensure_budget_office_group

        coding.register_checks()

        # Permissions exist only after migrate has run, so the group is set up then.
        post_migrate.connect(ensure_budget_office_group, sender=self, dispatch_uid="budget_office_group")
