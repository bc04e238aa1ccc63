from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from django.views.i18n import set_language

from distribution.forms import SignInForm

handler400 = "minicrm.errors.bad_request"
handler403 = "minicrm.errors.permission_denied"
handler404 = "minicrm.errors.not_found"
handler500 = "minicrm.errors.server_error"

urlpatterns = [
    path("", include("distribution.urls")),
    # Asked for wherever no icon is named (JSON, files). Lazy: the manifest is not read at import.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg")), name="favicon"),
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=SignInForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]
