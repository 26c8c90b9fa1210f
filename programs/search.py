"""Searching the code tables by code or by words: what the coding page's pickers offer."""

import re

from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Replace

from karaj_budget.persian import SEARCH_LOOSE, search_key_loose, to_ascii_digits
from programs.codes import BUDGET_LINE_LEVEL
from programs.models import BudgetCode, ProgramCode, code_paths

MAX_RESULTS = 20
MAX_QUERY = 100
PROGRAM_LEVEL = 4
# What a code typed with separators looks like once its digits are ASCII: `5-01-01`, `5/1/2`, `۵ ۰۱`.
_CODE_LIKE = re.compile(r"[0-9]+(?:[-/ \u2013]+[0-9]+)*[-/ ]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
SCHEMES = {"program": ProgramCode, "budget": BudgetCode}


def _code_prefix(scheme, text):
    """The code prefix a query spells, or None when it is words: budget codes lose their
    separators (`5-01-01` → `50101`), program codes keep hyphens (`۵/۱/۲` → `5-1-2`)."""
    text = to_ascii_digits(text).strip()
    if not _CODE_LIKE.fullmatch(text):
        return None
    if scheme == "budget":
        return re.sub(r"[^0-9]", "", text)
    return re.sub(r"[^0-9]+", "-", text).strip("-")


def _leaves(model, cycle_year):
    codes = model.objects.active().filter(
        children__isnull=True, level=BUDGET_LINE_LEVEL if model is BudgetCode else PROGRAM_LEVEL
    )
    if cycle_year is not None:
        codes = codes.valid_in(cycle_year)
    return codes


def _loose(field):
    """A stored search key in `search_key_loose`'s form, computed in the database."""
    expression = F(field)
    for letter, plain in SEARCH_LOOSE.items():
        expression = Replace(expression, Value(letter), Value(plain))
    return expression


def _matching_words(codes, words, model):
    """Leaves where every word is in the leaf's own title or in one of its parents' (a leaf reads
    as its whole path: «تقاطع» finds the programs under the strategy about intersections), with
    alef-madda optional («اتش» finds «آتش»). Leaves whose own title holds every word come first."""
    depth = (BUDGET_LINE_LEVEL if model is BudgetCode else PROGRAM_LEVEL) - 1
    keys = ["key_0", *(f"key_{level}" for level in range(1, depth + 1))]
    codes = codes.annotate(
        key_0=_loose("search_key"),
        **{f"key_{level}": _loose("parent__" * level + "search_key") for level in range(1, depth + 1)},
    )
    own = Q()
    for word in words:
        in_path = Q()
        for key in keys:
            in_path |= Q(**{f"{key}__contains": word})
        codes = codes.filter(in_path)
        own &= Q(key_0__contains=word)
    return codes.annotate(own_match=Case(When(own, then=Value(0)), default=Value(1)))


def search_codes(scheme, query, *, cycle_year=None, limit=MAX_RESULTS):
    """The leaves of a code table matching `query`: by code (any digit form, any separator, as a
    prefix) or by words (every word, however its Persian was typed, in the code's title)."""
    model = SCHEMES[scheme]
    # Control characters are never part of a code or title (and NUL would end the pattern early
    # on SQLite, matching everything).
    query = _CONTROL.sub(" ", (query or "")[:MAX_QUERY])
    codes = _leaves(model, cycle_year)
    prefix = _code_prefix(scheme, query)
    order = ["code"]
    if prefix:
        condition = Q(code__startswith=prefix)
        if scheme == "program" and "-" not in prefix:
            # `51201` finds `5-1-2-01` too: people type program codes without the hyphens.
            codes = codes.annotate(compact=Replace("code", Value("-"), Value("")))
            condition |= Q(compact__startswith=prefix)
        codes = codes.filter(condition)
    else:
        words = search_key_loose(query).split()
        if not words:
            return []
        codes = _matching_words(codes, words, model)
        order = ["own_match", "code"]
    found = list(codes.order_by(*order)[:limit])
    paths = code_paths(model, found)
    credit_labels = dict(BudgetCode.CreditType.choices)
    return [
        {
            "id": code.pk,
            "code": code.code,
            "title": code.title,
            "path": [{"code": node.code, "title": node.title} for node in paths[code.pk]],
            "credit_type": getattr(code, "credit_type", ""),
            "credit_type_label": credit_labels.get(getattr(code, "credit_type", ""), ""),
        }
        for code in found
    ]
