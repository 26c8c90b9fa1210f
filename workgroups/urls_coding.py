"""URLs of coding and the export, included in the `workgroups` namespace by workgroups/urls.py."""

from django.urls import path

from workgroups import views_coding as views

urlpatterns = [
    path("workgroups/<slug:slug>/coding/", views.coding_edit, name="coding-edit"),
    path("workgroups/<slug:slug>/coding/bulk/", views.coding_bulk, name="coding-bulk"),
    path("workgroups/<slug:slug>/coding/submit/", views.coding_submit, name="coding-submit"),
    path("workgroups/<slug:slug>/coding/<int:pk>/", views.coding_project, name="coding-project"),
    path("workgroups/<slug:slug>/export/", views.workgroup_export, name="workgroup-export"),
    path("office/export/", views.office_export, name="office-export"),
]
