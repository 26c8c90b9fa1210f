"""The two code schemes: budget circular codes and operational program codes.

Both start from `persian.clean_code` (digits → ASCII, look-alike letters, safe numbers) and then
apply their own scheme:

- Budget circular codes are digits only: function (1 digit) › program (3) › sub-program (5) ›
  budget line (8). Separators typed between groups (`5-01-01-001`, `5/01/01/001`, `5 01 01 001`)
  are dropped; a dot is refused rather than silently stripped (`5.01.01.001` may be a decimal
  number that went through Excel); any other length is refused. The parent of a code is its
  prefix of the previous level.
- Operational program codes are hyphenated segments of digits (`5-1-1-01`): mission › goal ›
  strategy › program. `/`, en dashes and spaces between segments become `-`. The parent is the code
  without its last segment.

Each function raises PersianInputError with a message that says what is wrong.
"""

import re

from karaj_budget.jalali import persian_digits
from karaj_budget.persian import (
    PersianInputError,
    clean_code,
    normalize_text,
    search_key,
    search_key_compact,
    to_ascii_digits,
)

BUDGET_CODE_LENGTHS = {1: 1, 3: 2, 5: 3, 8: 4}  # digits → level
BUDGET_LEVEL_NAMES = {1: "عملکرد", 2: "برنامه", 3: "زیربرنامه", 4: "ردیف بودجه"}
BUDGET_LINE_LEVEL = 4
PROGRAM_LEVEL_NAMES = {1: "حوزه مأموریتی", 2: "هدف کلان", 3: "راهبرد", 4: "برنامه عملیاتی"}
# What people write in a level column besides the names above (circulars say «فصل» and «ردیف»).
_LEVEL_ALIASES = {
    "program": {"ماموریت": 1, "هدف": 2, "برنامه": 4},
    "budget": {"فصل": 1, "ردیف": 4},
}

# Latin letters that people (or OCR) type for digits.
_LOOKALIKES = {"O": "۰ (صفر)", "L": "۱ (یک)", "I": "۱ (یک)"}
_BUDGET_SEPARATORS = re.compile(r"[-/ ]+")
_PROGRAM_SEPARATORS = re.compile(r" *[-/] *| +")
_PROGRAM_CODE = re.compile(r"[0-9]+(?:-[0-9]+)*")


def _refuse_lookalikes(text: str, original) -> None:
    for letter, digit in _LOOKALIKES.items():
        if letter in text:
            raise PersianInputError(
                f"کد «{original}» حرف لاتین «{letter if letter != 'L' else 'l'}» دارد که شبیه رقم "
                f"{digit} است؛ کد فقط از رقم تشکیل می‌شود."
            )


def normalize_budget_code(value) -> str:
    """A budget circular code as its digits: `۵-۰۱-۰۱-۰۰۱` → `50101001`."""
    text = clean_code(value)
    if "." in text:
        raise PersianInputError(
            f"کد «{text}» نقطه دارد؛ کد بودجه را بدون نقطه بنویسید (مثلاً 50101001 یا 5-01-01-001)."
        )
    _refuse_lookalikes(text, value if isinstance(value, str) else text)
    digits = _BUDGET_SEPARATORS.sub("", text)
    if not digits.isdigit() or not digits.isascii():
        raise PersianInputError(f"کد بودجه «{text}» فقط باید رقم داشته باشد.")
    if len(digits) not in BUDGET_CODE_LENGTHS:
        hint = ""
        if isinstance(value, int | float) and not isinstance(value, bool):
            hint = " اگر کد با صفر شروع می‌شده، اکسل صفر اول را حذف کرده است؛ ستون کد را «متن» کنید."
        raise PersianInputError(
            f"کد بودجه «{digits}» {persian_digits(len(digits))} رقمی است؛ کد بودجه ۱ رقم (عملکرد)، "
            f"۳ رقم (برنامه)، ۵ رقم (زیربرنامه) یا ۸ رقم (ردیف) دارد.{hint}"
        )
    return digits


def budget_code_level(code: str) -> int:
    return BUDGET_CODE_LENGTHS[len(code)]


def budget_parent_code(code: str) -> str | None:
    """The prefix of the previous level: `50101001` → `50101` → `501` → `5` → None."""
    lengths = sorted(BUDGET_CODE_LENGTHS)
    index = lengths.index(len(code))
    return code[: lengths[index - 1]] if index else None


def normalize_program_code(value) -> str:
    """An operational program code as hyphenated digit segments: `۵/۱/۱/۰۱` → `5-1-1-01`."""
    text = clean_code(value)
    if "." in text:
        raise PersianInputError(
            f"کد «{text}» نقطه دارد؛ بخش‌های کد برنامه را با خط تیره جدا کنید (مثلاً 5-1-1-01)."
        )
    _refuse_lookalikes(text, value if isinstance(value, str) else text)
    code = _PROGRAM_SEPARATORS.sub("-", text.strip("-/ "))
    if not _PROGRAM_CODE.fullmatch(code) or not code.isascii():
        raise PersianInputError(
            f"کد برنامه «{text}» نامعتبر است؛ کد از بخش‌های رقمی جداشده با خط تیره ساخته می‌شود "
            "(مثلاً 5-1-1-01)."
        )
    return code


def program_parent_code(code: str) -> str | None:
    """The code without its last segment: `5-1-1-01` → `5-1-1`; None at the top."""
    parent, _, _ = code.rpartition("-")
    return parent or None


def _level_key(text) -> str:
    # «حوزهٔ مأموریتی», «حوزه‌ی ماموريتي», «حوزه ی مأموریتی» and «حوزه مأموریتی» are one name: the
    # search key unifies letters, hamza and ZWNJ; an ezafe «ی», separate or joined after «ه», goes.
    words = [word for word in search_key(text).split() if word != "ی"]
    return "".join(word[:-1] if word.endswith("هی") else word for word in words)


def level_names(scheme: str) -> dict:
    return PROGRAM_LEVEL_NAMES if scheme == "program" else BUDGET_LEVEL_NAMES


def _levels_by_key(scheme):
    found = {_level_key(name): level for level, name in level_names(scheme).items()}
    found.update({_level_key(name): level for name, level in _LEVEL_ALIASES[scheme].items()})
    return found


def parse_level(scheme: str, value) -> int | None:
    """A level column's cell: its number (1–4, as a number or digits of any script) or its name
    («حوزه مأموریتی» … «برنامه عملیاتی»; «فصل»/«عملکرد», «برنامه», «زیربرنامه», «ردیف»)."""
    if value is None or isinstance(value, bool):
        return None if value is None else _unknown_level(scheme, value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else _unknown_level(scheme, value)
    text = to_ascii_digits(normalize_text(str(value))).strip()
    if not text:
        return None
    if text.isdigit() and text.isascii():
        return int(text)
    level = _levels_by_key(scheme).get(_level_key(text))
    return level if level is not None else _unknown_level(scheme, text)


def _unknown_level(scheme, text):
    names = "، ".join(f"«{name}» ({persian_digits(level)})" for level, name in level_names(scheme).items())
    raise PersianInputError(f"سطح «{text}» شناخته نیست؛ نام یا شمارهٔ یکی از سطح‌ها را بنویسید: {names}.")


def level_label(scheme: str, level: int) -> str:
    """«۳ (راهبرد)» for messages."""
    name = level_names(scheme).get(level)
    return f"{persian_digits(level)} ({name})" if name else persian_digits(level)


_CREDIT_TYPES = {
    search_key_compact(label): value
    for label, value in [
        ("capital", "capital"),
        ("تملک دارایی‌های سرمایه‌ای", "capital"),
        ("تملک", "capital"),
        ("سرمایه‌ای", "capital"),
        ("عمرانی", "capital"),
        ("current", "current"),
        ("هزینه‌ای", "current"),
        ("جاری", "current"),
    ]
}


def parse_credit_type(value) -> str:
    """`capital`, `current` or "" (not given), from the English value or a Persian label."""
    text = normalize_text(value)
    if not text:
        return ""
    found = _CREDIT_TYPES.get(search_key_compact(text))
    if found is None:
        raise PersianInputError(
            f"نوع اعتبار «{text}» شناخته نیست؛ «تملک دارایی‌های سرمایه‌ای» یا «هزینه‌ای» بنویسید."
        )
    return found
