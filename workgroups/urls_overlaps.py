"""URLs of the office's overlap review, included in the `workgroups` namespace by workgroups/urls.py."""

from django.urls import path

from workgroups import views_overlaps as views

urlpatterns = [
    path("office/overlaps/", views.overlap_queue, name="overlap-queue"),
    path("office/overlaps/refresh/", views.overlap_refresh, name="overlap-refresh"),
    path("office/overlaps/<int:pk>/", views.overlap_detail, name="overlap-detail"),
    path("office/overlaps/<int:pk>/decide/", views.overlap_decide, name="overlap-decide"),
    path("office/overlaps/<int:pk>/reverse/", views.overlap_reverse, name="overlap-reverse"),
    path("office/remit/", views.remit_queue, name="remit-queue"),
    path("office/remit/<int:pk>/decide/", views.remit_decide, name="remit-decide"),
]
