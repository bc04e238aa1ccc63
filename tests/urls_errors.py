"""The project's URLs and error handlers, with views that fail on purpose and one that CSRF
protects (tests only)."""

from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.http import HttpResponse
from django.urls import path

from minicrm import urls as project

handler400 = project.handler400
handler403 = project.handler403
handler404 = project.handler404
handler500 = project.handler500


def forbidden(request):
    raise PermissionDenied


def protected(request):
    return HttpResponse("done")


def locked(request):
    raise OperationalError("database is locked")


def no_such_table(request):
    raise OperationalError("no such table: distribution_lead")


urlpatterns = [
    path("api/forbidden", forbidden),
    path("api/locked", locked),
    path("api/protected", protected),
    path("forbidden", forbidden),
    path("locked", locked),
    path("protected", protected),
    path("no-such-table", no_such_table),
    *project.urlpatterns,
]
