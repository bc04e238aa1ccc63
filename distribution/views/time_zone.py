from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..forms import TimeZoneForm
from ..http import AuthenticatedHttpRequest
from ..time_zones import SESSION_KEY, save_time_zone, zone_label
from .common import next_url


@login_required
@require_http_methods(["GET", "POST"])
def time_zone(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Choose the time zone this login's pages and files show times in, then go back."""
    back = next_url(request, reverse("home"))
    form = TimeZoneForm(request.POST or None, initial={"time_zone": request.session.get(SESSION_KEY, "")})
    if form.is_valid():
        zone = form.cleaned_data["time_zone"]
        save_time_zone(request, zone)
        if zone:
            messages.success(request, _("Times are shown in %(zone)s.") % {"zone": zone_label(zone)})
        else:
            messages.success(request, _("Times are shown in the site's time zone."))
        return redirect(back)
    status = 422 if form.errors else 200
    return render(request, "time_zone.html", {"form": form, "next": back}, status=status)
