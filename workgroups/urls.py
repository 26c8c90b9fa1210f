"""Every page of the round, in the `workgroups` namespace. The paths are grouped by who uses them;
the names (`<noun>-<verb>`) are what templates and tests reverse."""

from django.urls import include, path

from workgroups.views import (
    attachments,
    coding,
    exports,
    home,
    letters,
    meetings,
    monitoring,
    office,
    overlaps,
    projects,
    ranking,
    reports,
    submissions,
)
from workgroups.views import enrolment as monitoring_enrolment
from workgroups.views import indicators as monitoring_indicators

app_name = "workgroups"

# A workgroup's list: ranking, meetings, coding, submitting and exporting it.
workgroup_patterns = [
    path("", ranking.workgroup_detail, name="workgroup-detail"),
    path("ranking/", ranking.ranking_save, name="ranking-save"),
    path("ranking/form/", ranking.ranking_update, name="ranking-update"),
    path("history/", ranking.ranking_history, name="ranking-history"),
    path("projects/<int:pk>/panel/", ranking.project_panel, name="project-panel"),
    path("projects/<int:pk>/remit/", ranking.project_remit, name="project-remit"),
    path("meetings/", meetings.meeting_list, name="meeting-list"),
    path("meetings/new/", meetings.meeting_create, name="meeting-create"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/tie/", meetings.meeting_tie, name="meeting-tie"),
    path("coding/", coding.coding_edit, name="coding-edit"),
    path("coding/bulk/", coding.coding_bulk, name="coding-bulk"),
    path("coding/submit/", coding.coding_submit, name="coding-submit"),
    path("coding/<int:pk>/", coding.coding_project, name="coding-project"),
    path("export/", exports.workgroup_export, name="workgroup-export"),
    path("submissions/", submissions.submission_list, name="submission-list"),
    path("submissions/<slug:kind>/submit/", submissions.submission_submit, name="submission-submit"),
    path("extensions/new/", submissions.extension_create, name="extension-create"),
    path("lists/<slug:kind>/attachments/", attachments.list_attachments, name="list-attachments"),
]

# The budget office's own pages.
office_patterns = [
    path("", home.office_home, name="office-home"),
    path("dashboard.json", office.office_dashboard_json, name="office-dashboard-json"),
    path("submissions/", submissions.submission_queue, name="submission-queue"),
    path("export/", exports.office_export, name="office-export"),
    path("exports/", exports.export_run_list, name="export-run-list"),
    path("exports/<int:pk>/state/", exports.export_run_state, name="export-run-state"),
    path("exports/<int:pk>/download/", exports.export_run_download, name="export-run-download"),
    path("overlaps/", overlaps.overlap_queue, name="overlap-queue"),
    path("overlaps/refresh/", overlaps.overlap_refresh, name="overlap-refresh"),
    path("overlaps/refresh/state/", overlaps.overlap_run_state, name="overlap-run-state"),
    path("overlaps/<int:pk>/", overlaps.overlap_detail, name="overlap-detail"),
    path("overlaps/<int:pk>/decide/", overlaps.overlap_decide, name="overlap-decide"),
    path("overlaps/<int:pk>/reverse/", overlaps.overlap_reverse, name="overlap-reverse"),
    path("remit/", office.remit_queue, name="remit-queue"),
    path("plan/", office.plan_slice, name="plan-slice"),
    path("remit/<int:pk>/decide/", office.remit_decide, name="remit-decide"),
]

# Quarterly monitoring reports (docs/monitoring.md): the unit reports, heads comment, the office
# opens quarters, verifies and returns.
report_patterns = [
    path("unit/", reports.unit_quarter_latest, name="unit-quarter-latest"),
    path("quarters/", reports.period_list, name="period-list"),
    path("quarters/<int:pk>/extend/", reports.period_extend, name="period-extend"),
    path("quarters/<int:pk>/unit/", reports.unit_quarter, name="unit-quarter"),
    path("quarters/<int:pk>/unit/template.xlsx", reports.report_template, name="report-template"),
    path("quarters/<int:pk>/unit/upload/", reports.report_upload, name="report-upload"),
    path("quarters/<int:pk>/projects/<int:monitored_pk>/", reports.report_save, name="report-save"),
    path("projects/<int:pk>/planned/", reports.planned_correct, name="planned-correct"),
    path("reports/", reports.report_list, name="report-list"),
    path("reports/<int:pk>/", reports.report_detail, name="report-detail"),
    path("reports/<int:pk>/submit/", reports.report_submit, name="report-submit"),
    path("reports/<int:pk>/comment/", reports.report_comment, name="report-comment"),
    path("reports/<int:pk>/verify/", reports.report_verify, name="report-verify"),
    path("reports/<int:pk>/return/", reports.report_return, name="report-return"),
    path("reports/<int:pk>/attachments/", attachments.report_attachments, name="report-attachments"),
]

urlpatterns = [
    path("", home.home, name="home"),
    path("unit/", home.unit_home, name="unit-home"),
    path("projects/new/", projects.project_create, name="project-create"),
    path("projects/<int:pk>/", projects.project_detail, name="project-detail"),
    path("projects/<int:pk>/edit/", projects.project_edit, name="project-edit"),
    path("submissions/<int:pk>/", submissions.submission_detail, name="submission-detail"),
    path("submissions/<int:pk>/accept/", submissions.submission_accept, name="submission-accept"),
    path("submissions/<int:pk>/return/", submissions.submission_return, name="submission-return"),
    path("submissions/<int:pk>/letter.pdf", letters.submission_letter, name="submission-letter"),
    path("submissions/<int:pk>/letter/number/", letters.letter_number, name="submission-letter-number"),
    path("submissions/<int:pk>/verify/<str:checksum>/", letters.submission_verify, name="submission-verify"),
    path("codes/<slug:scheme>/search/", coding.code_search, name="code-search"),
    # Attachments: files follow their parent's access (workgroups/attachments/parents.py).
    path("projects/<int:pk>/attachments/", attachments.project_attachments, name="project-attachments"),
    path("meetings/<int:pk>/attachments/", attachments.meeting_attachments, name="meeting-attachments"),
    path("attachments/<int:pk>/", attachments.attachment_download, name="attachment-download"),
    path("attachments/<int:pk>/delete/", attachments.attachment_delete, name="attachment-delete"),
    path("workgroups/<slug:slug>/", include(workgroup_patterns)),
    path("office/", include(office_patterns)),
    path("monitoring/", include(report_patterns)),
]

# Monitoring set-up (docs/monitoring.md): what is monitored and its approved amounts, the carry-over
# of ongoing projects (the office), and the program indicators' actual values.
monitoring_setup_patterns = [
    path("", monitoring_enrolment.monitoring_setup, name="monitoring-setup"),
    path("enrol/", monitoring_enrolment.monitoring_enrol, name="monitoring-enrol"),
    path("<int:pk>/approved/", monitoring_enrolment.monitored_approved, name="monitored-approved"),
    path("approved/import/", monitoring_enrolment.approved_import, name="approved-import"),
    path(
        "approved/import/confirm/",
        monitoring_enrolment.approved_import_confirm,
        name="approved-import-confirm",
    ),
    path("carryover/", monitoring_enrolment.carryover_link, name="carryover-link"),
]
urlpatterns += [
    path("office/monitoring/setup/", include(monitoring_setup_patterns)),
    path("monitoring/indicators/", monitoring_indicators.indicator_list, name="indicator-list"),
    path(
        "monitoring/indicators/<int:pk>/actual/",
        monitoring_indicators.indicator_actual,
        name="indicator-actual",
    ),
    # Monitoring's dashboard: each role sees its own projects (docs/monitoring.md, "Dashboard").
    path("monitoring/dashboard/", monitoring.monitoring_dashboard, name="monitoring-dashboard"),
    path("monitoring/dashboard.json", monitoring.monitoring_dashboard_json, name="monitoring-dashboard-json"),
    path("monitoring/export/", monitoring.monitoring_export, name="monitoring-export"),
]
