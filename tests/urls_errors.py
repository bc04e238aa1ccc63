"""The project's URLs and error handlers, with views that fail on purpose (tests only)."""

from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.urls import path

from minicrm import urls as project

handler400 = project.handler400
handler403 = project.handler403
handler404 = project.handler404
handler500 = project.handler500


def forbidden(request):
    raise PermissionDenied


def locked(request):
    raise OperationalError("database is locked")


def no_such_table(request):
    raise OperationalError("no such table: distribution_lead")


urlpatterns = [
    path("api/forbidden", forbidden),
    path("api/locked", locked),
    path("forbidden", forbidden),
    path("locked", locked),
    path("no-such-table", no_such_table),
    *project.urlpatterns,
]
