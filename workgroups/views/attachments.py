"""Attachments of projects, meetings, lists and monitoring reports: the list of a parent's files
with the upload form, the download, and the removal. Access and locks come from
workgroups/attachments/parents.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from karaj_budget.downloads import download_name
from workgroups import access
from workgroups.attachments import parents, services
from workgroups.attachments.files import ALLOWED_LABEL, AttachmentRefused
from workgroups.forms import AttachmentForm
from workgroups.locks import ListError
from workgroups.models import Attachment


def _attachments_page(request, parent):
    """GET: the parent's files and, for whoever may change them now, the upload form. POST: upload."""
    lock_reason = parent.lock_reason() if parent.may_write else None
    form = AttachmentForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if not parent.may_write:
            raise PermissionDenied("شما اجازه افزودن پیوست به این مورد را ندارید.")
        if form.is_valid():
            try:
                attachment = services.attachment_add(
                    parent=parent, upload=form.cleaned_data["file"], user=request.user
                )
            except AttachmentRefused as error:
                form.add_error("file", error.message)
                status = 400
            except ListError as error:
                form.add_error(None, error.message)
                status = error.status
            else:
                messages.success(request, f"پیوست «{attachment.name}» افزوده شد.")
                return redirect(parent.upload_url)
        else:
            status = 400
    return render(
        request,
        "workgroups/attachment_list.html",
        {
            "parent": parent,
            "attachments": parent.attachments,
            "form": form if parent.may_write and lock_reason is None else None,
            "lock_reason": lock_reason,
            "allowed": ALLOWED_LABEL,
        },
        status=status,
    )


@login_required
def project_attachments(request, pk):
    write = request.method == "POST"
    return _attachments_page(request, parents.project_parent(request.user, pk, write=write))


@login_required
def meeting_attachments(request, pk):
    write = request.method == "POST"
    return _attachments_page(request, parents.meeting_parent(request.user, pk, write=write))


@login_required
def list_attachments(request, slug, kind):
    cycle = access.get_cycle_or_404(request)
    write = request.method == "POST"
    return _attachments_page(request, parents.list_parent(request.user, slug, kind, cycle, write=write))


@login_required
def report_attachments(request, pk):
    """A monitoring report's evidence (workgroups/monitoring/reports.py decides when it may change)."""
    write = request.method == "POST"
    return _attachments_page(request, parents.report_parent(request.user, pk, write=write))


def _attachment_for_user(user, pk, *, write=False):
    attachment = get_object_or_404(
        Attachment.objects.select_related("share__workgroup", "share__cycle"), pk=pk
    )
    # Another workgroup's or unit's file answers 404 exactly as its parent does.
    return attachment, parents.parent_of(user, attachment, write=write)


@login_required
def attachment_download(request, pk):
    """The file, only through this access check: as a download, under its safe name."""
    attachment, _parent = _attachment_for_user(request.user, pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("فایل این پیوست در دسترس نیست.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(attachment.name),  # the page shows the name as typed, ZWNJ and all
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def attachment_delete(request, pk):
    attachment, parent = _attachment_for_user(request.user, pk, write=True)
    if not parent.may_write:
        raise PermissionDenied("شما اجازه حذف این پیوست را ندارید.")
    try:
        services.attachment_delete(parent=parent, attachment=attachment, user=request.user)
    except ListError as error:
        messages.error(request, error.message)
        return redirect(parent.upload_url)
    messages.success(request, f"پیوست «{attachment.name}» حذف شد.")
    return redirect(parent.upload_url)
