"""The operator's workspace at /me/: its own open contacts, taking and closing them, switching
itself available or away, and its numbers today. Another operator's contact is a 404 here, never
a 403: an operator does not learn which contact ids exist.

The list refreshes by htmx polling every few seconds rather than by server-sent events: gunicorn's
gthread workers would hold one thread per open event stream, so a handful of operators' tabs would
take every thread from the dashboard and the bots' API; a poll is one short request, answered in a
fixed number of queries (tests/test_query_counts.py). It morphs the page (idiomorph), so that a
note being typed keeps its text, focus and caret."""

from collections.abc import Callable
from datetime import datetime
from functools import partial, wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import retarget

from .. import routing, selectors
from ..forms import CloseForm
from ..http import AuthenticatedHttpRequest, HtmxHttpRequest
from ..models import RESOLUTION_LENGTH, Contact, ContactEvent, Operator, OperatorEvent
from ..permissions import WORK_OWN_CONTACTS, login_first, refuse
from .common import (
    already_closed,
    asks_first,
    confirm_close,
    render_page,
    respond,
    tell_assigned,
    with_messages,
)

# A permission every manager has and no operator: who lands on the overview after logging in.
MANAGES_OPERATORS = "distribution.view_operator"
PAGE = "me/page.html"
EARLIER_SHOWN = 50


def operator_required(view: Callable) -> Callable:
    """Anonymous users log in first; a login without an operator gets a 403 page that says so; the
    operator needs the permission to work on its own contacts. The view gets the operator."""

    @wraps(view)
    def wrapper(request: HtmxHttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return login_first(request)
        # Through the user, so that the page's nav finds the operator cached on it.
        operator = getattr(request.user, "operator", None)
        if operator is None:
            return render(request, "me/not_an_operator.html", status=403)
        if not request.user.has_perm(WORK_OWN_CONTACTS):
            return refuse(request, WORK_OWN_CONTACTS)
        return view(request, operator, *args, **kwargs)

    return wrapper


@login_required
@require_safe
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where a login lands: an operator on its workspace, everyone else on the overview."""
    if not request.user.has_perm(MANAGES_OPERATORS) and Operator.objects.filter(user=request.user).exists():
        return redirect("workspace")
    return redirect("overview")


def _open_contacts(operator: Operator, now: datetime) -> QuerySet[Contact]:
    """The operator's open contacts, each marked `overdue` when it is new past its deadline."""
    overdue = Q(accepted_at=None) & (Q(overdue_since__isnull=False) | Q(answer_by__lte=now))
    return (
        operator.contacts.filter(status=Contact.Status.OPEN)
        .select_related("lead", "bot")
        .annotate(overdue=ExpressionWrapper(overdue, output_field=BooleanField()))
    )


def _context(operator: Operator, **extra) -> dict:
    now = timezone.now()
    # Why the service switched the operator away, if it did (rule 9).
    for_misses = operator.away_reason == OperatorEvent.Reason.MISSED
    return {
        "operator": operator,
        "numbers": selectors.operator_today(operator),
        "contacts": _open_contacts(operator, now).order_by("assigned_at", "pk"),
        "now": now,
        "resolution_length": RESOLUTION_LENGTH,
        "missed_in_a_row": settings.AWAY_AFTER_MISSED if for_misses else 0,
        **extra,
    }


@operator_required
@require_safe
def workspace(request: HtmxHttpRequest, operator: Operator) -> HttpResponse:
    context = _context(operator)
    response = render_page(request, PAGE, context, partials=("my-contacts", "my-status"))
    if request.htmx and request.htmx.target == "my-contacts":
        # The refresh brings the availability along: the service may have switched the operator away.
        response.content += render(request, f"{PAGE}#my-status", {**context, "oob": True}).content
    return response


@operator_required
@require_POST
def contact_take(request: AuthenticatedHttpRequest, operator: Operator, pk: int) -> HttpResponse:
    """Take a new contact (rule 8): htmx gets its row. One that was this operator's and was passed
    on or handed back meanwhile says so; another operator's is a 404."""
    try:
        with transaction.atomic():
            # Locked as this operator's before the take: a pass-on that came first has moved it,
            # and one that comes later finds it taken.
            contact = Contact.objects.select_for_update().filter(pk=pk, operator=operator).first()
            if contact is None:
                raise routing.ContactChanged
            taken_before = contact.accepted_at
            routing.accept_contact(contact=contact, by=request.user)
    except routing.ContactChanged:
        if not ContactEvent.objects.filter(contact_id=pk, operator=operator).exists():
            raise Http404 from None
        text = _("Contact #%(contact)s is no longer yours: it was passed on or handed back meanwhile.")
        messages.warning(request, text % {"contact": pk})
        return _list_instead(request, operator)
    except routing.ContactNotOpen:
        messages.warning(
            request, _("Contact #%(contact)s is closed: there is nothing to take.") % {"contact": pk}
        )
        return _list_instead(request, operator)
    if taken_before:
        messages.info(request, _("Contact #%(contact)s was already taken.") % {"contact": pk})
    else:
        messages.success(request, _("Contact #%(contact)s taken.") % {"contact": pk})
    if not request.htmx:
        return redirect("workspace")
    now = timezone.now()
    row = _open_contacts(operator, now).filter(pk=pk).first()
    if row is None:  # closed or handed back since the take
        return _list_instead(request, operator)
    context = {"operator": operator, "contact": row, "now": now, "resolution_length": RESOLUTION_LENGTH}
    return with_messages(request, render(request, f"{PAGE}#my-contact", context))


def _list_instead(request: HtmxHttpRequest, operator: Operator) -> HttpResponse:
    """htmx gets the whole list in place of the row it aimed at, which is gone or changed; a plain
    form goes back to the page."""
    response = respond(request, f"{PAGE}#my-contacts", partial(_context, operator), redirect_to="workspace")
    return retarget(response, "#my-contacts") if request.htmx else response


@operator_required
@require_http_methods(["GET", "POST"])
def contact_close(request: AuthenticatedHttpRequest, operator: Operator, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.select_related("lead"), pk=pk, operator=operator)
    if asks_first(request):
        return confirm_close(request, contact, cancel=reverse("workspace"))
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("Contact #%(contact)s: %(error)s") % {"contact": contact.pk, "error": form.errors["note"][0]},
        )
        return respond(
            request, f"{PAGE}#my-contacts", partial(_context, operator), redirect_to="workspace", status=422
        )
    if contact.status == Contact.Status.CLOSED:
        messages.info(request, already_closed(contact))
    else:
        try:
            # Only if it is still as read above, under the contact's lock: a hand-over or a
            # manager's close meanwhile makes it no longer this operator's to close.
            routing.close_contact(
                contact=contact,
                by=request.user,
                reason=ContactEvent.Reason.OPERATOR,
                note=form.cleaned_data["note"],
                only_if_unchanged=True,
            )
        except routing.ContactChanged:
            contact.refresh_from_db()
            if contact.status == Contact.Status.CLOSED:
                messages.info(request, already_closed(contact))
            else:
                messages.warning(
                    request,
                    _(
                        "Contact #%(contact)s changed meanwhile (handed back, re-assigned or closed): "
                        "it was not closed and your note was not saved."
                    )
                    % {"contact": contact.pk},
                )
        else:
            messages.success(request, _("Contact #%(contact)s closed.") % {"contact": contact.pk})
    return respond(request, f"{PAGE}#my-contacts", partial(_context, operator), redirect_to="workspace")


@operator_required
@require_POST
def available(request: AuthenticatedHttpRequest, operator: Operator) -> HttpResponse:
    if operator.archived_at:
        messages.error(request, _("You are archived: no contacts come to you. Ask a manager."))
        return _status_changed(request, operator)
    was_active = operator.is_active
    assigned = routing.set_operator_active(
        operator=operator, is_active=True, by=request.user, reason=OperatorEvent.Reason.SELF
    )
    if was_active:  # a second tab's click
        messages.info(request, _("You were already available: new contacts come to you."))
    else:
        messages.success(request, _("You are available: new contacts come to you."))
    tell_assigned(request, assigned)
    return _status_changed(request, operator)


@operator_required
@require_POST
def away(request: AuthenticatedHttpRequest, operator: Operator) -> HttpResponse:
    """Going away with open contacts asks first whether to keep them or hand them back."""
    choice = request.POST.get("contacts")
    holding = selectors.load(operator)
    if holding and choice not in ("keep", "hand-back"):
        return render_page(
            request, PAGE, _context(operator, asking=holding), partials=("my-contacts", "my-status")
        )
    if holding and choice == "hand-back":
        reassigned = routing.hand_over_contacts(operator=operator, by=request.user)
        text = ngettext(
            "You are away; your %(count)s open contact went back to the queue, %(reassigned)s already "
            "re-assigned.",
            "You are away; your %(count)s open contacts went back to the queue, %(reassigned)s already "
            "re-assigned.",
            holding,
        )
        messages.success(request, text % {"count": holding, "reassigned": len(reassigned)})
    else:
        was_active = operator.is_active
        routing.set_operator_active(
            operator=operator, is_active=False, by=request.user, reason=OperatorEvent.Reason.SELF
        )
        if not was_active and not holding:  # a second tab's click
            messages.info(request, _("You were already away: no new contacts come to you."))
        elif holding:
            text = ngettext(
                "You are away: no new contacts come to you. You keep your %(count)s open contact.",
                "You are away: no new contacts come to you. You keep your %(count)s open contacts.",
                holding,
            )
            messages.success(request, text % {"count": holding})
        else:
            messages.success(request, _("You are away: no new contacts come to you."))
    return _status_changed(request, operator)


def _status_changed(request: HtmxHttpRequest, operator: Operator) -> HttpResponse:
    """htmx gets the status and, out of band, the list (a hand-back empties it)."""
    if not request.htmx:
        return redirect("workspace")
    context = _context(operator)
    response = render(request, f"{PAGE}#my-status", context)
    response.content += render(request, f"{PAGE}#my-contacts", {**context, "oob": True}).content
    return with_messages(request, response)


@operator_required
@require_safe
def contact_detail(request: HtmxHttpRequest, operator: Operator, pk: int) -> HttpResponse:
    """One of the operator's contacts, with its lead's other contacts across every bot, read
    only: what the lead asked before, and how it was resolved (not who answered it)."""
    contact = get_object_or_404(Contact.objects.select_related("lead", "bot"), pk=pk, operator=operator)
    # Only what came before and is closed: another operator's open or later contact stays theirs.
    earlier = (
        Contact.objects.filter(
            lead=contact.lead, created_at__lt=contact.created_at, status=Contact.Status.CLOSED
        )
        .exclude(pk=contact.pk)
        .select_related("bot")
        .order_by("-created_at", "-pk")[:EARLIER_SHOWN]
    )
    context = {"operator": operator, "contact": contact, "earlier": earlier, "now": timezone.now()}
    return render(request, "me/contact.html", context)
