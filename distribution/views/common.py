"""What the dashboard views share: how a page or its fragment is answered, confirmations, and the
operator page that the operators', logins' and contacts' actions answer with (who may call them:
distribution/permissions.py)."""

from collections.abc import Callable, Collection

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_htmx.http import HttpResponseClientRedirect, push_url

from .. import selectors
from ..forms import LoginForm, OperatorRenameForm, ShiftsForm
from ..http import HtmxHttpRequest
from ..models import Bot, Contact, ContactEvent, Lead, Operator

# The operator page's part that its actions replace, by the id htmx aims them at.
OPERATOR_WORK = "operator-work"


def render_page(
    request: HtmxHttpRequest,
    template: str,
    context: dict,
    *,
    partials: Collection[str] = (),
    status: int = 200,
) -> HttpResponse:
    """The full page; or, for an htmx request aimed at the id of one of its `partials`, only that
    partial of the page's template."""
    target = request.htmx.target if request.htmx else None
    if target in partials:
        return with_messages(request, render(request, f"{template}#{target}", context, status=status))
    return render(request, template, context, status=status)


def same_range(request: HttpRequest, query: str) -> str:
    """This page's address with the query its filter form wrote (PeriodForm.query), on the same
    page number: a link back never carries dates that the page did not use."""
    page = request.GET.get("page")
    params = "&".join(part for part in (query, page and urlencode({"page": page})) if part)
    return f"{request.path}?{params}" if params else request.path


def push_same_range(request: HtmxHttpRequest, response: HttpResponse, query: str) -> HttpResponse:
    """Have htmx push the address of the range a filtered page used, rather than what was sent."""
    if request.htmx and response.status_code == 200:
        push_url(response, same_range(request, query))
    return response


def respond(
    request: HtmxHttpRequest,
    fragment: str,
    context: Callable[[], dict],
    *,
    redirect_to: str,
    status: int = 200,
) -> HttpResponse:
    """After an action: htmx gets the fragment that changed (with the messages swapped in beside
    it); a plain form POST is redirected back to the page, which shows the messages. `context`
    is called for htmx only: the page a redirect lands on reads its own data."""
    if request.htmx:
        return with_messages(request, render(request, fragment, context(), status=status))
    return redirect(redirect_to)


def with_messages(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Add the new messages, if any, to the page's messages area: a refresh that brings none leaves
    the ones shown in place."""
    if messages.get_messages(request):
        response.content += render_to_string("base.html#messages", {"oob": True}, request=request).encode()
    return response


def next_url(request: HttpRequest, default: str) -> str:
    """The page a plain form came from (its `next` field), if it is one of ours. A confirmation
    page carries it in its URL."""
    url = request.POST.get("next") or request.GET.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    # Only a path: redirect() would read anything else as the name of a view.
    return url if url.startswith("/") and allowed else default


def confirm(
    request: HttpRequest,
    *,
    title: str,
    question: str,
    button: str,
    cancel: str,
    fields: dict | None = None,
    action: str = "",
) -> HttpResponse:
    """The confirmation page of a destructive action, for browsers without JavaScript (htmx asks
    with hx-confirm instead): its form POSTs to `action` (by default the same URL), with the
    `fields` the action needs."""
    context = {
        "title": title,
        "question": question,
        "button": button,
        "cancel": cancel,
        "fields": fields or {},
        "action": action or request.get_full_path(),
    }
    return render(request, "confirm.html", context)


# The field that a close form sends without JavaScript: asks for the confirmation page first.
ASK = "ask"


def asks_first(request: HtmxHttpRequest) -> bool:
    """Whether a close is the first POST of a form without JavaScript, to be confirmed."""
    return request.method == "GET" or (ASK in request.POST and not request.htmx)


def confirm_close(request: HttpRequest, contact: Contact, *, cancel: str) -> HttpResponse:
    """The confirmation of a contact's close, a manager's or its operator's, asking what the pages'
    hx-confirm asks. The form's fields (the note) go along in the POST body only: a GET carries
    none, so that no note ends in a URL, an access log or the browser's history."""
    fields = {}
    if request.method == "POST":
        fields = {name: request.POST[name] for name in ("note", "next", "operator") if name in request.POST}
    elif "note" in request.GET:  # an old page's form, or a bookmark: the page is asked again without it
        kept = urlencode({"next": request.GET["next"]}) if "next" in request.GET else ""
        return redirect(f"{request.path}?{kept}" if kept else request.path)
    elif "next" in request.GET:
        fields = {"next": request.GET["next"]}
    return confirm(
        request,
        title=_("Close contact #%(pk)s") % {"pk": contact.pk},
        question=_("Close contact #%(pk)s of %(lead)s? Only a manager can reopen it.")
        % {"pk": contact.pk, "lead": contact.lead},
        button=_("Close contact"),
        cancel=cancel,
        fields=fields,
        action=request.path,
    )


def already_closed(contact: Contact) -> str:
    """Say that a contact was closed before this request, by whom and when (a stale tab's close)."""
    event = selectors.last_close(contact)
    names: dict[str, object] = {"contact": contact.pk}
    if event is None:
        return _("Contact #%(contact)s was already closed.") % names
    names["at"] = formats.date_format(timezone.localtime(event.at), "SHORT_DATETIME_FORMAT")
    names["operator"] = getattr(event.operator, "name", "")
    names["bot"] = getattr(event.bot, "name", "")
    names["user"] = event.actor.get_full_name() or event.actor.get_username() if event.actor else ""
    Reason = ContactEvent.Reason
    if event.reason == Reason.OPERATOR and names["operator"]:
        text = _("Contact #%(contact)s was already closed by its operator %(operator)s at %(at)s.")
    elif event.reason == Reason.MANAGER and names["user"]:
        text = _("Contact #%(contact)s was already closed by %(user)s at %(at)s.")
    elif event.reason == Reason.BOT and names["bot"]:
        text = _("Contact #%(contact)s was already closed by the bot %(bot)s at %(at)s.")
    elif event.reason == Reason.AUTO:
        text = _("Contact #%(contact)s was already closed automatically (idle) at %(at)s.")
    elif event.reason == Reason.EXPIRED:
        text = _("Contact #%(contact)s had already expired in the queue at %(at)s.")
    else:
        text = _("Contact #%(contact)s was already closed at %(at)s.")
    return text % names


def tell_assigned(request: HttpRequest, assigned: list) -> None:
    """Say how many waiting contacts a change pulled out of the queue, if any."""
    if assigned:
        count = len(assigned)
        text = ngettext(
            "%(count)s waiting contact assigned from the queue.",
            "%(count)s waiting contacts assigned from the queue.",
            count,
        )
        messages.info(request, text % {"count": count})


def operator_page_context(pk: int) -> dict:
    """The operator page's context (its login's actions answer with the page, too). 404 when
    there is no such operator."""
    operator = get_object_or_404(selectors.operators_with_load().select_related("user"), pk=pk)
    return {
        "operator": operator,
        "links": operator.links.select_related("bot").order_by("bot__name"),
        "open_contacts": operator.contacts.filter(status=Contact.Status.OPEN)
        .select_related("lead", "bot")
        .order_by("assigned_at"),
        "recent_contacts": operator.contacts.exclude(status=Contact.Status.OPEN)
        .select_related("lead", "bot")
        .order_by("-created_at")[:20],
        "login_form": LoginForm(initial={"username": slugify(operator.name)}),
        "rename_form": OperatorRenameForm(instance=operator),
        "shifts_form": ShiftsForm(stored=operator.shifts),
    }


def operator_work(request: HtmxHttpRequest, pk: int, *, status: int = 200, **context) -> HttpResponse:
    """The operator page's part that its actions (and a contact's close) change; for htmx, with the
    recent closed contacts out of band, as a close adds one there."""
    if not request.htmx:
        return redirect("operator", pk)
    context = {**operator_page_context(pk), **context}
    response = respond(
        request,
        f"operators/detail.html#{OPERATOR_WORK}",
        lambda: context,
        redirect_to=reverse("operator", args=[pk]),
        status=status,
    )
    recent = render_to_string(
        "operators/detail.html#recent-contacts", {**context, "oob": True}, request=request
    )
    response.content += recent.encode()
    return response


def to_page(request: HtmxHttpRequest, row: Bot | Lead | Operator) -> HttpResponse:
    """After an action that changes much of a row's page (its name, its state): back to that page,
    which htmx follows as a plain redirect is followed."""
    url = row.get_absolute_url()
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def unarchive[Row: (Bot, Operator)](
    request: HtmxHttpRequest,
    model: type[Row],
    pk: int,
    *,
    act: Callable[[Row], object],
    not_archived: str,
    done: str,
) -> HttpResponse:
    """Bring back the archived bot or operator `pk` with `act`, and answer with its page. The
    messages name it by a placeholder named after its model: %(bot)s, %(operator)s."""
    row = get_object_or_404(model, pk=pk)
    names = {model._meta.model_name: row.name}
    if not row.archived_at:  # a second tab's unarchive
        messages.info(request, not_archived % names)
    else:
        act(row)
        messages.success(request, done % names)
    return to_page(request, row)
