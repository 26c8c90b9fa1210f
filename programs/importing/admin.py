"""The admin's import pages: upload, preview (new / updated / unchanged / errors per row), confirm.

django-import-export provides the admin integration (the import/export buttons, the `import/` and
`process_import/` URLs, the permission check set by IMPORT_EXPORT_IMPORT_PERMISSION_CODE and the
export). Its import steps are replaced, because they read only the first row of the active sheet
as headers through tablib (losing cell types, row numbers and every file check), run the whole
import twice with writes rolled back, and trust the temporary file name posted back by the browser.
Here the preview is a dry run of the same import the commands use (validation only, no writes).
What it read from the file is kept in the database (`programs.models.ImportPreview`), bound to the
user, under a random token the confirm step posts back: any app server can confirm it, and the
confirm validates the rows again against the database as it is then without parsing the file again.
"""

import datetime
import io
import re
import secrets

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from karaj_budget.jalali import persian_digits
from karaj_budget.xlsx import text_cell
from programs.models import ImportPreview

from .results import NEW, UNCHANGED, UPDATED
from .sheets import Table

PREVIEW_ROWS = 500
_TOKEN = re.compile(r"[0-9a-f]{32}")


def preview_lifetime() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.IMPORT_PREVIEW_HOURS)


class UploadForm(forms.Form):
    import_file = forms.FileField(
        label="فایل اکسل (xlsx)",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        error_messages={
            "required": (
                "فایلی انتخاب نشده است؛ فایل اکسل (xlsx) را انتخاب کنید و دوباره «بررسی و پیش‌نمایش» را بزنید."
            )
        },
    )

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"حجم فایل بیش از حد مجاز ({persian_digits(limit // (1024 * 1024))} مگابایت) است."
            )
        return upload


def workbook_response(filename, headers, example):
    """An .xlsx with one header row and one example row, all text cells (codes keep their zeros)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("داده")
    sheet.sheet_view.rightToLeft = True
    for values in (headers, example):
        row = []
        for value in values:
            row.append(text_cell(sheet, "" if value is None else value))
        sheet.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    response = HttpResponse(
        stream.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class SpreadsheetImportMixin:
    """Put before django-import-export's ImportMixin (or ImportExportMixin) in the bases.

    Subclasses set `import_kind` and implement `run_import(fileobj, *, dry_run, user, options, table)`,
    `import_options_form()` (extra fields for the upload form), and `template_columns()`.
    """

    import_kind = ""
    import_template_name = "admin/programs/spreadsheet_import.html"

    def get_urls(self):
        app, model = self.get_model_info()
        return [
            path(
                "import/template/",
                self.admin_site.admin_view(self.import_template_view),
                name=f"{app}_{model}_import_template",
            ),
            *super().get_urls(),
        ]

    # --- hooks --------------------------------------------------------------------------------

    def get_upload_form_class(self, request):
        return UploadForm

    def import_options(self, form):
        return {}

    def run_import(self, fileobj, *, dry_run, user, options, table=None):
        raise NotImplementedError

    def template_columns(self):
        raise NotImplementedError

    # --- views --------------------------------------------------------------------------------

    def import_template_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        headers, example = self.template_columns()
        return workbook_response(f"{self.import_kind}-template.xlsx", headers, example)

    def _context(self, request, **extra):
        prefix = "admin:{}_{}_".format(*self.get_model_info())
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"ورود {self.model._meta.verbose_name_plural} از اکسل",
            "template_url": reverse(prefix + "import_template"),
            "process_url": reverse(prefix + "process_import"),
            "changelist_url": reverse(prefix + "changelist"),
            **extra,
        }

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form_class = self.get_upload_form_class(request)
        form = form_class(request.POST or None, request.FILES or None)
        if request.method != "POST" or not form.is_valid():
            return TemplateResponse(request, self.import_template_name, self._context(request, form=form))

        token = None
        options = self.import_options(form)
        with form.cleaned_data["import_file"].open("rb") as fileobj:
            result = self.run_import(fileobj, dry_run=True, user=request.user, options=options)
        if not result.has_errors:
            token = secrets.token_hex(16)
            ImportPreview.objects.create(
                token=token,
                user=request.user,
                kind=self.import_kind,
                options=options,
                table=result.table.to_json(),
                expires_at=timezone.now() + preview_lifetime(),
            )
        context = self._context(
            request,
            form=form_class(),
            result=result,
            token=token,
            shown_rows=result.rows[:PREVIEW_ROWS],
            hidden_rows=max(0, len(result.rows) - PREVIEW_ROWS),
            totals=result.totals,
            labels={"new": NEW, "updated": UPDATED, "unchanged": UNCHANGED},
            original_name=form.cleaned_data["import_file"].name,
        )
        return TemplateResponse(request, self.import_template_name, context)

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        token = request.POST.get("import_file_name", "")
        entry = None
        if _TOKEN.fullmatch(token):
            entry = ImportPreview.objects.filter(
                token=token, user=request.user, kind=self.import_kind, expires_at__gt=timezone.now()
            ).first()
        if entry is None:
            context = self._context(
                request,
                form=self.get_upload_form_class(request)(),
                fatal="فایل این ورود پیدا نشد یا متعلق به شما نیست؛ فایل را دوباره بارگذاری کنید.",
            )
            return TemplateResponse(request, self.import_template_name, context, status=400)
        # Taken before the import: a second confirm of the same preview finds nothing to import.
        if not ImportPreview.objects.filter(pk=entry.pk).delete()[0]:
            return HttpResponseRedirect(self._context(request)["changelist_url"])
        result = self.run_import(
            None, dry_run=False, user=request.user, options=entry.options, table=Table.from_json(entry.table)
        )
        if result.has_errors:
            context = self._context(
                request,
                form=self.get_upload_form_class(request)(),
                result=result,
                token=None,
                shown_rows=[row for row in result.rows if row.problems][:PREVIEW_ROWS],
                hidden_rows=0,
                totals=result.totals,
            )
            return TemplateResponse(request, self.import_template_name, context, status=400)
        messages.success(request, f"ورود از اکسل انجام شد: {result.summary_fa()}.")
        return HttpResponseRedirect(self._context(request)["changelist_url"])


class CodeImportMixin(SpreadsheetImportMixin):
    """For ProgramCodeAdmin and BudgetCodeAdmin."""

    def get_upload_form_class(self, request):
        class CodeUploadForm(UploadForm):
            deactivate_missing = forms.BooleanField(
                label="کدهایی که در فایل نیستند غیرفعال شوند (هرگز حذف نمی‌شوند)", required=False
            )

        return CodeUploadForm

    def import_options(self, form):
        return {"deactivate_missing": form.cleaned_data.get("deactivate_missing", False)}

    def run_import(self, fileobj, *, dry_run, user, options, table=None):
        from .codes import import_codes

        return import_codes(
            self.import_kind,
            fileobj,
            dry_run=dry_run,
            deactivate_missing=options.get("deactivate_missing", False),
            user=user,
            table=table,
        )

    def template_columns(self):
        from .codes import KINDS

        kind = KINDS[self.import_kind]
        return [column.header for column in kind.columns], kind.example
