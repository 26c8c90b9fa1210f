"""The coding page (docs/workflow.md, step 5) and the code search behind its pickers.

The coding page works as plain HTML forms (one per project, codes typed in any digit form); its
script turns the code inputs into searchable pickers and saves a choice without reloading the page
(the server answers with the project's row, re-rendered). Every write goes through
`workgroups.coding`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import engines
from django.template.backends.utils import csrf_input
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from markupsafe import Markup

from karaj_budget.jalali import persian_digits
from karaj_budget.persian import to_ascii_digits
from programs.models import BudgetCode, ProgramCode, code_paths
from programs.search import SCHEMES, search_codes
from workgroups import access, coding, deadlines, locks, submissions, suggestions
from workgroups.locks import ListConflict, ListError
from workgroups.models import Cycle, Deadline, Project
from workgroups.views.submissions import submit_and_report

Kind = Deadline.Kind


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


# ---- The page -----------------------------------------------------------------------------------

# The rows and code pickers of the coding page, drawn up to 300 times a page: Jinja2 macros (the
# "jinja2" template backend, every value escaped by its autoescape as Django escapes it), as the
# ranking page's rows. bench/coding.py, 300 rows: the page beyond its data cost 120–165 ms of CPU
# with the rows as Django template includes, 26–43 ms with these macros (docs/performance.md).
ROW_TEMPLATE = "workgroups/_coding_row.html"


def row_drawer(request, workgroup, cycle, *, can_code):
    """The module of ROW_TEMPLATE's macros (`row`, `picker`) set up for one page of `workgroup`'s
    list in `cycle`, or for the one row a save sends back."""
    return (
        engines["jinja2"]
        .get_template(ROW_TEMPLATE)
        .template.make_module(
            {
                "can_code": can_code,
                "csrf_input": csrf_input(request) if can_code else "",
                "cycle_year": cycle.fiscal_year,
                "search_urls": _search_urls(),
                "project_url": reverse("workgroups:project-detail", args=[0]).removesuffix("0/"),
                "coding_url": reverse("workgroups:coding-project", args=[workgroup.slug, 0]).removesuffix(
                    "0/"
                ),
            }
        )
    )


def _rows(projects, *, cycle, with_suggestions):
    """What each project's row shows: the paths of its codes, warnings and suggestions (a
    suggestion shows its codes and titles, not their paths)."""
    offered = suggestions.suggestions_for(projects, cycle=cycle) if with_suggestions else {}
    program_paths = code_paths(ProgramCode, [p.program_code for p in projects])
    budget_paths = code_paths(BudgetCode, [p.budget_code for p in projects])
    return [
        {
            "project": project,
            "program_path": program_paths.get(project.program_code_id, []),
            "budget_path": budget_paths.get(project.budget_code_id, []),
            "warnings": coding.coding_warnings(project),
            "suggestions": offered.get(project.pk, []),
        }
        for project in projects
    ]


def _status_context(request, workgroup, cycle, projects):
    """The coded list's state box (`_coding_status.html`) and whether the person may code now."""
    # The due dates and submissions read once, for the state and the lock alike.
    dues = deadlines.due_dates(workgroup, cycle)
    listed = locks.list_submissions(workgroup=workgroup, cycle=cycle)
    status = submissions.list_state(
        workgroup=workgroup,
        cycle=cycle,
        kind=Kind.CODING,
        user=request.user,
        projects=projects,
        dues=dues,
        submissions=listed,
    )
    lock_reason = status.lock_reason
    if status.is_frozen:
        lock_reason = locks.list_lock_reason(
            workgroup=workgroup, cycle=cycle, writer=locks.CODING, dues=dues, submissions=listed
        )
    # Writes go to the current cycle's list; an earlier cycle's list is shown read-only.
    is_current = cycle == Cycle.objects.current()
    can_code = is_current and lock_reason is None and access.is_head(request.user, workgroup)
    return {
        "workgroup": workgroup,
        "cycle": cycle,
        "status": status,
        "lock_reason": lock_reason,
        "can_code": can_code,
        "is_current": is_current,
    }


def _page_context(request, workgroup, cycle):
    projects = coding.coding_projects(workgroup=workgroup, cycle=cycle)
    context = _status_context(request, workgroup, cycle, projects)
    coded = sum(project.is_coded for project in projects)
    can_code = context["can_code"]
    draw = row_drawer(request, workgroup, cycle, can_code=can_code)
    rows = _rows(projects, cycle=cycle, with_suggestions=can_code)
    # ?edit=<pk>: the row opened without the script (its link); any other value opens none.
    opened = to_ascii_digits(request.GET.get("edit", "")).strip()
    for row in rows:
        row["open"] = str(row["project"].pk) == opened
    return {
        **context,
        # One string for the whole list: the page template does not loop over 300 rows.
        "rows_html": Markup("".join([draw.row(row) for row in rows])),
        "rows": rows,
        "bulk_pickers": [
            draw.picker("program", "bulk", "کد برنامه عملیاتی برای همه", "", None, None, True, None),
            draw.picker("budget", "bulk", "کد ردیف بودجه برای همه", "", None, None, True, None),
        ]
        if can_code
        else [],
        "coded_count": coded,
        "total": len(projects),
        "uncoded_count": len(projects) - coded,
    }


# What the list's state box and counts read of each project (submissions.SUBMISSION_CHECKS for the
# coded list, ListStatus's "started"): a save's answer draws them again without the rows' units and
# codes, which made reading the list a third of a save.
STATE_FIELDS = ("title", "priority", "state", "program_code", "budget_code", "workgroup", "cycle")


def _list_answer(request, workgroup, cycle):
    """What a save's answer says of the whole list: the coded count and the state box."""
    projects = list(coding.coding_list(workgroup=workgroup, cycle=cycle).only(*STATE_FIELDS))
    context = _status_context(request, workgroup, cycle, projects)
    return {
        "coded_count": sum(project.is_coded for project in projects),
        "total": len(projects),
        "status_html": render_to_string("workgroups/_coding_status.html", context, request),
    }


def _search_urls():
    return {
        "program": reverse("workgroups:code-search", args=["program"]),
        "budget": reverse("workgroups:code-search", args=["budget"]),
    }


@login_required
def coding_edit(request, slug):
    """The head codes each project of the list; members and the office see the codes read-only."""
    workgroup = access.get_workgroup_for_user(request.user, slug)
    cycle = access.get_cycle_or_404(request)
    return render(request, "workgroups/coding_edit.html", _page_context(request, workgroup, cycle))


# ---- Writes -------------------------------------------------------------------------------------


def _code_field(post, name):
    """A code from the form: the picker's id, else the code as typed ("" clears), else unchanged."""
    chosen = post.get(f"{name}_id", "").strip()
    if chosen:
        if not chosen.isdigit():
            raise coding.CodingError("کد انتخاب‌شده نامعتبر است.")
        return int(chosen)
    if name in post:
        text = post[name].strip()
        return text or None
    return coding.UNCHANGED


def _expected(post):
    expected = {}
    for name in ("program_code", "budget_code"):
        key = f"was_{name}"
        if key in post:
            value = post[key].strip()
            expected[name] = int(value) if value.isdigit() else None
    return expected or None


def _row_html(request, project, cycle, error=None):
    """The project's row, open: a save's answer keeps the row the head is coding open."""
    (row,) = _rows([project], cycle=cycle, with_suggestions=True)
    row["error"] = error
    row["open"] = True
    return str(row_drawer(request, project.workgroup, cycle, can_code=True).row(row))


def _project_in_list(workgroup, cycle, pk):
    try:
        return Project.objects.select_related("workgroup", "cycle", "program_code", "budget_code").get(
            pk=pk, workgroup=workgroup, cycle=cycle
        )
    except Project.DoesNotExist:
        raise Http404("پروژه در این فهرست نیست.") from None


@login_required
@require_http_methods(["GET", "POST"])
def coding_project(request, slug, pk):
    """Save one project's codes (a row's form, a picker's choice or a suggestion's button); GET
    opens the row's form (JSON: the open row, for the page's script; else the page with it open)."""
    workgroup = access.get_workgroup_for_user(request.user, slug, write=True)
    cycle = access.current_cycle_or_404()
    project = _project_in_list(workgroup, cycle, pk)
    if request.method == "GET":
        return _open_row(request, workgroup, cycle, project)
    status, message, row_error = 200, "", None
    try:
        project = coding.project_code(
            project=project,
            program_code=_code_field(request.POST, "program_code"),
            budget_code=_code_field(request.POST, "budget_code"),
            user=request.user,
            expected=_expected(request.POST),
        )
    except ListError as error:
        status, message = error.status, error.message
        if isinstance(error, ListConflict):
            project = _project_in_list(workgroup, cycle, pk)
        field = getattr(error, "field", None)
        if field:
            # The row again, with the refused code as typed and the reason under its field.
            project = _project_in_list(workgroup, cycle, pk)
            typed = request.POST.get(field, "") if not request.POST.get(f"{field}_id") else ""
            row_error = {"scheme": field.removesuffix("_code"), "message": message, "value": typed}
    if _wants_json(request):
        payload = {
            "ok": status == 200,
            "message": message,
            **_list_answer(request, workgroup, cycle),
        }
        if status in (200, 409) or row_error:
            payload["html"] = _row_html(request, project, cycle, row_error)
            payload["coded"] = project.is_coded
            if status == 200:
                payload["message"] = _saved_message(project)
        return JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})
    if status == 200:
        messages.success(request, _saved_message(project))
        return redirect(_page_at(workgroup, project))
    messages.error(request, message)
    # Refused: the row again open, to correct the code.
    return redirect(_page_at(workgroup, project, opened=True))


def _page_at(workgroup, project, *, opened=False):
    """The coding page at the project's row, with the row open (?edit=) when `opened`."""
    page = reverse("workgroups:coding-edit", args=[workgroup.slug])
    return f"{page}{f'?edit={project.pk}' if opened else ''}#project-{project.pk}"


def _open_row(request, workgroup, cycle, project):
    # A list that may not be coded now (sent, or past a hard deadline) answers 423 with the reason
    # (workgroups.middleware), as a save would.
    locks.ensure_list_open(workgroup=workgroup, cycle=cycle, writer=locks.CODING)
    if _wants_json(request):
        return JsonResponse(
            {"ok": True, "html": _row_html(request, project, cycle)},
            json_dumps_params={"ensure_ascii": False},
        )
    return redirect(_page_at(workgroup, project, opened=True))


def _saved_message(project):
    if project.is_coded:
        return f"کدهای «{project.title}» ذخیره شد."
    return f"تغییر کدهای «{project.title}» ذخیره شد؛ پروژه هنوز کامل کدگذاری نشده است."


@login_required
@require_POST
def coding_bulk(request, slug):
    """Apply one program code and/or budget line to the selected projects."""
    workgroup = access.get_workgroup_for_user(request.user, slug, write=True)
    cycle = access.current_cycle_or_404()
    ids = [int(value) for value in request.POST.getlist("projects") if value.isdigit()]
    projects = list(
        Project.objects.select_related("workgroup", "cycle").filter(
            pk__in=ids, workgroup=workgroup, cycle=cycle
        )
    )
    try:
        if len(projects) != len(set(ids)):
            raise coding.CodingError("برخی از پروژه‌های انتخاب‌شده در این فهرست نیستند.")
        program = _code_field(request.POST, "program_code")
        budget = _code_field(request.POST, "budget_code")
        coding.projects_code_bulk(
            projects=projects,
            program_code=None if program is coding.UNCHANGED else program,
            budget_code=None if budget is coding.UNCHANGED else budget,
            user=request.user,
        )
    except ListError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"کد به {persian_digits(len(projects))} پروژه اعمال شد.")
    return redirect("workgroups:coding-edit", slug=workgroup.slug)


@login_required
@require_POST
def coding_submit(request, slug):
    """The head sends the coded list; a refusal names every project still uncoded."""
    workgroup = access.get_workgroup_for_user(request.user, slug, write=True)
    cycle = access.current_cycle_or_404()
    submit_and_report(request, workgroup=workgroup, cycle=cycle, kind=Kind.CODING)
    return redirect("workgroups:coding-edit", slug=workgroup.slug)


# ---- Export -------------------------------------------------------------------------------------


@login_required
@require_GET
def code_search(request, scheme):
    """JSON list of up to 20 leaf codes, active and valid in ?cycle=<fiscal year> (else the current
    cycle's year), matching ?q= (any signed-in person may search)."""
    if scheme not in SCHEMES:
        raise Http404("جدول کد نامعتبر است.")
    year = to_ascii_digits(request.GET.get("cycle", "")).strip()
    if year:
        if not year.isdigit() or len(year) != 4:
            raise Http404("دوره بودجه نامعتبر است.")
        cycle_year = get_object_or_404(Cycle, fiscal_year=int(year)).fiscal_year
    else:
        current = Cycle.objects.current()
        cycle_year = current.fiscal_year if current else None
    results = search_codes(scheme, request.GET.get("q", ""), cycle_year=cycle_year)
    return JsonResponse(results, safe=False, json_dumps_params={"ensure_ascii": False})
