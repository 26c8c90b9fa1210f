"""The Jinja2 environment of the "jinja2" template backend (settings.TEMPLATES; templates/jinja2/).

Jinja2 is here only where the Django template engine is measurably too slow: the ranking page's
rows (up to 500 a page; bench/ranking_rows.py) and the coding page's rows (up to 300 a page;
bench/coding.py). Its templates print exactly what the Django templates and
`django.utils.html.escape` would:

- Every value is escaped as Django escapes it. Jinja2's autoescape (on, as Django's backend sets
  it) escapes the same five characters as Django's `escape`, but writes ' and " as &#39; and
  &#34; where Django writes &#x27; and &quot;: `finalize` (`escape_quotes_as_django`) escapes a
  value with quotes the Django way first, and autoescape leaves that now-safe result alone.
  Values already safe (`__html__`) pass unchanged, as in Django templates. (A constant expression
  such as {{ "'" }} is escaped by Jinja2 at compile time, before `finalize`: write such text as
  template text instead.)
- A line break in the template text, and the indentation after it, print nothing (`JoinLines`):
  markup can be laid out over lines and still be one line of output. Where a space is wanted at a
  line's end or start, it has to be written inside the line (or as {{ " " }}).
- The Persian filters of karaj_budget.templatetags.persian_tags have the same names here.
- An undefined name is an error, not an empty string.
"""

import html
import re

from jinja2 import Environment, StrictUndefined
from jinja2.ext import Extension
from jinja2.lexer import Token
from markupsafe import Markup

from karaj_budget.templatetags import persian_tags

_LINE_BREAK = re.compile(r"\n\s*")


class JoinLines(Extension):
    """Drop each line break and the indentation after it from the template's own text (never from
    values): the template's layout is not part of its output."""

    def filter_stream(self, stream):
        for token in stream:
            if token.type == "data":
                token = Token(token.lineno, "data", _LINE_BREAK.sub("", token.value))
            yield token


def escape_quotes_as_django(value):
    """`finalize`: a value with ' or " escaped as Django's `escape` does (html.escape); any other
    value as it is, for autoescape to escape, which then gives the same bytes as Django's escape
    (the two differ only in how they write the quotes) and is faster than escaping here."""
    if hasattr(value, "__html__"):
        return value
    text = str(value)
    if "'" in text or '"' in text:
        return Markup(html.escape(text))
    return text


def environment(**options):
    options["extensions"] = [*options.get("extensions", ()), JoinLines]
    options["finalize"] = escape_quotes_as_django
    options["undefined"] = StrictUndefined
    env = Environment(**options)
    env.filters.update(
        {
            "fa_digits": persian_tags.fa_digits,
            "money": persian_tags.money,
            "jdate": persian_tags.jdate,
            "jdatetime": persian_tags.jdatetime_filter,
        }
    )
    return env
