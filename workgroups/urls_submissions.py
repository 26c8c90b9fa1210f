"""URLs of the submission workflow, included in the `workgroups` namespace by workgroups/urls.py."""

from django.urls import path

from workgroups import views_submissions as views

urlpatterns = [
    path("office/dashboard.json", views.office_dashboard_json, name="office-dashboard-json"),
    path("office/submissions/", views.submission_queue, name="submission-queue"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission-detail"),
    path("submissions/<int:pk>/accept/", views.submission_accept, name="submission-accept"),
    path("submissions/<int:pk>/return/", views.submission_return, name="submission-return"),
    path("workgroups/<slug:slug>/submissions/", views.submission_list, name="submission-list"),
    path(
        "workgroups/<slug:slug>/submissions/<slug:kind>/submit/",
        views.submission_submit,
        name="submission-submit",
    ),
    path("workgroups/<slug:slug>/extensions/new/", views.extension_create, name="extension-create"),
]
