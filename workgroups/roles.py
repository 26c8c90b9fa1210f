"""The budget office as a Django group with model permissions (kept in step after every migrate)."""

from django.conf import settings
from django.contrib.auth.models import Group, Permission

# What budget office staff may do in the admin: set up cycles, deadlines and ceilings, correct and
# reassign projects, import code tables; read everything, including the audit trail.
OFFICE_PERMISSIONS = {
    "workgroups": {
        "cycle": ["view", "add", "change"],
        "deadline": ["view", "add", "change"],
        "workgroupcycle": ["view", "add", "change"],
        "project": ["view", "add", "change"],
        "unit": ["view"],
        "workgroup": ["view"],
        "membership": ["view"],
        "unitexpert": ["view"],
        "auditentry": ["view"],
        # Heads send projects outside their remit; the office decides where they go.
        "remitrequest": ["view", "change"],
        "meeting": ["view"],
        "extension": ["view", "add", "change"],
        "submission": ["view"],
        "reminderlog": ["view"],
    },
    "programs": {
        "programcode": ["view", "add", "change"],
        "budgetcode": ["view", "add", "change"],
    },
}


def ensure_budget_office_group(**kwargs):
    group, _ = Group.objects.get_or_create(name=settings.BUDGET_OFFICE_GROUP)
    codenames = [
        f"{action}_{model}"
        for models in OFFICE_PERMISSIONS.values()
        for model, actions in models.items()
        for action in actions
    ]
    permissions = Permission.objects.filter(
        content_type__app_label__in=OFFICE_PERMISSIONS.keys(), codename__in=codenames
    )
    group.permissions.set(permissions)
    return group
