"""Matching a unit or deputy typed in a spreadsheet to a `Unit`: by code or by normalised name.

«R05», «منطقه ۵», «منطقه 5», «منطقه پنج», «شهرداری منطقه ۵ کرج» and «م۵» all name district 5;
«سازمان سیما منظر» names the organization whose full name is «سازمان سیما، منظر و فضای سبز شهری»
when it is one of the unit's aliases. Names are compared by search key without spaces and
punctuation, without the words «شهرداری» and «کرج» (which people add or leave out freely).
"""

import re
from collections import defaultdict

from karaj_budget.jalali import persian_digits
from karaj_budget.persian import PersianInputError, normalize_text, search_key, to_ascii_digits

from .sheets import header_key

_NUMBER_WORDS = {
    "یک": 1, "دو": 2, "سه": 3, "چهار": 4, "پنج": 5, "شش": 6, "هفت": 7, "هشت": 8, "نه": 9,
    "ده": 10, "یازده": 11, "دوازده": 12, "سیزده": 13, "چهارده": 14, "پانزده": 15,
}  # fmt: skip
_DROPPED_WORDS = {"شهرداری", "کرج"}
_DISTRICT = re.compile(r"(?:منطقه|م)([0-9]+)")
_UNIT_CODE = re.compile(r"([A-Z]+)0*([0-9]+)")


def unit_key(text) -> str:
    words = [word for word in search_key(text).split() if word not in _DROPPED_WORDS]
    words = [str(_NUMBER_WORDS.get(word, word)) for word in words]
    key = header_key(" ".join(words))
    match = _DISTRICT.fullmatch(key)
    if match:
        return f"منطقه{int(match[1])}"
    return key


def _code_key(text) -> str:
    code = to_ascii_digits(normalize_text(text)).replace(" ", "").upper()
    match = _UNIT_CODE.fullmatch(code)
    return f"{match[1]}{int(match[2]):02d}" if match else code


class UnitMatcher:
    """Looks units up by code or name; built once per import from one query."""

    def __init__(self, units, *, what="واحد"):
        self.what = what
        self.by_code = {}
        self.by_name = defaultdict(list)
        for unit in units:
            self.by_code[_code_key(unit.code)] = unit
            keys = {unit_key(name) for name in unit.all_names()}
            if unit.kind == "district":
                match = _UNIT_CODE.fullmatch(unit.code)
                if match:
                    keys.add(f"منطقه{int(match[2])}")
            for key in keys - {""}:
                self.by_name[key].append(unit)

    def match(self, value, *, fiscal_year=None):
        text = normalize_text(value if not isinstance(value, int | float) else f"{value:g}")
        if not text:
            raise PersianInputError(f"{self.what} خالی است.")
        unit = self.by_code.get(_code_key(text))
        candidates = [unit] if unit else self.by_name.get(unit_key(text), [])
        if not candidates:
            raise PersianInputError(
                f"{self.what} «{text}» شناخته نیست؛ کد یا نام ثبت‌شده در سامانه را بنویسید."
            )
        if fiscal_year is not None:
            valid = [unit for unit in candidates if unit.is_valid_in(fiscal_year)]
            if not valid:
                raise PersianInputError(
                    f"{self.what} «{text}» در سال {persian_digits(fiscal_year)} وجود ندارد."
                )
            candidates = valid
        if len(candidates) > 1:
            names = "، ".join(f"«{unit.name}» ({unit.code})" for unit in candidates)
            raise PersianInputError(f"«{text}» با چند {self.what} می‌خواند: {names}؛ کد را بنویسید.")
        return candidates[0]
