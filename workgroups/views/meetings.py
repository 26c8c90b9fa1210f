"""Joint meetings of a workgroup with the units' experts: list, record, read, tie the list to one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from workgroups import access, services
from workgroups.forms import MeetingForm
from workgroups.locks import ListError
from workgroups.models import AuditEntry, Meeting, WorkgroupCycle


@login_required
def meeting_list(request, slug):
    workgroup = access.get_workgroup_for_user(request.user, slug)
    cycle = access.current_cycle_or_404()
    meetings = (
        Meeting.objects.filter(workgroup=workgroup, cycle=cycle)
        .select_related("created_by")
        .annotate(attendee_count=Count("attendees"))
    )
    return render(
        request,
        "workgroups/meeting_list.html",
        {
            "workgroup": workgroup,
            "cycle": cycle,
            "meetings": meetings,
            "is_head": access.is_head(request.user, workgroup),
        },
    )


@login_required
def meeting_create(request, slug):
    """The head records a joint meeting: Jalali date, attendees, minutes, decisions."""
    workgroup = access.get_workgroup_for_user(request.user, slug, write=True)
    cycle = access.current_cycle_or_404()
    form = MeetingForm(request.POST or None, workgroup=workgroup, cycle=cycle)
    if request.method == "POST" and form.is_valid():
        meeting = form.save(commit=False)
        meeting.workgroup = workgroup
        meeting.cycle = cycle
        services.meeting_create(meeting=meeting, user=request.user, save_m2m=form.save_m2m)
        messages.success(request, f"{meeting} ثبت شد. اکنون می‌توانید جابه‌جایی‌ها را «در این جلسه» ذخیره کنید.")
        return redirect(
            f"{reverse('workgroups:workgroup-detail', args=[workgroup.slug])}?meeting={meeting.pk}"
        )
    return render(
        request, "workgroups/meeting_form.html", {"form": form, "workgroup": workgroup, "cycle": cycle}
    )


@login_required
def meeting_detail(request, slug, pk):
    workgroup = access.get_workgroup_for_user(request.user, slug)
    cycle = access.current_cycle_or_404()
    meeting = get_object_or_404(
        Meeting.objects.select_related("created_by").prefetch_related("attendees"),
        pk=pk,
        workgroup=workgroup,
        cycle=cycle,
    )
    saves = AuditEntry.objects.filter(
        workgroup=workgroup, cycle=cycle, action="ranking.save", details__meeting=meeting.pk
    ).select_related("actor")
    share = WorkgroupCycle.objects.filter(workgroup=workgroup, cycle=cycle).first()
    return render(
        request,
        "workgroups/meeting_detail.html",
        {
            "workgroup": workgroup,
            "cycle": cycle,
            "meeting": meeting,
            "saves": saves,
            "is_head": access.is_head(request.user, workgroup),
            "is_current_state": share is not None and meeting.ranking_version == share.ranking_version,
        },
    )


@login_required
@require_POST
def meeting_tie(request, slug, pk):
    """Tie the list as it stands to a meeting: "ranked in the meeting of 1398/09/10"."""
    workgroup = access.get_workgroup_for_user(request.user, slug, write=True)
    cycle = access.current_cycle_or_404()
    meeting = get_object_or_404(Meeting, pk=pk, workgroup=workgroup, cycle=cycle)
    try:
        services.meeting_tie_ranking(meeting=meeting, user=request.user)
    except ListError as error:
        messages.error(request, error.message)
        return redirect(workgroup)
    messages.success(request, f"ترتیب کنونی فهرست به‌عنوان مصوبه {meeting} ثبت شد.")
    return redirect(workgroup)
