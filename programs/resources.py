"""django-import-export resources for exporting the code tables from the admin.

Imports do not go through these resources: they run the project's own validated, bulk import
(`programs.importing`), which the admin's import pages call too. The export columns carry the
same Persian headers as the import, so an exported file can be edited and imported again.
"""

import io

from import_export import fields, resources
from import_export.formats.base_formats import XLSX
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from karaj_budget.xlsx import text_cell
from programs.models import BudgetCode, ProgramCode


class SafeXLSX(XLSX):
    """xlsx export in openpyxl's write-only mode, text written as text cells.

    tablib writes a string that starts with `=` as a live formula; a title such as «=HYPERLINK(…)»
    must reach Excel as the text it is. Numbers stay numeric; memory stays flat for large tables.
    """

    def export_data(self, dataset, **kwargs):
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=(dataset.title or "Sheet1")[:31])
        sheet.sheet_view.rightToLeft = True

        def cell(value):
            if value is None:
                return WriteOnlyCell(sheet, value=None)
            if isinstance(value, bool | int | float):
                return WriteOnlyCell(sheet, value=value)
            return text_cell(sheet, value)

        sheet.append([cell(header) for header in dataset.headers or []])
        for row in dataset:
            sheet.append([cell(value) for value in row])
        stream = io.BytesIO()
        workbook.save(stream)
        return stream.getvalue()


class _CodeResource(resources.ModelResource):
    code = fields.Field(attribute="code", column_name="کد")
    title = fields.Field(attribute="title", column_name="عنوان")
    parent_code = fields.Field(column_name="کد والد")
    level = fields.Field(attribute="level", column_name="سطح")
    is_active = fields.Field(column_name="فعال")

    def dehydrate_parent_code(self, obj):
        return obj.parent.code if obj.parent_id else ""

    def dehydrate_is_active(self, obj):
        return "بله" if obj.is_active else "خیر"


class ProgramCodeResource(_CodeResource):
    deputy = fields.Field(column_name="معاونت")

    class Meta:
        model = ProgramCode
        fields = ("code", "title", "parent_code", "level", "deputy", "is_active")
        export_order = fields

    def dehydrate_deputy(self, obj):
        return obj.deputy.code if obj.deputy_id else ""


class BudgetCodeResource(_CodeResource):
    credit_type = fields.Field(column_name="نوع اعتبار")

    class Meta:
        model = BudgetCode
        fields = ("code", "title", "parent_code", "level", "credit_type", "is_active")
        export_order = fields

    def dehydrate_credit_type(self, obj):
        return obj.get_credit_type_display() if obj.credit_type else ""
