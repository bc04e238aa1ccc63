"""Each login's own time zone, the one its pages and files show times in: kept in the session, so
that reading it costs no query.

The daily figures (DailyAssignments, DailyCloses, ResponseFigures) keep counting the days of
settings.TIME_ZONE, whatever zone the login that closed or assigned was in.
"""

import datetime
import zoneinfo

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import DatabaseError
from django.http import HttpRequest
from django.utils import timezone

from minicrm.database import is_unavailable
from minicrm.errors import is_api_path

from .http import AuthenticatedHttpRequest
from .models import LoginSettings

# The login's zone, or "" for the site's.
SESSION_KEY = "time_zone"


def saved_time_zone(user: AbstractBaseUser) -> str:
    """Return the zone `user` chose, or "" for the site's (one query)."""
    return LoginSettings.objects.filter(user_id=user.pk).values_list("time_zone", flat=True).first() or ""


def save_time_zone(request: AuthenticatedHttpRequest, zone: str) -> None:
    """Make `zone` ("" for the site's) the zone of the request's login, now and at later logins."""
    LoginSettings.objects.update_or_create(user=request.user, defaults={"time_zone": zone})
    request.session[SESSION_KEY] = zone


def remember_at_login(sender, request: HttpRequest | None, user: AbstractBaseUser, **kwargs) -> None:
    """Put the login's zone in its new session (user_logged_in's receiver)."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = saved_time_zone(user)


class LoginTimeZoneMiddleware:
    """Show a login's pages in its time zone. The bots' API keeps the site's, without looking."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api_path(request.path_info):
            return self.get_response(request)
        try:
            zone = _zone_of(request)
        except DatabaseError as error:
            if not is_unavailable(error):
                raise
            zone = None  # the view finds the database unavailable too, and answers the 503
        if zone:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            # A thread serves other requests next, a test client other tests.
            timezone.deactivate()


def _zone_of(request: HttpRequest) -> zoneinfo.ZoneInfo | None:
    zone = request.session.get(SESSION_KEY)
    if zone is None and request.user.is_authenticated:
        # A session from before logins had zones: looked up once.
        zone = request.session[SESSION_KEY] = saved_time_zone(request.user)
    try:
        return zoneinfo.ZoneInfo(zone) if zone else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def zone_label(name: str, now: datetime.datetime | None = None) -> str:
    """Return a zone's name with its offset at `now`: "Europe/Moscow (UTC+03:00)"."""
    offset = (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(name)).strftime("%z")
    return f"{name} (UTC{offset[:3]}:{offset[3:]})"
