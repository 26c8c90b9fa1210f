"""The admin's forms for the code tables: a code typed by hand passes the same rules as a file.

`programs.importing.codes.validate_code` is the one home of those rules (format by level, parent
exists and is one level up, no child under a code that projects use); this form only turns its
answer into field errors, and stores the normalised code, its parent and its level.
"""

from django import forms

from programs.importing.codes import CodeInvalid, validate_code
from programs.models import BudgetCode, ProgramCode


class CodeAdminForm(forms.ModelForm):
    kind = ""
    _FIELDS = {"code": "code", "title": "title", "parent_code": "parent", "level": None, "credit_type": None}

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        parent = cleaned.get("parent")
        replacing = self.instance.code if self.instance.pk else None
        if replacing is not None and self.instance.children.exists():
            code = cleaned.get("code", "")
            if code.strip() != replacing:
                self.add_error("code", "این کد زیرکد دارد؛ کد آن را نمی‌توان عوض کرد (عنوان را می‌توان).")
                return cleaned
        try:
            valid = validate_code(
                self.kind,
                code=cleaned.get("code", ""),
                title=cleaned.get("title", ""),
                parent_code=parent.code if parent is not None else None,
                credit_type=cleaned.get("credit_type") or None,
                replacing=replacing,
            )
        except CodeInvalid as error:
            for key, message in error.problems:
                self.add_error(
                    self._FIELDS.get(key) if self._FIELDS.get(key) in self.fields else None, message
                )
            return cleaned
        cleaned["code"] = valid.code
        self.instance.level = valid.level
        model = self._meta.model
        cleaned["parent"] = model.objects.get(code=valid.parent_code) if valid.parent_code else None
        return cleaned


class ProgramCodeAdminForm(CodeAdminForm):
    kind = "program"

    class Meta:
        model = ProgramCode
        fields = ["code", "title", "parent", "deputy", "is_active", "valid_from_year", "valid_to_year"]


class BudgetCodeAdminForm(CodeAdminForm):
    kind = "budget"

    class Meta:
        model = BudgetCode
        fields = ["code", "title", "parent", "credit_type", "is_active", "valid_from_year", "valid_to_year"]
