"""Who may do what, with Django's own groups and permissions (docs/dashboard.md#roles)."""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from django.contrib.auth.models import Permission
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from .http import HtmxHttpRequest

# Django's default permissions, which it names in English only ("Can view %s").
DEFAULT_ACTIONS = {
    "add": gettext_lazy("Can add %(model)s"),
    "change": gettext_lazy("Can change %(model)s"),
    "delete": gettext_lazy("Can delete %(model)s"),
    "view": gettext_lazy("Can view %(model)s"),
}

MANAGERS = "Managers"
OPERATORS = "Operators"

# Migration 0008_roles holds a frozen copy of these; tests/test_roles.py checks that both agree.
MANAGER_PERMISSIONS = [
    "distribution.view_operator",
    "distribution.add_operator",
    "distribution.change_operator",
    "distribution.hand_over",
    "distribution.view_bot",
    "distribution.add_bot",
    "distribution.change_bot",
    "distribution.rotate_token",
    "distribution.view_botoperator",
    "distribution.add_botoperator",
    "distribution.change_botoperator",
    "distribution.delete_botoperator",
    "distribution.view_lead",
    "distribution.change_lead",
    "distribution.merge_leads",
    "distribution.view_contact",
    "distribution.close_any_contact",
    "distribution.view_report",
    "distribution.view_contactevent",
    "distribution.view_identifiersource",
]
WORK_OWN_CONTACTS = "distribution.work_own_contacts"
OPERATOR_PERMISSIONS = [WORK_OWN_CONTACTS]


def permission_required(perm: str, *, post: str = "") -> Callable:
    """Require `perm` of a dashboard view's user, or `post` for a POST when given.

    Send anonymous users to log in, and refuse() the others."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HtmxHttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return login_first(request)
            needed = post if post and request.method == "POST" else perm
            if not request.user.has_perm(needed):
                return refuse(request, needed)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def login_first(request: HtmxHttpRequest) -> HttpResponse:
    """Redirect to the login page, then back to the request's page; tell htmx to go there too."""
    response = redirect_to_login(_page_of(request))
    return HttpResponseClientRedirect(response.url) if request.htmx else response


def operators_to_their_workspace(view: Callable) -> Callable:
    """Send an operator to its workspace instead of a 403, from the page everyone opens first."""

    @wraps(view)
    def wrapper(request: HtmxHttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and user.has_perm(WORK_OWN_CONTACTS)
            and not user.has_perm("distribution.view_contact")
            and getattr(user, "operator", None) is not None
        ):
            return redirect("workspace")
        return view(request, *args, **kwargs)

    return wrapper


def refuse(request: HtmxHttpRequest, perm: str) -> HttpResponse:
    """Refuse a login without `perm`: the 403 page, or for htmx the message in place."""
    reason = _("This needs the permission “%(permission)s”, which your login does not have.") % {
        "permission": describe(perm)
    }
    if not request.htmx:
        raise PermissionDenied(reason)
    notice = Message(constants.ERROR, _("Not allowed. %(reason)s") % {"reason": reason})
    html = render_to_string("base.html#message-list", {"messages": [notice]})
    return reswap(retarget(HttpResponse(html, status=403), "#messages"), "innerHTML")


def describe(perm: str) -> str:
    """Return a permission's name as Django admin shows it, in the active language.

    The database holds the names in English: ours are msgids, Django's own ("Can view bot") are
    made again from the action and the model's translated verbose name."""
    app_label, codename = perm.split(".")
    permission = (
        Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        .select_related("content_type")
        .first()
    )
    if permission is None:
        return perm
    model = permission.content_type.model_class()
    action, _sep, model_name = codename.partition("_")
    if model is not None and action in DEFAULT_ACTIONS and model_name == model._meta.model_name:
        return DEFAULT_ACTIONS[action] % {"model": model._meta.verbose_name}
    return _(permission.name)


def _page_of(request: HtmxHttpRequest) -> str:
    """Return where logging in comes back to: the page, or the one an action was made from.

    An action's own URL (a POST's, an htmx request's) cannot be opened."""
    if request.method == "GET" and not request.htmx:
        return request.get_full_path()
    origin = request.htmx.current_url_abs_path if request.htmx else None
    if origin is None:
        referer = urlsplit(request.headers.get("Referer", ""))
        same_site = referer.netloc == request.get_host()
        origin = referer.path + (f"?{referer.query}" if referer.query else "") if same_site else None
    return origin or "/"
