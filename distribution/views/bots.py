from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from minicrm.durations import format_duration

from .. import routing, selectors, tokens, webhooks
from ..forms import (
    AnsweringForm,
    AutoCloseForm,
    BotForm,
    BotRenameForm,
    HoursForm,
    LinkForm,
    VouchesForm,
    WebhookForm,
    WeightForm,
    switched_off,
)
from ..http import HtmxHttpRequest
from ..models import Bot, BotOperator, Operator, Webhook, WebhookDelivery
from ..permissions import permission_required
from .common import confirm, render_page, respond, tell_assigned, to_page, unarchive

LINKS = "bots/detail.html#links"
WEBHOOK = "bots/detail.html#webhook"
# How many of its webhook's deliveries a bot's page lists, newest first.
LAST_DELIVERIES = 20
# How many of the contacts that a new auto-close time would close its confirmation names.
NAMED_DUE = 5
# The field of a confirmed auto-close time: the time the manager confirmed, as typed.
CONFIRMED = "confirmed"


@permission_required("distribution.view_bot", post="distribution.add_bot")
def bot_list(request: HtmxHttpRequest) -> HttpResponse:
    form = BotForm(request.POST or None)
    context: dict[str, object] = {"form": form}
    if request.method == "POST" and form.is_valid():
        bot, token = tokens.create_bot(name=form.cleaned_data["name"], slug=form.cleaned_data["slug"])
        messages.success(
            request,
            _("Bot %(bot)s added. Copy its token now: it is shown only this once.") % {"bot": bot.name},
        )
        # Answered here, not redirected: the token exists only in this response.
        context = {"form": BotForm(), "new_bot": bot, "token": token}
    archived = request.GET.get("archived") == "1"
    context["bots"] = selectors.bots_with_stats().filter(archived_at__isnull=not archived)
    context["archived"] = archived
    status = 422 if form.errors else 200
    return render_page(request, "bots/list.html", context, partials=("bots-content",), status=status)


def _detail_context(bot: Bot, **extra) -> dict:
    links = list(selectors.bot_links(bot))
    shares = selectors.weight_shares(links, switched_on_only=True)
    return {
        "bot": bot,
        "rows": list(zip(links, shares, strict=True)),
        "link_form": LinkForm(bot=bot),
        "auto_close_form": AutoCloseForm(bot=bot),
        "vouches_form": VouchesForm(bot=bot),
        "auto_close_default": format_duration(settings.AUTO_CLOSE_AFTER)
        if settings.AUTO_CLOSE_AFTER
        else None,
        "answering_form": AnsweringForm(bot=bot),
        "rename_form": BotRenameForm(initial={"name": bot.name}),
        "hours_form": HoursForm(stored=bot.hours),
        "answer_within_default": format_duration(settings.ANSWER_WITHIN)
        if settings.ANSWER_WITHIN
        else switched_off(),
        **_webhook_context(bot, **extra),
    }


def _webhook_context(bot: Bot, **extra) -> dict:
    webhook = Webhook.objects.filter(bot=bot).first()
    return {
        "bot": bot,
        "webhook": webhook,
        "webhook_form": WebhookForm(webhook=webhook),
        "deliveries": webhook.deliveries.all()[:LAST_DELIVERIES] if webhook else [],
        **extra,
    }


@permission_required("distribution.view_bot")
@require_safe
def bot_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    bot = get_object_or_404(selectors.bots_with_stats(), pk=pk)
    return render_page(
        request,
        "bots/detail.html",
        _detail_context(bot),
        partials=("links", "auto-close", "answering", "hours", "vouches", "webhook"),
    )


@permission_required("distribution.change_bot")
@require_POST
def bot_vouches(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    bot = get_object_or_404(selectors.bots_with_stats(), pk=pk)
    form = VouchesForm(request.POST, bot=bot)
    if not form.is_valid():
        if not request.htmx:
            messages.error(request, str(form.errors["vouches"][0]))
        return respond(
            request,
            "bots/detail.html#vouches",
            partial(_detail_context, bot, vouches_form=form),
            redirect_to=bot.get_absolute_url(),
            status=422,
        )
    routing.set_bot_vouches(bot=bot, fields=form.cleaned_data["vouches"])
    messages.success(
        request, _("%(bot)s's identifiers saved: they apply from its next contact.") % {"bot": bot.name}
    )
    return respond(
        request, "bots/detail.html#vouches", partial(_detail_context, bot), redirect_to=bot.get_absolute_url()
    )


def _auto_close_question(bot: Bot, after: timedelta | None) -> str:
    """Ask whether to save an auto-close time that closes open contacts at once; empty when it
    closes none."""
    limit = after or settings.AUTO_CLOSE_AFTER
    if not limit:
        return ""
    due = routing.auto_close_due(bot=bot, after=limit)
    count = due.count()
    if not count:
        return ""
    named = [f"#{contact.pk} {contact.lead}" for contact in due.select_related("lead")[:NAMED_DUE]]
    if count > NAMED_DUE:
        named.append("…")
    duration = format_duration(limit)
    return ngettext(
        "This closes %(count)s open contact now, assigned more than %(duration)s ago: %(contacts)s.",
        "This closes %(count)s open contacts now, assigned more than %(duration)s ago: %(contacts)s.",
        count,
    ) % {"count": count, "duration": duration, "contacts": ", ".join(named)}


@permission_required("distribution.change_bot")
@require_POST
def bot_auto_close(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    bot = get_object_or_404(selectors.bots_with_stats(), pk=pk)
    form = AutoCloseForm(request.POST, bot=bot)
    if not form.is_valid():
        if not request.htmx:
            # ErrorList items are text; django-stubs says they may be ValidationErrors.
            messages.error(request, form.errors["auto_close_after"][0])  # type: ignore[arg-type]
        return respond(
            request,
            "bots/detail.html#auto-close",
            partial(_detail_context, bot, auto_close_form=form),
            redirect_to=bot.get_absolute_url(),
            status=422,
        )
    after = form.cleaned_data["auto_close_after"]
    typed = request.POST.get("auto_close_after", "")
    # Confirmed for what is typed now, not for a time typed before.
    unconfirmed = after != bot.auto_close_after and request.POST.get(CONFIRMED) != typed
    if unconfirmed and (question := _auto_close_question(bot, after)):
        if request.htmx:
            context = _detail_context(bot, auto_close_form=form, auto_close_question=question)
            return render(request, "bots/detail.html#auto-close", context)
        return confirm(
            request,
            title=_("Auto-close of %(bot)s") % {"bot": bot.name},
            question=question,
            button=_("Save and close them"),
            cancel=bot.get_absolute_url(),
            fields={"auto_close_after": typed, CONFIRMED: typed},
        )
    routing.set_bot_auto_close(bot=bot, after=after)
    if after is None:
        messages.success(
            request,
            _("Open contacts of %(bot)s close the default time after their assignment again.")
            % {"bot": bot.name},
        )
    else:
        messages.success(
            request,
            _("Open contacts of %(bot)s now close %(duration)s after their assignment.")
            % {"bot": bot.name, "duration": format_duration(after)},
        )
    return respond(
        request,
        "bots/detail.html#auto-close",
        partial(_detail_context, bot),
        redirect_to=bot.get_absolute_url(),
    )


@permission_required("distribution.change_bot")
@require_POST
def bot_answering(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    bot = get_object_or_404(selectors.bots_with_stats(), pk=pk)
    form = AnsweringForm(request.POST, bot=bot)
    if not form.is_valid():
        if not request.htmx:
            for errors in form.errors.values():
                messages.error(request, errors[0])  # type: ignore[arg-type]  # ErrorList items are text
        return respond(
            request,
            "bots/detail.html#answering",
            partial(_detail_context, bot, answering_form=form),
            redirect_to=bot.get_absolute_url(),
            status=422,
        )
    answer_within, return_within = form.cleaned_data["answer_within"], form.cleaned_data["return_within"]
    if answer_within != bot.answer_within:
        routing.set_bot_answer_within(bot=bot, within=answer_within)
        if answer_within is None:
            text = _("Contacts of %(bot)s have the default time to be taken again.")
        elif answer_within:
            text = _("Contacts of %(bot)s not taken within %(duration)s now pass on to another operator.")
        else:
            text = _("Contacts of %(bot)s no longer pass on, however long they wait to be taken.")
        duration = format_duration(answer_within) if answer_within else ""
        messages.success(request, text % {"bot": bot.name, "duration": duration})
    if return_within != bot.return_within:
        routing.set_bot_return_within(bot=bot, within=return_within)
        if return_within is None:
            text = _("Returning leads of %(bot)s are no longer sent back to their operator.")
        else:
            text = _("A lead who writes to %(bot)s again within %(duration)s goes back to its operator.")
        duration = format_duration(return_within) if return_within else ""
        messages.success(request, text % {"bot": bot.name, "duration": duration})
    return respond(
        request,
        "bots/detail.html#answering",
        partial(_detail_context, bot),
        redirect_to=bot.get_absolute_url(),
    )


@permission_required("distribution.change_bot")
@require_POST
def bot_hours(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    bot = get_object_or_404(selectors.bots_with_stats(), pk=pk)
    if request.POST.get("remove"):
        hours = None
    else:
        form = HoursForm(request.POST, stored=bot.hours)
        if not form.is_valid():
            # The whole page without JavaScript, so that what was typed stays in the form.
            context = _detail_context(bot, hours_form=form)
            return render_page(request, "bots/detail.html", context, partials=("hours",), status=422)
        hours = form.cleaned_data["schedule"]
    assigned = routing.set_bot_hours(bot=bot, hours=hours)
    if hours is None:
        messages.success(request, _("%(bot)s is always open now.") % {"bot": bot.name})
    else:
        messages.success(request, _("Working hours of %(bot)s saved.") % {"bot": bot.name})
    tell_assigned(request, assigned)
    response = respond(
        request, "bots/detail.html#hours", partial(_detail_context, bot), redirect_to=bot.get_absolute_url()
    )
    if request.htmx:
        # The heading says whether it is closed, and the queue may have drained.
        fresh = selectors.bots_with_stats().get(pk=bot.pk)
        for part in ("heading", "stats"):
            html = render_to_string(f"bots/detail.html#{part}", {"bot": fresh, "oob": True}, request=request)
            response.content += html.encode()
    return response


@permission_required("distribution.rotate_token")
@require_http_methods(["GET", "POST"])
def bot_rotate(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    bot = get_object_or_404(selectors.bots_with_stats(), pk=pk)
    if request.method == "GET":
        return confirm(
            request,
            title=_("Rotate the token of %(bot)s") % {"bot": bot.name},
            question=_("Issue a new token? The bot's current token stops working at once."),
            button=_("Rotate token"),
            cancel=bot.get_absolute_url(),
        )
    token = tokens.rotate_token(bot=bot)
    messages.success(
        request, _("New token for %(bot)s: the old one no longer works. Copy it now.") % {"bot": bot.name}
    )
    context = _detail_context(bot, token=token)
    if request.htmx:
        return render_page(request, "bots/detail.html", context, partials=("token",))
    return render_page(request, "bots/detail.html", context)


@permission_required("distribution.change_bot")
@require_POST
def bot_webhook(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    bot = get_object_or_404(selectors.bots_with_stats(), pk=pk)
    form = WebhookForm(request.POST)
    if not form.is_valid():
        # The whole page without JavaScript, so that what was typed stays in the form.
        context = _detail_context(bot, webhook_form=form)
        return render_page(request, "bots/detail.html", context, partials=("webhook",), status=422)
    secret = webhooks.save_webhook(bot=bot, url=form.cleaned_data["url"], events=form.cleaned_data["events"])
    if secret is None:
        messages.success(request, _("Webhook of %(bot)s saved.") % {"bot": bot.name})
        return respond(request, WEBHOOK, partial(_webhook_context, bot), redirect_to=bot.get_absolute_url())
    messages.success(
        request,
        _("Webhook of %(bot)s added. Copy its secret now: it is shown only once.") % {"bot": bot.name},
    )
    return _with_secret(request, bot, secret)


@permission_required("distribution.rotate_token")
@require_http_methods(["GET", "POST"])
def bot_webhook_rotate(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    bot = get_object_or_404(selectors.bots_with_stats(), pk=pk)
    webhook = get_object_or_404(Webhook, bot=bot)
    if request.method == "GET":
        return confirm(
            request,
            title=_("Rotate the webhook secret of %(bot)s") % {"bot": bot.name},
            question=_(
                "Sign with a new secret? Requests signed with the current one stop verifying at once."
            ),
            button=_("Rotate secret"),
            cancel=bot.get_absolute_url(),
        )
    secret = webhooks.rotate_secret(webhook=webhook)
    messages.success(
        request,
        _("New webhook secret for %(bot)s: the old one no longer signs. Copy it now.") % {"bot": bot.name},
    )
    return _with_secret(request, bot, secret)


def _with_secret(request: HtmxHttpRequest, bot: Bot, secret: str) -> HttpResponse:
    # Answered here, not redirected, and never put in a message: the secret exists only in this
    # response (messages outlive it, in the session).
    context = _detail_context(bot, secret=secret)
    return render_page(request, "bots/detail.html", context, partials=("webhook",))


@permission_required("distribution.change_bot")
@require_POST
def bot_webhook_switch(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    bot = get_object_or_404(Bot, pk=pk)
    webhook = get_object_or_404(Webhook, bot=bot)
    is_active, was_active = request.POST.get("is_active") == "on", webhook.is_active
    webhooks.set_webhook_active(webhook=webhook, is_active=is_active)
    if is_active == was_active:  # a stale page's switch
        if is_active:
            messages.info(request, _("Webhook of %(bot)s was already switched on.") % {"bot": bot.name})
        else:
            messages.info(request, _("Webhook of %(bot)s was already switched off.") % {"bot": bot.name})
    elif is_active:
        messages.success(request, _("Webhook of %(bot)s switched on.") % {"bot": bot.name})
    else:
        messages.success(request, _("Webhook of %(bot)s switched off.") % {"bot": bot.name})
    return respond(request, WEBHOOK, partial(_webhook_context, bot), redirect_to=bot.get_absolute_url())


@permission_required("distribution.change_bot")
@require_http_methods(["GET", "POST"])
def bot_webhook_remove(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    bot = get_object_or_404(Bot, pk=pk)
    webhook = get_object_or_404(Webhook, bot=bot)
    if request.method == "GET":
        return confirm(
            request,
            title=_("Remove the webhook of %(bot)s") % {"bot": bot.name},
            question=_("Stop sending events to this URL? Its deliveries, sent or not, are removed with it."),
            button=_("Remove webhook"),
            cancel=bot.get_absolute_url(),
        )
    webhooks.remove_webhook(webhook=webhook)
    messages.success(request, _("%(bot)s has no webhook any more.") % {"bot": bot.name})
    return respond(request, WEBHOOK, partial(_webhook_context, bot), redirect_to=bot.get_absolute_url())


@permission_required("distribution.change_bot")
@require_POST
def delivery_resend(request: HtmxHttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    delivery = get_object_or_404(
        WebhookDelivery.objects.select_related("webhook__bot"), pk=delivery_pk, webhook__bot_id=pk
    )
    webhooks.resend(delivery)
    delivery.refresh_from_db()
    bot = delivery.webhook.bot
    names = {"event": delivery.event, "contact": delivery.contact_id}
    if delivery.webhook.is_active:
        messages.success(request, _("%(event)s of contact #%(contact)s will be sent again.") % names)
    else:
        messages.warning(
            request,
            _("%(event)s of contact #%(contact)s will be sent again once sending is switched on.") % names,
        )
    context = {"bot": bot, "webhook": delivery.webhook, "delivery": delivery}
    return respond(request, "bots/detail.html#delivery", lambda: context, redirect_to=bot.get_absolute_url())


def _links(request: HtmxHttpRequest, bot: Bot, status: int = 200, **extra) -> HttpResponse:
    if not request.htmx:
        return redirect(bot.get_absolute_url())
    # Counted after the change: the fragment's warning reads operators_on, and the stat cards,
    # swapped in beside it, show the queue the change may have drained.
    bot = selectors.bots_with_stats().get(pk=bot.pk)
    context = _detail_context(bot, **extra)
    response = respond(request, LINKS, lambda: context, redirect_to=bot.get_absolute_url(), status=status)
    stats = render_to_string("bots/detail.html#stats", {**context, "oob": True}, request=request)
    response.content += stats.encode()
    return response


@permission_required("distribution.add_botoperator")
@require_POST
def link_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    bot = get_object_or_404(Bot, pk=pk)
    form = LinkForm(request.POST, bot=bot)
    if not form.is_valid():
        if not request.htmx:
            errors = (error for field in form.errors.values() for error in field)
            messages.error(request, " ".join(errors))  # type: ignore[arg-type]  # ErrorList items are text
        return _links(request, bot, status=422, link_form=form)
    operator = form.cleaned_data["operator"]
    assigned = routing.set_weight(bot=bot, operator=operator, weight=form.cleaned_data["weight"])
    messages.success(
        request,
        _("%(operator)s now takes contacts from %(bot)s.") % {"operator": operator.name, "bot": bot.name},
    )
    tell_assigned(request, assigned)
    return _links(request, bot)


@permission_required("distribution.change_botoperator")
@require_POST
def link_weight(request: HtmxHttpRequest, pk: int, operator_pk: int) -> HttpResponse:
    link = get_object_or_404(
        BotOperator.objects.select_related("bot", "operator"), bot_id=pk, operator_id=operator_pk
    )
    form = WeightForm(request.POST)
    if not form.is_valid():
        if not request.htmx:
            messages.error(request, f"{link.operator.name}: {form.errors['weight'][0]}")
        error = {
            "operator_id": operator_pk,
            "value": request.POST.get("weight", ""),
            "messages": form.errors["weight"],
        }
        return _links(request, link.bot, status=422, weight_error=error)
    assigned = routing.set_weight(bot=link.bot, operator=link.operator, weight=form.cleaned_data["weight"])
    names = {"operator": link.operator.name, "bot": link.bot.name, "weight": form.cleaned_data["weight"]}
    messages.success(request, _("The weight of %(operator)s on %(bot)s is now %(weight)s.") % names)
    tell_assigned(request, assigned)
    return _links(request, link.bot)


@permission_required("distribution.delete_botoperator")
@require_http_methods(["GET", "POST"])
def link_remove(request: HtmxHttpRequest, pk: int, operator_pk: int) -> HttpResponse:
    bot = get_object_or_404(Bot, pk=pk)
    operator = get_object_or_404(Operator, pk=operator_pk)
    names = {"operator": operator.name, "bot": bot.name}
    if request.method == "GET":
        return confirm(
            request,
            title=_("Remove %(operator)s from %(bot)s") % names,
            question=_("Stop sending contacts of %(bot)s to %(operator)s? Open ones stay with them.") % names,
            button=_("Remove"),
            cancel=bot.get_absolute_url(),
        )
    routing.remove_operator(bot=bot, operator=operator)
    messages.success(request, _("%(operator)s no longer takes contacts from %(bot)s.") % names)
    return _links(request, bot)


@permission_required("distribution.change_bot")
@require_POST
def bot_rename(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    bot = get_object_or_404(selectors.bots_with_stats(), pk=pk)
    form = BotRenameForm(request.POST)
    if not form.is_valid():
        context = _detail_context(bot, rename_form=form)
        return render_page(request, "bots/detail.html", context, partials=("bot-edit",), status=422)
    old_name = bot.name
    routing.rename_bot(bot=bot, name=form.cleaned_data["name"])
    messages.success(request, _("%(old)s is now %(new)s.") % {"old": old_name, "new": bot.name})
    return to_page(request, bot)


@permission_required("distribution.change_bot")
@require_http_methods(["GET", "POST"])
def bot_archive(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    bot = get_object_or_404(Bot, pk=pk)
    if bot.archived_at:  # a second tab's archive
        messages.info(request, _("%(bot)s was already archived.") % {"bot": bot.name})
        return to_page(request, bot)
    if request.method == "GET":
        return confirm(
            request,
            title=_("Archive %(bot)s") % {"bot": bot.name},
            question=_(
                "Archive %(bot)s? It takes no new contacts (its intake answers 403) and leaves the lists; "
                "its open and waiting contacts still finish, and its history stays."
            )
            % {"bot": bot.name},
            button=_("Archive"),
            cancel=bot.get_absolute_url(),
        )
    routing.archive_bot(bot=bot)
    messages.success(request, _("%(bot)s archived: it takes no new contacts.") % {"bot": bot.name})
    return to_page(request, bot)


@permission_required("distribution.change_bot")
@require_POST
def bot_unarchive(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return unarchive(
        request,
        Bot,
        pk,
        act=lambda bot: routing.unarchive_bot(bot=bot),
        not_archived=_("%(bot)s was not archived."),
        done=_("%(bot)s is back: it takes contacts again."),
    )
