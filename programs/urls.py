from django.urls import path

from programs import views

app_name = "programs"

urlpatterns = [
    path("codes/<slug:scheme>/search/", views.code_search, name="code-search"),
]
