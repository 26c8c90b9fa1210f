"""Adding and removing attachments: one audited step each, checked inside the write's transaction
with the parent's lock rule (workgroups/attachments/parents.py)."""

import hashlib
import unicodedata

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q

from karaj_budget.persian import normalize_text
from workgroups.attachments import files
from workgroups.models import Attachment, AuditEntry

MAX_NAME = 150


def safe_name(name, extension):
    """The uploader's file name for display and download: no folders, control characters or
    quotes, at most MAX_NAME characters, ending with the extension its content has."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" or ch == "\u200c")
    name = normalize_text(name).replace('"', "").replace("'", "").strip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem[: MAX_NAME - len(extension)].strip(" .") or "پیوست"
    return f"{stem}{extension}"


def name_as_typed(parsed, typed):
    """The file name the person gave, when Django's upload parser only took marks out of it.

    The parser keeps only printable characters of an uploaded file's name, and ZWNJ (U+200C), which
    Persian names are full of («صورت‌وضعیت»), is not printable to Python: the name arrives as
    «صورتوضعیت». The upload form sends the name the browser saw beside the file
    (static/workgroups/attachments.js); it is taken only when it is the parsed name with nothing but
    such invisible characters put back, so it can never name anything else.
    """
    typed = (typed or "").replace("\\", "/").rsplit("/", 1)[-1]
    if typed and parsed and "".join(ch for ch in typed if ch.isprintable()) == parsed:
        return typed
    return parsed


def _project_of(parent):
    if parent.kind == Attachment.Parent.PROJECT:
        return parent.obj
    if parent.kind == Attachment.Parent.REPORT:
        return parent.obj.monitored.project
    return None


def _audit(*, parent, user, action, summary, details):
    if parent.kind == Attachment.Parent.REPORT:
        details = {**details, "report": parent.obj.pk}  # the report's history lists its evidence
    AuditEntry.objects.record(
        actor=user,
        action=action,
        summary=summary[:500],
        workgroup=parent.workgroup,
        cycle=parent.cycle,
        project=_project_of(parent),
        details=details,
    )


@transaction.atomic
def attachment_add(*, parent, upload, user):
    """Check `upload` (a Django UploadedFile) by content, store it and attach it to `parent`.

    Raises `files.AttachmentRefused` for a file that may not be attached and `locks.ListLocked`
    when the parent's list is frozen for this user.
    """
    files.check_size(upload.size)
    checked = files.check_content(upload)
    parent.open()
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    attachment = Attachment(
        **parent.fields,
        name=safe_name(upload.name or "", checked.extension),
        content_type=checked.content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=user if user is not None and user.is_authenticated else None,
    )
    upload.seek(0)
    attachment.file.save(attachment.name, upload, save=False)
    try:
        attachment.save()
        _audit(
            parent=parent,
            user=user,
            action="attachment.add",
            summary=f"پیوست «{attachment.name}» به {parent.title}",
            details={
                "attachment": attachment.pk,
                "parent": parent.kind,
                "name": attachment.name,
                "sha256": attachment.sha256,
                "size": attachment.size,
            },
        )
    except BaseException:
        default_storage.delete(attachment.file.name)
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, parent, attachment, user):
    """Remove an attachment while its parent may change; the file goes once the removal commits."""
    parent.open()
    stored = attachment.file.name
    details = {
        "attachment": attachment.pk,
        "parent": parent.kind,
        "name": attachment.name,
        "sha256": attachment.sha256,
    }
    attachment.delete()
    _audit(
        parent=parent,
        user=user,
        action="attachment.delete",
        summary=f"حذف پیوست «{details['name']}» از {parent.title}",
        details=details,
    )
    transaction.on_commit(lambda: default_storage.delete(stored))


def list_attachments_snapshot(*, share, kind, meetings, project_ids):
    """What a snapshot records of a list's attachments: the list's own, its meetings' and its
    projects', each with its SHA-256, in a fixed order (so the checksum covers them)."""
    condition = Q(meeting__in=meetings) | Q(project_id__in=project_ids)
    if share is not None:
        condition |= Q(share=share, list_kind=kind)
    rows = Attachment.objects.filter(condition)
    return [
        {
            "parent": str(row.parent_kind),
            "parent_id": row.project_id or row.meeting_id or row.share_id,
            "id": row.pk,
            "name": row.name,
            "size": row.size,
            "sha256": row.sha256,
        }
        for row in rows.order_by("pk")
    ]


def workgroups_with_attachments(cycle):
    """Ids of the workgroups whose lists in `cycle` have any attachment (their own, their meetings'
    or their projects'), whose checksums therefore cover files too."""
    rows = Attachment.objects.filter(
        Q(share__cycle=cycle) | Q(meeting__cycle=cycle) | Q(project__cycle=cycle)
    ).values_list("share__workgroup_id", "meeting__workgroup_id", "project__workgroup_id")
    return {pk for row in rows for pk in row if pk is not None}
