from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from .. import exports, routing, selectors
from ..forms import CloseForm, ContactFilterForm, PageOperatorForm, TransferForm
from ..http import AuthenticatedHttpRequest, HtmxHttpRequest
from ..identifiers import unicode_email
from ..models import RESOLUTION_LENGTH, Contact, lead_name
from ..pagination import CappedPaginator
from ..permissions import permission_required
from .common import (
    OPERATOR_WORK,
    already_closed,
    asks_first,
    confirm,
    confirm_close,
    next_url,
    operator_work,
    push_same_range,
    render_page,
    respond,
    same_range,
    tell_assigned,
)

DETAIL = "contacts/detail.html"
# A contact page's part that its forms' errors are shown in, by the id htmx aims them at.
ACTIONS = "contact-actions"
PAGE_SIZE = 50
# The pager counts the matching contacts up to this many; beyond, it says "more than".
COUNT_CAP = 10_000


def contacts_with_people():
    return Contact.objects.select_related("lead", "bot", "operator")


@permission_required("distribution.view_contact")
@require_safe
def contact_list(request: HtmxHttpRequest) -> HttpResponse:
    form = ContactFilterForm(request.GET)
    contacts = filtered_contacts(form, contacts_with_people())
    period = form.period_used() if form.is_valid() else None
    page = CappedPaginator(contacts, PAGE_SIZE, cap=COUNT_CAP).get_page(request.GET.get("page"))
    query = form.query()
    context = {
        "form": form,
        "period": period,
        "page": page,
        "query": query,
        "back": same_range(request, query),
        "now": timezone.now(),
    }
    response = render_page(request, "contacts/list.html", context, partials=("contact-results",))
    return push_same_range(request, response, query)


def filtered_contacts(form: ContactFilterForm, contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    """The contacts the list's filters choose, newest first: none when the filters are wrong."""
    contacts = contacts.order_by("-created_at", "-pk")
    if not form.is_valid():
        return contacts.none()
    data = form.cleaned_data
    if data["status"] == "new":
        contacts = contacts.filter(selectors.new_contacts())
    elif data["status"] == "overdue":
        contacts = contacts.filter(selectors.overdue_contacts(timezone.now()))
    elif data["status"]:
        contacts = contacts.filter(status=data["status"])
    if data["bot"]:
        contacts = contacts.filter(bot=data["bot"])
    if data["operator"]:
        contacts = contacts.filter(operator=data["operator"])
    period = form.period_used()
    if period.start:
        contacts = contacts.filter(created_at__gte=period.start, created_at__lt=period.end)
    return contacts


@permission_required("distribution.view_contact")
@require_safe
def contact_export(request: HtmxHttpRequest) -> HttpResponseBase:
    """The list's contacts, all its pages, as a CSV file; a wrong filter gets the list's error."""
    form = ContactFilterForm(request.GET)
    if not form.is_valid():
        response = contact_list(request)
        response.status_code = 400
        return response
    rows = filtered_contacts(form, Contact.objects.all()).values_list(
        "pk",
        "lead_id",
        "lead__name",
        "lead__external_id",
        "lead__email",
        "lead__phone",
        "bot__name",
        "operator__name",
        "status",
        "message",
        "created_at",
        "assigned_at",
        "accepted_at",
        "closed_at",
        "resolution",
    )
    statuses = {value: str(label) for value, label in Contact.Status.choices}
    # The file's times are in the login's zone, which their headers name.
    zone = timezone.get_current_timezone_name()
    headers = [
        _("Contact"),
        _("Lead"),
        _("External id"),
        _("E-mail"),
        _("Phone"),
        _("Bot"),
        _("Operator"),
        _("Status"),
        _("Message"),
        *(f"{name} ({zone})" for name in (_("Created"), _("Assigned"), _("Taken"), _("Closed"))),
        _("Resolution"),
    ]

    def lines():
        yield headers
        for pk, lead, name, external_id, email, phone, bot, operator, status, *rest in rows.iterator(
            chunk_size=exports.CHUNK_SIZE
        ):
            email = email and unicode_email(email)
            lead_shown = lead_name(lead, name, email, phone, external_id)
            yield [pk, lead_shown, external_id, email, phone, bot, operator, statuses[status], *rest]

    filename = f"contacts-{timezone.localdate().isoformat()}.csv"
    return exports.csv_response(lines(), filename=filename)


@permission_required("distribution.view_contact")
@require_safe
def contact_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(contacts_with_people(), pk=pk)
    return render_page(request, DETAIL, _detail_context(request, contact))


def _detail_context(request: HtmxHttpRequest, contact: Contact, **forms) -> dict:
    # A refused transfer's form stays, with its error, whatever the contact's status now.
    transfer_form = forms.get("transfer_form")
    may_transfer = request.user.has_perm("distribution.close_any_contact")
    if transfer_form is None and contact.status == Contact.Status.OPEN and may_transfer:
        transfer_form = TransferForm(contact=contact)
    return {
        "contact": contact,
        "events": selectors.history(contact),
        "now": timezone.now(),
        "transfer_form": transfer_form,
        "close_form": forms.get("close_form") or CloseForm(),
        "resolution_length": RESOLUTION_LENGTH,
        "reopen_question": reopen_question(contact) if contact.status == Contact.Status.CLOSED else "",
    }


@permission_required("distribution.close_any_contact")
@require_http_methods(["GET", "POST"])
def contact_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.select_related("lead"), pk=pk)
    if asks_first(request):
        return confirm_close(request, contact, cancel=next_url(request, reverse("contacts")))
    form = CloseForm(request.POST)
    if not form.is_valid():
        if request.htmx and request.htmx.target == ACTIONS:
            context = _detail_context(request, contacts_with_people().get(pk=pk), close_form=form)
            return render_page(request, DETAIL, context, partials=(ACTIONS,), status=422)
        messages.error(
            request,
            _("Contact #%(contact)s: %(error)s") % {"contact": contact.pk, "error": form.errors["note"][0]},
        )
        return redirect(next_url(request, contact.get_absolute_url()))
    assigned = _close(request, contact, note=form.cleaned_data["note"])
    for other in assigned:
        messages.info(
            request,
            _("Contact #%(contact)s from the queue went to %(operator)s.")
            % {"contact": other.pk, "operator": other.operator},
        )
    if request.htmx and request.htmx.target == ACTIONS:
        return HttpResponseClientRedirect(contact.get_absolute_url())
    if request.htmx and request.htmx.target == OPERATOR_WORK:
        # The contact may have been handed back or over in another tab: its operator now is not
        # necessarily the page's.
        page = PageOperatorForm(request.POST)
        if page.is_valid():
            return operator_work(request, page.cleaned_data["operator"].pk)
        return HttpResponseClientRedirect(next_url(request, reverse("contacts")))
    return respond(
        request,
        "contacts/list.html#contact-closed",
        lambda: {
            "contact": contacts_with_people().get(pk=pk),
            "assigned": contacts_with_people().filter(pk__in=[other.pk for other in assigned]),
            "back": request.htmx.current_url_abs_path,
            "now": timezone.now(),
        },
        redirect_to=next_url(request, "contacts"),
    )


def _close(request: AuthenticatedHttpRequest, contact: Contact, *, note: str) -> list[Contact]:
    """Close the contact, saying what really happened: a stale tab's close of a contact closed
    meanwhile says by whom and when, and changes nothing."""
    if contact.status != Contact.Status.CLOSED:
        try:
            # Guarded, so that a close by someone else meanwhile is told apart from this one.
            assigned = routing.close_contact(
                contact=contact, by=request.user, note=note, only_if_unchanged=True
            )
        except routing.ContactChanged:
            contact.refresh_from_db()
        else:
            messages.success(request, _("Contact #%(contact)s closed.") % {"contact": contact.pk})
            return assigned
        if contact.status != Contact.Status.CLOSED:  # handed back or transferred: closed all the same
            assigned = routing.close_contact(contact=contact, by=request.user, note=note)
            messages.success(request, _("Contact #%(contact)s closed.") % {"contact": contact.pk})
            return assigned
    messages.info(request, already_closed(contact))
    return []


@permission_required("distribution.close_any_contact")
@require_POST
def contact_transfer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(contacts_with_people(), pk=pk)
    form = TransferForm(request.POST, contact=contact)
    if form.is_valid():
        to = form.cleaned_data["to"]
        try:
            assigned = routing.transfer_contact(
                contact=contact, to=to, by=request.user, note=form.cleaned_data["note"]
            )
        except routing.ActionRefused as refusal:  # full, off, or the contact changed meanwhile
            form.add_error("to", str(refusal))
        else:
            names = {"contact": contact.pk, "operator": to.name}
            messages.success(request, _("Contact #%(contact)s transferred to %(operator)s.") % names)
            tell_assigned(request, assigned)
            return _to_the_contact(request, contact)
    # The whole page without JavaScript, so that the note typed stays in the form.
    context = _detail_context(request, contact, transfer_form=form)
    return render_page(request, DETAIL, context, partials=(ACTIONS,), status=422)


@permission_required("distribution.close_any_contact")
@require_http_methods(["GET", "POST"])
def contact_reopen(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.select_related("lead", "operator"), pk=pk)
    if request.method == "GET":
        return confirm(
            request,
            title=_("Reopen contact #%(pk)s") % {"pk": contact.pk},
            question=reopen_question(contact),
            button=_("Reopen"),
            cancel=contact.get_absolute_url(),
        )
    try:
        reopened = routing.reopen_contact(contact=contact, by=request.user)
    except routing.ActionRefused as refusal:  # reopened, or never closed
        messages.error(request, str(refusal))
    else:
        if reopened.operator_id is None:
            text = _("Contact #%(contact)s reopened: it waits in the queue.")
        else:
            text = _("Contact #%(contact)s reopened and assigned to %(operator)s.")
        names = {"contact": contact.pk, "operator": getattr(reopened.operator, "name", "")}
        messages.success(request, text % names)
    return _to_the_contact(request, contact)


def reopen_question(contact: Contact) -> str:
    """What reopening asks, on the contact's page and on the confirmation page."""
    names = {"pk": contact.pk, "lead": contact.lead, "operator": getattr(contact.operator, "name", "")}
    if contact.operator_id is None:
        return _("Reopen contact #%(pk)s of %(lead)s? It goes to the queue.") % names
    return (
        _(
            "Reopen contact #%(pk)s of %(lead)s? It goes back to %(operator)s if switched on with room, "
            "else to the queue."
        )
        % names
    )


def _to_the_contact(request: HtmxHttpRequest, contact: Contact) -> HttpResponse:
    # Its operator, state, actions and history changed: the page is loaded again.
    url = contact.get_absolute_url()
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
