from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from .. import routing, selectors
from ..forms import MergeForm
from ..models import Lead
from .common import render_page, staff_required

PAGE_SIZE = 25


@staff_required
@require_safe
def lead_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    page = Paginator(selectors.search_leads(query), PAGE_SIZE).get_page(request.GET.get("page"))
    bots_of = selectors.bots_of_leads(list(page))
    for lead in page:
        lead.bot_names = bots_of.get(lead.pk, [])
    context = {"query": query, "page": page, "query_string": urlencode({"q": query}) if query else ""}
    return render_page(request, "leads/list.html", context, partials=("lead-results",))


def _detail_context(lead: Lead, form: MergeForm | None = None) -> dict:
    return {
        "lead": lead,
        "identifiers": selectors.lead_identifiers(lead),
        "contacts": selectors.with_history(lead.contacts.select_related("bot", "operator")).order_by(
            "-created_at"
        ),
        "merge_form": form or MergeForm(lead=lead),
        "namesakes": Lead.objects.filter(name__iexact=lead.name).exclude(pk=lead.pk)[:10]
        if lead.name
        else [],
    }


@staff_required
@require_safe
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(Lead, pk=pk)
    return render_page(request, "leads/detail.html", _detail_context(lead))


@staff_required
@require_POST
def lead_merge(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(Lead, pk=pk)
    form = MergeForm(request.POST, lead=lead)
    if not form.is_valid():
        return render_page(
            request, "leads/detail.html", _detail_context(lead, form), partials=("merge",), status=422
        )
    other = form.cleaned_data["other"]
    moved = other.contacts.count()
    routing.merge_leads(target=lead, source=other)
    messages.success(request, f"Lead #{other.pk} merged into this one: {moved} contact(s) moved.")
    url = lead.get_absolute_url()
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
