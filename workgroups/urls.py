from django.urls import path

from workgroups import views

app_name = "workgroups"

urlpatterns = [
    path("office/", views.office_home, name="office-home"),
    path("unit/", views.unit_home, name="unit-home"),
    path("workgroups/<slug:slug>/", views.workgroup_detail, name="workgroup-detail"),
    path("projects/new/", views.project_create, name="project-create"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project-edit"),
]

from workgroups import urls_submissions  # noqa: E402

urlpatterns += urls_submissions.urlpatterns

from workgroups import urls_coding  # noqa: E402

urlpatterns += urls_coding.urlpatterns
