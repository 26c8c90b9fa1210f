from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from karaj_budget import views

admin.site.site_header = "مدیریت سامانه بودجه کرج"
admin.site.site_title = "سامانه بودجه کرج"
admin.site.index_title = "مدیریت"
# The list pages need the width (the code list's «معاونت», the audit trail's «شرح» were clipped at
# 1366 px beside the model sidebar); every model is one click away on the admin's index page.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/", admin.site.urls),
    # Every page of the round, `/` included (it sends each role to its home).
    path("", include("workgroups.urls")),
]
