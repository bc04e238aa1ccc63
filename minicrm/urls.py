from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from distribution.views import intake

urlpatterns = [
    path("api/contacts", intake.contacts, name="api-contacts"),
    path("healthz", intake.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
