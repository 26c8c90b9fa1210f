"""The ranking page's rows: 500 projects drawn three ways, in memory (no database).

Run: .venv/bin/python bench/ranking_rows.py

- str.format: the hand-built strings the page used before (a copy is kept below, as the floor),
  with the list's figures set as the page sets them now (`ranking.ListFigures`), so only drawing differs;
- Jinja2: what the page does now, `ranking_rows` with its Jinja2 macro (templates/jinja2/);
- Django loop: the same markup as one Django template looping over the rows (for reference: why
  the rows are not drawn by the Django engine).
Each run draws every way once, in turn (the order rotating run by run); medians of wall time and
CPU time over the runs. The three must print the same bytes (checked first). No time is asserted.
"""

import gc
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karaj_budget.settings")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

PROJECTS = 500
UNRANKED = 50  # of PROJECTS, the rest ranked
RUNS = 30
CEILING = 1_500_000  # the list crosses it about two thirds down


# ---- The rows as they were built before the Jinja2 template (the floor) ------------------------

ROW_HTML = (
    '<li class="rank-item{classes}" data-project-id="{pk}" data-requested="{requested}" '
    'data-credit-type="" data-title="{title}">'
    '<div class="rank-item__pos">{handle}'
    '<span class="rank-item__number" data-position>{position}</span></div>'
    '<div class="rank-item__main">'
    '<a class="rank-item__title" id="title-{pk}" href="{url}">{title}</a>'
    '<p class="rank-item__meta"><span>{unit}</span>{location}'
    '<span class="badge{kind_class}">{kind}</span></p>{overlap}'
    "</div>"
    '<div class="rank-item__amount rank-item__amount--estimate num">'
    '<span class="rank-item__label">برآورد کل</span>{estimate}</div>'
    '<div class="rank-item__amount rank-item__amount--requested num" title="نوع اعتبار نامعلوم">'
    '<span class="rank-item__label">درخواستی</span>{requested_text}</div>'
    '<div class="rank-item__amount rank-item__cumulative num">'
    '<span class="rank-item__label">جمع تجمعی</span><span data-cumulative>{cumulative}</span>'
    '<small class="rank-item__typed" data-type-cumulative></small></div>'
    '<div class="rank-item__fit"><span class="fit-badge" data-fit{fit_state}>{fit}</span></div>'
    "{actions}"
    '<details class="rank-item__details" data-panel-url="{panel_url}">'
    "<summary>جزئیات، نیازسنجی و سابقه اولویت</summary>"
    '<div class="rank-item__panel" data-panel><p><a href="{url}">صفحه کامل پروژه</a></p></div></details>'
    "</li>"
)
ROW_OVERLAP = (
    '<p class="rank-item__overlap" role="note"><span class="badge badge--warning">تداخل احتمالی</span> '
    "{marks}؛ در انتظار بررسی دفتر برنامه و بودجه</p>"
)
ROW_HANDLE = (
    '<span class="rank-item__handle" data-drag-handle title="برای جابه‌جایی بکشید" aria-hidden="true">'
    '<svg viewBox="0 0 12 20" width="12" height="20" focusable="false"><use href="#icon-grip"/></svg></span>'
)
ROW_ACTIONS = (
    '<div class="rank-item__actions">'
    '<button type="submit" name="move" value="{pk}:up" class="icon-btn" data-move="up"{up_disabled}'
    ' title="بالا" aria-labelledby="label-up title-{pk}">'
    '<svg viewBox="0 0 20 20" aria-hidden="true" focusable="false">'
    '<use href="#icon-up"/></svg></button>'
    '<button type="submit" name="move" value="{pk}:down" class="icon-btn" data-move="down"{down_disabled}'
    ' title="پایین" aria-labelledby="label-down title-{pk}"><svg viewBox="0 0 20 20" aria-hidden="true"'
    ' focusable="false"><use href="#icon-down"/></svg></button>'
    '<input type="text" inputmode="numeric" autocomplete="off" class="rank-item__input" id="position-{pk}"'
    ' name="position-{pk}" value="{input}" placeholder="ردیف" data-move-to title="انتقال به ردیف…"'
    ' aria-labelledby="label-move-to title-{pk}">'
    '<button type="submit" name="move" value="{pk}:place" class="btn btn-small rank-item__place"'
    ' data-move="place" aria-labelledby="label-place title-{pk}">افزودن</button>'
    '<button type="submit" name="move" value="{pk}:out" class="icon-btn icon-btn--quiet" data-move="out"'
    ' title="بیرون از فهرست (بازگشت به «در انتظار»)" aria-labelledby="label-out title-{pk}">'
    '<svg viewBox="0 0 20 20" aria-hidden="true" focusable="false"><use href="#icon-out"/></svg></button>'
    "</div>"
)


def overlap_marker(marks):
    from django.utils.html import escape

    from karaj_budget.jalali import persian_digits

    if not marks:
        return ""
    text = "، ".join(
        f"شبیه «{escape(mark.title)}» در {escape(mark.workgroup)} ({persian_digits(mark.score)}٪)"
        for mark in marks
    )
    return ROW_OVERLAP.format(marks=text)


def ranking_rows_str_format(workgroup, ranked, unranked, ceiling, *, can_rank, overlaps=None):
    from django.urls import reverse
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    from karaj_budget.jalali import format_money, persian_digits
    from workgroups import ranking
    from workgroups.models import Project
    from workgroups.views.ranking import _credit_type

    project_url = reverse("workgroups:project-detail", args=[0]).removesuffix("0/")
    panel_url = reverse("workgroups:project-panel", args=[workgroup.slug, 0]).removesuffix("0/panel/")
    kinds = dict(Project.Kind.choices)
    # The figures as the page sets them (since issue 17: the list's and each credit type's cut
    # lines and the sources, `ranking.ListFigures`), so that only the drawing differs.
    line = ranking.ListFigures(ceiling, None)
    last = len(ranked)
    for index, project in enumerate([*ranked, *unranked]):
        position = index + 1 if index < last else None
        project.credit_type = _credit_type(project)
        classes, cumulative_text, fit_text, fit_state = "", "", "", ""
        if position is None:
            line.add_sources(project.requested_amount, None)
        else:
            place = line.add(project.requested_amount, project.credit_type, None)
            project.position = position
            project.cumulative = place.cumulative
            project.fits = place.fits
            cumulative_text = format_money(place.cumulative)
            fit_text = place.fit_label
            fit_state = f' data-fit-state="{place.fit_state}"'
            if place.fits is False:
                classes = " is-below-cutline"
                if line.is_cut(place):
                    project.is_cut = True
                    classes += " is-cut"
                if place.in_remainder:
                    classes += " is-in-remainder"
        kind = kinds.get(project.kind, project.kind)
        if project.physical_progress is not None:
            kind = f"{kind} · پیشرفت {persian_digits(project.physical_progress)}٪"
        position_text = persian_digits(position) if position else ""
        actions = ""
        if can_rank:
            actions = ROW_ACTIONS.format(
                pk=project.pk,
                up_disabled=" disabled" if position == 1 else "",
                down_disabled=" disabled" if position is not None and position == last else "",
                input=position_text,
            )
        title = escape(project.title)
        project.row_html = mark_safe(  # the code being replaced, kept here as the floor
            ROW_HTML.format(
                classes=classes,
                pk=project.pk,
                requested=project.requested_amount,
                title=title,
                handle=ROW_HANDLE if can_rank else "",
                position=position_text or "—",
                url=f"{project_url}{project.pk}/",
                unit=escape(project.proposing_unit.name),
                location=f"<span>{escape(project.location)}</span>" if project.location else "",
                kind_class=" badge--info" if project.kind == Project.Kind.ONGOING else "",
                kind=escape(kind),
                estimate="—" if project.total_estimate is None else format_money(project.total_estimate),
                requested_text=format_money(project.requested_amount),
                cumulative=cumulative_text,
                fit=fit_text,
                fit_state=fit_state,
                actions=actions,
                panel_url=f"{panel_url}{project.pk}/panel/",
                overlap=overlap_marker((overlaps or {}).get(project.pk)),
            )
        )
    return line


# ---- The same markup as one Django template loop (reference) -----------------------------------

# Laid out over lines like the Jinja2 template; the line breaks are removed before compiling.
DJANGO_ROWS = """
{% for r in rows %}{% with project=r.project pk=r.project.pk position=r.position place=r.place %}
  <li class="rank-item{% if place.fits is False %} is-below-cutline{% if r.is_cut %} is-cut{% endif %}{% if place.in_remainder %} is-in-remainder{% endif %}{% endif %}" data-project-id="{{ pk }}" data-requested="{{ project.requested_amount }}" data-credit-type="" data-title="{{ project.title }}">
    <div class="rank-item__pos">
      {% if can_rank %}
        <span class="rank-item__handle" data-drag-handle title="برای جابه‌جایی بکشید" aria-hidden="true">
          <svg viewBox="0 0 12 20" width="12" height="20" focusable="false"><use href="#icon-grip"/></svg>
        </span>
      {% endif %}
      <span class="rank-item__number" data-position>{% if position %}{{ position|fa_digits }}{% else %}—{% endif %}</span>
    </div>
    <div class="rank-item__main">
      <a class="rank-item__title" id="title-{{ pk }}" href="{{ project_url }}{{ pk }}/">{{ project.title }}</a>
      <p class="rank-item__meta">
        <span>{{ project.proposing_unit.name }}</span>
        {% if project.location %}<span>{{ project.location }}</span>{% endif %}
        <span class="badge{% if project.kind == ongoing %} badge--info{% endif %}">
          {{ r.kind }}
          {% if project.physical_progress is not None %} · پیشرفت {{ project.physical_progress|fa_digits }}٪{% endif %}
        </span>
      </p>
      {% if r.marks %}
        <p class="rank-item__overlap" role="note"><span class="badge badge--warning">تداخل احتمالی</span> {% for mark in r.marks %}
          {% if not forloop.first %}، {% endif %}
          شبیه «{{ mark.title }}» در {{ mark.workgroup }} ({{ mark.score|fa_digits }}٪)
          {% endfor %}؛ در انتظار بررسی دفتر برنامه و بودجه
        </p>
      {% endif %}
    </div>
    <div class="rank-item__amount rank-item__amount--estimate num"><span class="rank-item__label">برآورد کل</span>{{ project.total_estimate|money }}</div>
    <div class="rank-item__amount rank-item__amount--requested num" title="نوع اعتبار نامعلوم"><span class="rank-item__label">درخواستی</span>{{ project.requested_amount|money }}</div>
    <div class="rank-item__amount rank-item__cumulative num">
      <span class="rank-item__label">جمع تجمعی</span><span data-cumulative>{% if place %}{{ place.cumulative|money }}{% endif %}</span>
      <small class="rank-item__typed" data-type-cumulative></small>
    </div>
    <div class="rank-item__fit"><span class="fit-badge" data-fit{% if place %} data-fit-state="{{ place.fit_state }}"{% endif %}>{% if place %}{{ place.fit_label }}{% endif %}</span></div>
    {% if can_rank %}
      <div class="rank-item__actions">
        <button type="submit" name="move" value="{{ pk }}:up" class="icon-btn" data-move="up"{% if position == 1 %} disabled{% endif %} title="بالا" aria-labelledby="label-up title-{{ pk }}">
          <svg viewBox="0 0 20 20" aria-hidden="true" focusable="false"><use href="#icon-up"/></svg>
        </button>
        <button type="submit" name="move" value="{{ pk }}:down" class="icon-btn" data-move="down"{% if position and position == last %} disabled{% endif %} title="پایین" aria-labelledby="label-down title-{{ pk }}">
          <svg viewBox="0 0 20 20" aria-hidden="true" focusable="false"><use href="#icon-down"/></svg>
        </button>
        <input type="text" inputmode="numeric" autocomplete="off" class="rank-item__input" id="position-{{ pk }}" name="position-{{ pk }}" value="{% if position %}{{ position|fa_digits }}{% endif %}" placeholder="ردیف" data-move-to title="انتقال به ردیف…" aria-labelledby="label-move-to title-{{ pk }}">
        <button type="submit" name="move" value="{{ pk }}:place" class="btn btn-small rank-item__place" data-move="place" aria-labelledby="label-place title-{{ pk }}">افزودن</button>
        <button type="submit" name="move" value="{{ pk }}:out" class="icon-btn icon-btn--quiet" data-move="out" title="بیرون از فهرست (بازگشت به «در انتظار»)" aria-labelledby="label-out title-{{ pk }}">
          <svg viewBox="0 0 20 20" aria-hidden="true" focusable="false"><use href="#icon-out"/></svg>
        </button>
      </div>
    {% endif %}
    <details class="rank-item__details" data-panel-url="{{ panel_url }}{{ pk }}/panel/">
      <summary>جزئیات، نیازسنجی و سابقه اولویت</summary>
      <div class="rank-item__panel" data-panel><p><a href="{{ project_url }}{{ pk }}/">صفحه کامل پروژه</a></p></div>
    </details>
  </li>
{% endwith %}{% endfor %}
"""  # noqa: E501 - the markup's lines, as in the Jinja2 template


def django_rows_template():
    from django.template import engines

    return engines["django"].from_string(re.sub(r"\n\s*", "", DJANGO_ROWS))


def ranking_rows_django_loop(template, workgroup, ranked, unranked, ceiling, *, can_rank, overlaps=None):
    """The figures as `ranking_rows` sets them, then every row in one Django render."""
    from django.urls import reverse

    from workgroups import ranking
    from workgroups.models import Project

    overlaps = overlaps or {}
    kinds = dict(Project.Kind.choices)
    line = ranking.CutLine(ceiling)
    rows = []
    for position, project in enumerate([*ranked, *unranked], start=1):
        place = None
        is_cut = False
        if position <= len(ranked):
            place = line.add(project.requested_amount)
            is_cut = place.fits is False and line.cut_position == position
        rows.append(
            {
                "project": project,
                "position": position if place else None,
                "place": place,
                "is_cut": is_cut,
                "kind": kinds.get(project.kind, project.kind),
                "marks": overlaps.get(project.pk),
            }
        )
    html = template.render(
        {
            "rows": rows,
            "can_rank": can_rank,
            "last": len(ranked),
            "ongoing": Project.Kind.ONGOING,
            "project_url": reverse("workgroups:project-detail", args=[0]).removesuffix("0/"),
            "panel_url": reverse("workgroups:project-panel", args=[workgroup.slug, 0]).removesuffix(
                "0/panel/"
            ),
        }
    )
    return line, html


# ---- Data and timing ----------------------------------------------------------------------------


def build_list():
    """Unsaved projects with what the rows read: titles with markup and quotes among them, units,
    places, both kinds, progress, and open overlaps on some."""
    from programs.models import Unit
    from workgroups.models import Project, Workgroup
    from workgroups.overlaps.services import OverlapMark

    rng = random.Random(1399)
    workgroup = Workgroup(slug="bench", name="کارگروه آزمایشی")
    units = [Unit(name=f"منطقه {number}") for number in range(1, 23)]
    titles = ["<script>alert(1)</script>", "«پل» & 'تقاطع' \"غیرهمسطح\"", "{{ x }} {% if %}", "نیم‌فاصله"]
    projects = [
        Project(
            pk=number,
            title=rng.choice(titles) if number % 10 == 0 else f"پروژه آزمایشی شماره {number}",
            requested_amount=rng.randrange(1_000, 10_000),
            proposing_unit=rng.choice(units),
            location=rng.choice(["", f"محله {number % 40}"]),
            kind=rng.choice(["new", "ongoing"]),
            physical_progress=rng.choice([None, rng.randrange(0, 101)]),
            total_estimate=rng.choice([None, rng.randrange(5_000, 900_000)]),
        )
        for number in range(1, PROJECTS + 1)
    ]
    overlaps = {
        project.pk: [OverlapMark(f"پروژه مشابه {project.pk}", "کارگروه شهرسازی", rng.randrange(60, 100), 1)]
        for project in rng.sample(projects, 25)
    }
    return workgroup, projects, overlaps


def main():
    import django

    django.setup()
    from workgroups.models import WorkgroupCycle
    from workgroups.views.ranking import ranking_rows

    share = WorkgroupCycle(credit_ceiling=CEILING)  # the list's single ceiling, no type ceilings

    workgroup, projects, overlaps = build_list()
    ranked, unranked = projects[: PROJECTS - UNRANKED], projects[PROJECTS - UNRANKED :]
    django_template = django_rows_template()

    def old():
        ranking_rows_str_format(workgroup, ranked, unranked, CEILING, can_rank=True, overlaps=overlaps)
        return "".join(p.row_html for p in projects)

    def new():
        ranking_rows(workgroup, ranked, unranked, share, can_rank=True, overlaps=overlaps)
        return "".join(p.row_html for p in projects)

    def django_loop():
        return ranking_rows_django_loop(
            django_template, workgroup, ranked, unranked, CEILING, can_rank=True, overlaps=overlaps
        )[1]

    ways = {"str.format (old)": old, "Jinja2 (now)": new, "Django loop": django_loop}
    outputs = {name: way() for name, way in ways.items()}  # also the warm-up
    same = len(set(outputs.values())) == 1
    wall = {name: [] for name in ways}
    cpu = {name: [] for name in ways}
    names = list(ways)
    for run in range(RUNS):
        for name in names[run % 3 :] + names[: run % 3]:
            gc.collect()
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            ways[name]()
            cpu[name].append(time.process_time() - start_cpu)
            wall[name].append(time.perf_counter() - start_wall)

    print(f"ranking rows, {PROJECTS} projects ({UNRANKED} unranked), medians over {RUNS} runs each")
    print(f"  same bytes from all three: {same} ({len(outputs['Jinja2 (now)'].encode())} bytes)")
    for name in ways:
        print(
            f"  {name:18} wall {statistics.median(wall[name]) * 1000:6.1f} ms"
            f"   cpu {statistics.median(cpu[name]) * 1000:6.1f} ms"
        )
    if not same:
        sys.exit("the three ways printed different markup")


if __name__ == "__main__":
    main()
