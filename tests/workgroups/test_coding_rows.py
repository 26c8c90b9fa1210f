"""The coding page's rows drawn by Jinja2 (templates/jinja2/workgroups/_coding_row.html) print the
markup the Django templates printed, escaped the same way, hostile titles included.

The Django templates the rows were drawn with before are kept beside this file (django_rows/) as the
reference: they are what the page's script and browser tests were written against. Layout whitespace
is the only difference allowed: the Jinja2 environment drops a template's line breaks and their
indentation (karaj_budget/jinja2.py), so both outputs are compared with those removed. Every place
where such whitespace sat between two inline elements is inside a flex or grid box or between
blocks, where it draws nothing.
"""

import re
from pathlib import Path

import pytest
from django.template import Context, Engine, RequestContext
from django.test import RequestFactory

from programs.models import BudgetCode, ProgramCode
from workgroups import coding
from workgroups.models import Project
from workgroups.views import coding as coding_views

REFERENCE = Path(__file__).resolve().parent / "django_rows"
ZWNJ = "\u200c"
HOSTILE_TITLES = [
    "<script>alert('x')</script> بهسازی",
    "پل \"عابر\" & 'پیاده' <b>",
    "\u202eبازسازی\u202c \u200fمدرسه\u200f {{ x }} {% y %}",
    ZWNJ.join(["بهسازی", "پیاده‌رو", "خیابان", "شهید", "بهشتی"] * 20)[:255],
]
CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*"')
LAYOUT = re.compile(r"\n\s*")


def django_rows(request, rows, *, workgroup, cycle, can_code):
    engine = Engine(dirs=[REFERENCE], builtins=["karaj_budget.templatetags.persian_tags"])
    template = engine.from_string(
        '{% for row in rows %}{% include "workgroups/_coding_row.html" %}{% endfor %}'
    )
    context = {
        "rows": rows,
        "can_code": can_code,
        "workgroup": workgroup,
        "cycle": cycle,
        "search_urls": coding_views._search_urls(),
    }
    return template.render(RequestContext(request, context))


def django_bulk_pickers(cycle):
    engine = Engine(dirs=[REFERENCE], builtins=["karaj_budget.templatetags.persian_tags"])
    template = engine.from_string(
        '{% include "workgroups/_coding_picker.html" with scheme="program" suffix="bulk" '
        'label="کد برنامه عملیاتی برای همه" value="" chosen=None path=None search_url=search_urls.program '
        "bulk=True %}"
        '{% include "workgroups/_coding_picker.html" with scheme="budget" suffix="bulk" '
        'label="کد ردیف بودجه برای همه" value="" chosen=None path=None search_url=search_urls.budget '
        "bulk=True %}"
    )
    return template.render(Context({"cycle": cycle, "search_urls": coding_views._search_urls()}))


def jinja_rows(request, rows, *, workgroup, cycle, can_code):
    draw = coding_views.row_drawer(request, workgroup, cycle, can_code=can_code)
    return "".join(str(draw.row(row)) for row in rows)


def comparable(html):
    return CSRF_VALUE.sub(r'\1TOKEN"', LAYOUT.sub("", html))


@pytest.fixture
def request_for():
    def make(user):
        request = RequestFactory().get("/")
        request.user = user
        return request

    return make


@pytest.fixture
def varied_list(civil, current_cycle, personas):
    """The civil list with every kind of row: coded, half-coded, uncoded with suggestions (from the
    other half of the list, coded with similar titles), a warning, and hostile titles and code
    titles."""
    head = personas["head_a"]
    projects = coding.coding_projects(workgroup=civil, cycle=current_cycle)
    # Written past the model's save, which normalises titles: a row must be safe whatever is stored
    # (an import, an older row, a change made in the database).
    for project, title in zip(projects, HOSTILE_TITLES, strict=False):
        Project.objects.filter(pk=project.pk).update(title=title)
    projects = coding.coding_projects(workgroup=civil, cycle=current_cycle)
    ProgramCode.objects.filter(code="4-1-2-01").update(title="برنامه <i>\"ایمنی\"</i> & 'ترافیک'")
    coding.project_code(project=projects[0], program_code="4-1-2-01", budget_code="40301001", user=head)
    coding.project_code(project=projects[1], program_code="4-1-1-01", user=head)
    # A study coded to a capital budget line: the row carries a warning.
    study = projects[-1]
    study.title = "مطالعه " + study.title
    study.save(update_fields=["title"])
    capital = BudgetCode.objects.filter(
        credit_type=BudgetCode.CreditType.CAPITAL, children__isnull=True
    ).first()
    coding.project_code(project=study, program_code="4-1-2-01", budget_code=capital.code, user=head)
    return coding.coding_projects(workgroup=civil, cycle=current_cycle)


@pytest.mark.parametrize(
    "can_code, opened", [(True, False), (True, True), (False, False)], ids=["head", "head-open", "read-only"]
)
def test_rows_print_what_the_django_templates_printed(
    varied_list, civil, current_cycle, personas, request_for, can_code, opened
):
    rows = coding_views._rows(varied_list, cycle=current_cycle, with_suggestions=can_code)
    for row in rows:
        row["open"] = opened
    assert any(row["warnings"] for row in rows)
    if can_code:
        assert any(row["suggestions"] for row in rows)
    request = request_for(personas["head_a"] if can_code else personas["member_a"])
    old = django_rows(request, rows, workgroup=civil, cycle=current_cycle, can_code=can_code)
    new = jinja_rows(request, rows, workgroup=civil, cycle=current_cycle, can_code=can_code)
    assert new.count('<li class="coding-item') == len(rows) == len(varied_list)
    assert "\n" not in new
    assert new.count('class="coding-form"') == (len(rows) if opened else 0)
    assert new.count('data-role="edit"') == (len(rows) if can_code and not opened else 0)
    assert comparable(new) == comparable(old)


def test_a_refused_row_prints_what_the_django_templates_printed(
    varied_list, civil, current_cycle, personas, request_for
):
    (row,) = coding_views._rows(varied_list[2:3], cycle=current_cycle, with_suggestions=True)
    row["error"] = {
        "scheme": "budget",
        "message": 'کد «"><script>» پیدا نشد.',
        "value": '"><script>alert(1)</script>',
    }
    request = request_for(personas["head_a"])
    old = django_rows(request, [row], workgroup=civil, cycle=current_cycle, can_code=True)
    new = jinja_rows(request, [row], workgroup=civil, cycle=current_cycle, can_code=True)
    assert comparable(new) == comparable(old)
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in new


def test_bulk_pickers_print_what_the_django_templates_printed(civil, current_cycle, personas, request_for):
    draw = coding_views.row_drawer(request_for(personas["head_a"]), civil, current_cycle, can_code=True)
    new = "".join(
        str(draw.picker(scheme, "bulk", label, "", None, None, True, None))
        for scheme, label in [("program", "کد برنامه عملیاتی برای همه"), ("budget", "کد ردیف بودجه برای همه")]
    )
    assert comparable(new) == comparable(django_bulk_pickers(current_cycle))


def test_hostile_titles_are_escaped_on_the_page(varied_list, client, civil, personas):
    client.force_login(personas["head_a"])
    html = client.get(f"/workgroups/{civil.slug}/coding/").content.decode()
    assert "<script>alert" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; بهسازی" in html
    assert "پل &quot;عابر&quot; &amp; &#x27;پیاده&#x27; &lt;b&gt;" in html
    # Bidi controls and template syntax in a title are printed as they are, not interpreted.
    assert "\u202eبازسازی\u202c \u200fمدرسه\u200f {{ x }} {% y %}" in html
    assert HOSTILE_TITLES[3] in html
    assert "برنامه &lt;i&gt;&quot;ایمنی&quot;&lt;/i&gt; &amp; &#x27;ترافیک&#x27;" in html
    assert html.count('<li class="coding-item') == len(varied_list)


def test_a_save_answers_with_the_row_the_page_shows(varied_list, client, civil, personas):
    project = varied_list[2]
    client.force_login(personas["head_a"])
    response = client.post(
        f"/workgroups/{civil.slug}/coding/{project.pk}/",
        {"program_code": "4-1-1-01"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    row = response.json()["html"]
    # The answer keeps the row open, as the page draws it when the row's link is followed.
    page = client.get(f"/workgroups/{civil.slug}/coding/?edit={project.pk}").content.decode()
    assert 'class="coding-form"' in row
    assert comparable(row) in comparable(page)
