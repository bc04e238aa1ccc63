from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from minicrm.durations import format_duration

from .. import routing, selectors, tokens
from ..forms import AutoCloseForm, BotForm, LinkForm, WeightForm
from ..models import Bot, BotOperator, Operator
from ..permissions import permission_required
from .common import confirm, render_page, respond, tell_assigned

LINKS = "bots/detail.html#links"


@permission_required("distribution.view_bot", post="distribution.add_bot")
def bot_list(request: HttpRequest) -> HttpResponse:
    form = BotForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        bot, token = tokens.create_bot(name=form.cleaned_data["name"], slug=form.cleaned_data["slug"])
        messages.success(request, f"Bot {bot.name} added. Copy its token now: it is shown only this once.")
        # Answered here, not redirected: the token exists only in this response.
        context = {"form": BotForm(), "new_bot": bot, "token": token}
    context["bots"] = selectors.bots_with_stats()
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
        "auto_close_default": format_duration(settings.AUTO_CLOSE_AFTER)
        if settings.AUTO_CLOSE_AFTER
        else None,
        **extra,
    }


@permission_required("distribution.view_bot")
@require_safe
def bot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bot = get_object_or_404(selectors.bots_with_stats(), pk=pk)
    return render_page(request, "bots/detail.html", _detail_context(bot), partials=("links", "auto-close"))


@permission_required("distribution.change_bot")
@require_POST
def bot_auto_close(request: HttpRequest, pk: int) -> HttpResponse:
    bot = get_object_or_404(selectors.bots_with_stats(), pk=pk)
    form = AutoCloseForm(request.POST, bot=bot)
    if not form.is_valid():
        if not request.htmx:
            messages.error(request, form.errors["auto_close_after"][0])
        return respond(
            request,
            "bots/detail.html#auto-close",
            _detail_context(bot, auto_close_form=form),
            redirect_to=bot.get_absolute_url(),
            status=422,
        )
    after = form.cleaned_data["auto_close_after"]
    routing.set_bot_auto_close(bot=bot, after=after)
    if after is None:
        messages.success(request, f"{bot.name}'s idle contacts follow the default again.")
    else:
        messages.success(request, f"{bot.name}'s contacts now close after {format_duration(after)} idle.")
    return respond(
        request, "bots/detail.html#auto-close", _detail_context(bot), redirect_to=bot.get_absolute_url()
    )


@permission_required("distribution.rotate_token")
@require_http_methods(["GET", "POST"])
def bot_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    bot = get_object_or_404(selectors.bots_with_stats(), pk=pk)
    if request.method == "GET":
        return confirm(
            request,
            title=f"Rotate the token of {bot.name}",
            question="Issue a new token? The bot's current token stops working at once.",
            button="Rotate token",
            cancel=bot.get_absolute_url(),
        )
    token = tokens.rotate_token(bot=bot)
    messages.success(request, f"New token for {bot.name}: the old one no longer works. Copy it now.")
    context = _detail_context(bot, token=token)
    if request.htmx:
        return render_page(request, "bots/detail.html", context, partials=("token",))
    return render_page(request, "bots/detail.html", context)


def _links(request: HttpRequest, bot: Bot, status: int = 200, **extra) -> HttpResponse:
    return respond(
        request, LINKS, _detail_context(bot, **extra), redirect_to=bot.get_absolute_url(), status=status
    )


@permission_required("distribution.add_botoperator")
@require_POST
def link_add(request: HttpRequest, pk: int) -> HttpResponse:
    bot = get_object_or_404(Bot, pk=pk)
    form = LinkForm(request.POST, bot=bot)
    if not form.is_valid():
        if not request.htmx:
            messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return _links(request, bot, status=422, link_form=form)
    operator = form.cleaned_data["operator"]
    assigned = routing.set_weight(bot=bot, operator=operator, weight=form.cleaned_data["weight"])
    messages.success(request, f"{operator.name} now takes contacts from {bot.name}.")
    tell_assigned(request, assigned)
    return _links(request, bot)


@permission_required("distribution.change_botoperator")
@require_POST
def link_weight(request: HttpRequest, pk: int, operator_pk: int) -> HttpResponse:
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
    messages.success(
        request, f"{link.operator.name}'s weight on {link.bot.name} is now {form.cleaned_data['weight']}."
    )
    tell_assigned(request, assigned)
    return _links(request, link.bot)


@permission_required("distribution.delete_botoperator")
@require_http_methods(["GET", "POST"])
def link_remove(request: HttpRequest, pk: int, operator_pk: int) -> HttpResponse:
    bot = get_object_or_404(Bot, pk=pk)
    operator = get_object_or_404(Operator, pk=operator_pk)
    if request.method == "GET":
        return confirm(
            request,
            title=f"Remove {operator.name} from {bot.name}",
            question=f"Stop sending {bot.name}'s contacts to {operator.name}? Open ones stay with them.",
            button="Remove",
            cancel=bot.get_absolute_url(),
        )
    routing.remove_operator(bot=bot, operator=operator)
    messages.success(request, f"{operator.name} no longer takes contacts from {bot.name}.")
    return _links(request, bot)
