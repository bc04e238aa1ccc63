from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import HttpResponseClientRedirect

from .. import routing, selectors
from ..forms import ContactFilterForm, PageOperatorForm
from ..http import AuthenticatedHttpRequest, HtmxHttpRequest
from ..models import Contact
from ..pagination import CappedPaginator
from ..permissions import permission_required
from .common import OPERATOR_WORK, confirm_close, next_url, operator_work, render_page, respond

PAGE_SIZE = 50
# The pager counts the matching contacts up to this many; beyond, it says "more than".
COUNT_CAP = 10_000


def contacts_with_people():
    return Contact.objects.select_related("lead", "bot", "operator")


@permission_required("distribution.view_contact")
@require_safe
def contact_list(request: HtmxHttpRequest) -> HttpResponse:
    form = ContactFilterForm(request.GET)
    contacts = contacts_with_people().order_by("-created_at", "-pk")
    if form.is_valid():
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
        if data["period"] != "all":
            start, end = selectors.period_bounds(
                data["period"], start_date=data["start"], end_date=data["end"]
            )
            contacts = contacts.filter(created_at__gte=start, created_at__lt=end)
    else:
        contacts = contacts.none()
    page = CappedPaginator(contacts, PAGE_SIZE, cap=COUNT_CAP).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "back": request.get_full_path(),
        "now": timezone.now(),
    }
    return render_page(request, "contacts/list.html", context, partials=("contact-results",))


@permission_required("distribution.view_contact")
@require_safe
def contact_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(contacts_with_people(), pk=pk)
    context = {"contact": contact, "events": selectors.history(contact)}
    return render_page(request, "contacts/detail.html", context)


@permission_required("distribution.close_any_contact")
@require_http_methods(["GET", "POST"])
def contact_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.select_related("lead"), pk=pk)
    if request.method == "GET":
        return confirm_close(request, contact, cancel=next_url(request, reverse("contacts")))
    assigned = routing.close_contact(contact=contact, by=request.user)
    messages.success(request, _("Contact #%(contact)s closed.") % {"contact": contact.pk})
    for other in assigned:
        messages.info(
            request,
            _("Contact #%(contact)s from the queue went to %(operator)s.")
            % {"contact": other.pk, "operator": other.operator},
        )
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
        },
        redirect_to=next_url(request, "contacts"),
    )
