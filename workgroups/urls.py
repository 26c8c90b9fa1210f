from django.urls import path

from workgroups import views

app_name = "workgroups"

urlpatterns = [
    path("office/", views.office_home, name="office-home"),
    path("unit/", views.unit_home, name="unit-home"),
    path("workgroups/<slug:slug>/", views.workgroup_detail, name="workgroup-detail"),
    path("workgroups/<slug:slug>/ranking/", views.ranking_save, name="ranking-save"),
    path("workgroups/<slug:slug>/ranking/form/", views.ranking_update, name="ranking-update"),
    path("workgroups/<slug:slug>/history/", views.ranking_history, name="ranking-history"),
    path("workgroups/<slug:slug>/projects/<int:pk>/panel/", views.project_panel, name="project-panel"),
    path("workgroups/<slug:slug>/projects/<int:pk>/remit/", views.project_remit, name="project-remit"),
    path("workgroups/<slug:slug>/meetings/", views.meeting_list, name="meeting-list"),
    path("workgroups/<slug:slug>/meetings/new/", views.meeting_create, name="meeting-create"),
    path("workgroups/<slug:slug>/meetings/<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("workgroups/<slug:slug>/meetings/<int:pk>/tie/", views.meeting_tie, name="meeting-tie"),
    path("projects/new/", views.project_create, name="project-create"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project-edit"),
]

from workgroups import urls_submissions  # noqa: E402

urlpatterns += urls_submissions.urlpatterns

from workgroups import urls_overlaps  # noqa: E402

urlpatterns += urls_overlaps.urlpatterns

from workgroups import urls_coding  # noqa: E402

urlpatterns += urls_coding.urlpatterns
