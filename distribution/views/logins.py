"""A manager gives an operator its login, on the operator's page. A generated password is shown
in the response that makes it and nowhere else: never in a message (messages wait in the session)
nor after a redirect, so a plain form POST gets the whole page back instead of a redirect."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .. import logins
from ..forms import LoginForm
from ..models import Operator
from ..permissions import permission_required
from .common import confirm, operator_page_context, render_page

PARTIALS = ("operator-login",)


def _page(request: HttpRequest, operator: Operator, *, status: int = 200, **extra) -> HttpResponse:
    context = {**operator_page_context(operator.pk), **extra}
    return render_page(request, "operators/detail.html", context, partials=PARTIALS, status=status)


@permission_required("distribution.change_operator")
@require_POST
def login_create(request: HttpRequest, pk: int) -> HttpResponse:
    operator = get_object_or_404(Operator, pk=pk)
    form = LoginForm(request.POST)
    if form.is_valid():
        try:
            user, password = logins.create_login(operator=operator, username=form.cleaned_data["username"])
        except logins.UsernameTaken as taken:
            form.add_error("username", str(taken))
        except logins.LoginRefused as refused:
            return _refused(request, operator, str(refused))
        else:
            messages.success(
                request,
                _("%(operator)s can now log in as %(username)s.")
                % {"operator": operator.name, "username": user.get_username()},
            )
            return _page(request, operator, password=password)
    return _page(request, operator, status=422, login_form=form)


@permission_required("distribution.change_operator")
@require_http_methods(["GET", "POST"])
def login_reset(request: HttpRequest, pk: int) -> HttpResponse:
    operator = get_object_or_404(Operator.objects.select_related("user"), pk=pk)
    if operator.user is None:
        return _refused(request, operator, _("%(operator)s has no login.") % {"operator": operator.name})
    if request.method == "GET":
        return confirm(
            request,
            title=_("Reset the password of %(operator)s") % {"operator": operator.name},
            question=_("Give %(username)s a new password? The current one stops working.")
            % {"username": operator.user.get_username()},
            button=_("Reset password"),
            cancel=operator.get_absolute_url(),
        )
    try:
        password = logins.reset_password(operator=operator)
    except logins.LoginRefused as refused:
        return _refused(request, operator, str(refused))
    messages.success(
        request,
        _("New password for %(username)s: the old one no longer works.")
        % {"username": operator.user.get_username()},
    )
    return _page(request, operator, password=password)


@permission_required("distribution.change_operator")
@require_http_methods(["GET", "POST"])
def login_detach(request: HttpRequest, pk: int) -> HttpResponse:
    operator = get_object_or_404(Operator.objects.select_related("user"), pk=pk)
    if operator.user is None:
        return _refused(request, operator, _("%(operator)s has no login.") % {"operator": operator.name})
    if request.method == "GET":
        names = {"operator": operator.name, "username": operator.user.get_username()}
        return confirm(
            request,
            title=_("Detach the login of %(operator)s") % names,
            question=_("Deactivate %(username)s and unlink it from %(operator)s?") % names,
            button=_("Detach login"),
            cancel=operator.get_absolute_url(),
        )
    try:
        user = logins.detach_login(operator=operator)
    except logins.LoginRefused as refused:
        return _refused(request, operator, str(refused))
    messages.success(
        request,
        _("%(username)s is deactivated and no longer the login of %(operator)s.")
        % {"username": user.get_username(), "operator": operator.name},
    )
    return _page(request, operator)


def _refused(request: HttpRequest, operator: Operator, reason: str) -> HttpResponse:
    """The login changed since the page was shown (another manager detached or created it): the
    page as it is now, with the reason."""
    messages.error(request, reason)
    return _page(request, operator)
