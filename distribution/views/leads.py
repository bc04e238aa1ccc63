from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from .. import routing, selectors
from ..forms import IdentifierForm, LeadRenameForm, LeadSearchForm, MergeForm, SplitForm
from ..http import AuthenticatedHttpRequest, HtmxHttpRequest
from ..identifiers import shown_identifier
from ..models import Contact, Lead
from ..pagination import CappedPaginator
from ..permissions import permission_required
from .common import render_page, to_page

PAGE_SIZE = 25
# The pager counts the matching leads up to this many; beyond, it says "more than".
COUNT_CAP = 10_000


@permission_required("distribution.view_lead")
@require_safe
def lead_list(request: HtmxHttpRequest) -> HttpResponse:
    form = LeadSearchForm(request.GET)
    query = request.GET.get("q", "")
    valid = form.is_valid()
    leads = (
        selectors.search_leads(form.cleaned_data["q"], duplicates=form.cleaned_data["duplicates"])
        if valid
        else Lead.objects.none()
    )
    page = CappedPaginator(leads, PAGE_SIZE, cap=COUNT_CAP).get_page(request.GET.get("page"))
    bots_of = selectors.bots_of_leads(list(page))
    for lead in page:
        lead.bot_names = bots_of.get(lead.pk, [])
    duplicates = valid and form.cleaned_data["duplicates"]
    context = {
        "form": form,
        "query": query,
        "duplicates": duplicates,
        "page": page,
        "query_string": urlencode({"q": query, **({"duplicates": "on"} if duplicates else {})}),
    }
    status = 422 if form.errors else 200
    return render_page(request, "leads/list.html", context, partials=("lead-results",), status=status)


def _contacts_of(lead: Lead) -> list[Contact]:
    return list(
        selectors.with_history(lead.contacts.select_related("bot", "operator")).order_by("-created_at")
    )


def _detail_context(
    lead: Lead,
    *,
    merge_form: MergeForm | None = None,
    split_form: SplitForm | None = None,
    detach: list[str] | None = None,
    rename_form: LeadRenameForm | None = None,
    identifier_form: IdentifierForm | None = None,
    edit_error: str = "",
) -> dict:
    contacts = _contacts_of(lead) if split_form is None else list(split_form.contacts_by_pk.values())
    provenance = selectors.lead_provenance(lead)
    if split_form is None:
        # The identifiers a manager asked to detach (a link per identifier) come pre-chosen, with
        # the contacts their bot sent from then on.
        chosen = [row.field for row in provenance if row.field in (detach or [])]
        initial = {
            "identifiers": chosen,
            "contacts": [c.pk for c in selectors.contacts_supplied_with(provenance, chosen, contacts)],
        }
        split_form = SplitForm(lead=lead, contacts=contacts, initial=initial)
    return {
        "lead": lead,
        "provenance": provenance,
        "contacts": contacts,
        "merge_form": merge_form or MergeForm(lead=lead),
        "split_form": split_form,
        "namesakes": Lead.objects.filter(name__iexact=lead.name).exclude(pk=lead.pk)[:10]
        if lead.name
        else [],
        "possible_duplicates": list(lead.possible_duplicates.all()[:10]),
        "rename_form": rename_form or LeadRenameForm(initial={"name": lead.name}),
        "identifier_form": identifier_form or IdentifierForm(lead=lead),
        "edit_error": edit_error,
    }


@permission_required("distribution.view_lead")
@require_safe
def lead_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(Lead.objects.select_related("duplicate_of"), pk=pk)
    context = _detail_context(lead, detach=request.GET.getlist("identifiers"))
    return render_page(request, "leads/detail.html", context, partials=("split",))


@permission_required("distribution.merge_leads")
@require_POST
def lead_merge(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(Lead, pk=pk)
    form = MergeForm(request.POST, lead=lead)
    if not form.is_valid():
        return render_page(
            request,
            "leads/detail.html",
            _detail_context(lead, merge_form=form),
            partials=("merge",),
            status=422,
        )
    other = form.cleaned_data["other"]
    moved = other.contacts.count()
    # Where both leads hold an identifier of a kind, the manager chose which one stays.
    replace = [kind for kind in routing.IDENTIFIERS if request.POST.get(f"keep-{kind}") == "other"]
    # Merged only as confirmed: the confirmation carries the digest of what it showed.
    seen = request.POST.get("seen", "")
    if request.POST.get("confirmed") != "yes" or not seen:
        return _confirm_merge(request, lead, other, moved, replace)
    try:
        plan = routing.merge_leads(target=lead, source=other, replace=replace, seen=seen)
    except routing.MergeChanged:
        lead.refresh_from_db()
        other.refresh_from_db()
        error = _("One of the leads changed since this was shown: check what the merge does now.")
        return _confirm_merge(request, lead, other, other.contacts.count(), replace, error=error)
    merged = ngettext(
        "Lead #%(lead)s merged into this one: %(count)s contact moved.",
        "Lead #%(lead)s merged into this one: %(count)s contacts moved.",
        moved,
    )
    messages.success(request, merged % {"lead": other.pk, "count": moved})
    if plan.dropped:
        dropped = ", ".join(f"{planned.label} {planned.shown}" for planned in plan.dropped)
        messages.warning(
            request,
            _("Dropped: %(identifiers)s. A later contact naming it starts a new lead.")
            % {"identifiers": dropped},
        )
    url = lead.get_absolute_url()
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _confirm_merge(
    request: HtmxHttpRequest, lead: Lead, other: Lead, moved: int, replace: list[str], *, error: str = ""
) -> HttpResponse:
    """Name the other lead, which the merge deletes, and say what is kept and what dropped."""
    context = {
        "lead": lead,
        "merging": other,
        "merging_contacts": moved,
        "plan": routing.merge_plan(target=lead, source=other, replace=replace),
        "replace": replace,
        "error": error,
        "namesakes": [],
    }
    status = 422 if error else 200
    if request.htmx:
        return render(request, "leads/detail.html#merge", context, status=status)
    return render(request, "leads/merge.html", context, status=status)


@permission_required("distribution.merge_leads")
@require_POST
def lead_not_duplicate(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(Lead, pk=pk)
    if lead.duplicate_of_id is None:  # dismissed meanwhile, in another tab
        messages.info(
            request, _("Lead #%(lead)s was not marked as a possible duplicate.") % {"lead": lead.pk}
        )
    else:
        routing.dismiss_duplicate(lead=lead)
        messages.success(
            request, _("Lead #%(lead)s is no longer marked as a possible duplicate.") % {"lead": lead.pk}
        )
    url = lead.get_absolute_url()
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@permission_required("distribution.merge_leads")
@require_POST
def lead_split(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(Lead, pk=pk)
    form = SplitForm(request.POST, lead=lead, contacts=_contacts_of(lead))
    if form.is_valid():
        try:
            detached = routing.split_lead(
                lead=lead, fields=form.cleaned_data["identifiers"], contacts=form.cleaned_data["contacts"]
            )
        except routing.SplitRefused as refusal:  # the lead changed since the form was drawn
            form.add_error(None, str(refusal))
        else:
            moved = len(form.cleaned_data["contacts"])
            text = ngettext(
                "Detached into the new lead #%(lead)s, with %(count)s contact.",
                "Detached into the new lead #%(lead)s, with %(count)s contacts.",
                moved,
            )
            messages.success(request, text % {"lead": detached.pk, "count": moved})
            url = lead.get_absolute_url()
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return render_page(
        request, "leads/detail.html", _detail_context(lead, split_form=form), partials=("split",), status=422
    )


def _edit_refused(request: HtmxHttpRequest, lead: Lead, **forms) -> HttpResponse:
    lead.refresh_from_db()
    context = _detail_context(lead, **forms)
    return render_page(request, "leads/detail.html", context, partials=("lead-edit",), status=422)


@permission_required("distribution.change_lead")
@require_POST
def lead_rename(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(Lead, pk=pk)
    form = LeadRenameForm(request.POST)
    if not form.is_valid():
        return _edit_refused(request, lead, rename_form=form)
    routing.rename_lead(lead=lead, name=form.cleaned_data["name"])
    messages.success(request, _("Lead #%(lead)s renamed.") % {"lead": lead.pk})
    return to_page(request, lead)


@permission_required("distribution.change_lead")
@require_POST
def lead_identifier_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(Lead, pk=pk)
    form = IdentifierForm(request.POST, lead=lead)
    if form.is_valid():
        field, value = form.cleaned_data["field"], form.cleaned_data["value"]
        try:
            routing.add_lead_identifier(lead=lead, field=field, value=value, by=request.user)
        except routing.IdentifierTaken as taken:
            holder = taken.holder
            form.add_error(
                "value",
                format_html(
                    _('<a href="{url}">{name} #{pk}</a> already holds it: merge the leads instead.'),
                    url=holder.get_absolute_url(),
                    name=str(holder),
                    pk=holder.pk,
                ),
            )
        except routing.ActionRefused as refusal:  # the lead changed since the form was drawn
            form.add_error("field", str(refusal))
        else:
            messages.success(
                request,
                _("%(identifier)s added to lead #%(lead)s.")
                % {"identifier": shown_identifier(field, value), "lead": lead.pk},
            )
            return to_page(request, lead)
    return _edit_refused(request, lead, identifier_form=form)


@permission_required("distribution.change_lead")
@require_POST
def lead_identifier_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(Lead, pk=pk)
    field = request.POST.get("field", "")
    if field not in routing.IDENTIFIERS:
        return _edit_refused(request, lead, edit_error=_("Choose an identifier to remove."))
    value = getattr(lead, field)
    try:
        routing.remove_lead_identifier(lead=lead, field=field)
    except routing.ActionRefused as refusal:
        return _edit_refused(request, lead, edit_error=str(refusal))
    if value:
        messages.success(
            request,
            _("%(identifier)s removed from lead #%(lead)s: a later contact naming it starts a new lead.")
            % {"identifier": shown_identifier(field, value), "lead": lead.pk},
        )
    return to_page(request, lead)
