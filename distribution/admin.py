"""Django admin for the raw data.

Changes that carry a routing rule call the routing service once the admin's own transaction has
committed, so that they lock and drain as from the dashboard (docs/locking.md).
"""

from datetime import timedelta
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import routing, selectors, tokens, webhooks
from .forms import OperatorNameMixin
from .identifiers import IDENTIFIERS, MAX_EMAIL_LENGTH, NORMALIZERS, InvalidIdentifier, unicode_email
from .models import (
    Bot,
    BotOperator,
    Contact,
    ContactEvent,
    IdentifierSource,
    Lead,
    LoginSettings,
    Operator,
    Webhook,
    WebhookDelivery,
)


def after_commit(function, /, **kwargs) -> None:
    # A call that fails is logged and does not stop the others.
    transaction.on_commit(partial(function, **kwargs), robust=True)


class NotWrittenHere:
    """Neither add nor change these rows, which the services write."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnly(NotWrittenHere):
    """Nor delete them."""

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class LinkInline(admin.TabularInline):
    model = BotOperator
    extra = 0
    readonly_fields = ["current_weight"]
    verbose_name = gettext_lazy("operator and weight")
    verbose_name_plural = gettext_lazy("operators and weights")


class OperatorLinkInline(LinkInline):
    fields = ["bot", "weight", "current_weight"]
    autocomplete_fields = ["bot"]
    verbose_name = gettext_lazy("bot and weight")
    verbose_name_plural = gettext_lazy("bots and weights")


class BotLinkInline(LinkInline):
    fields = ["operator", "weight", "current_weight"]
    autocomplete_fields = ["operator"]


class RoutedLinksMixin(admin.ModelAdmin):
    """Save the links' weights and removals through the routing service."""

    def save_formset(self, request, form, formset, change):
        if formset.model is not BotOperator:
            return super().save_formset(request, form, formset, change)
        links = formset.save(commit=False)
        for link in formset.deleted_objects:
            routing.remove_operator(bot=link.bot, operator=link.operator)
        for link in links:
            after_commit(routing.set_weight, bot=link.bot, operator=link.operator, weight=link.weight)
        return None


class OperatorAdminForm(OperatorNameMixin, forms.ModelForm):
    """The operator's form; the admin gives it the model and fields."""


@admin.register(Operator)
class OperatorAdmin(RoutedLinksMixin, admin.ModelAdmin):
    form = OperatorAdminForm
    list_display = ["name", "is_active", "open_contacts", "max_open_contacts"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    inlines = [OperatorLinkInline]
    actions = ["switch_on", "switch_off", "hand_over"]
    # Logins are given on the operator's dashboard page, where the rules are (logins.py).
    readonly_fields = ["user"]

    def get_queryset(self, request):
        return selectors.operators_with_load()

    @admin.display(description=gettext_lazy("open contacts"), ordering="open_contacts")
    def open_contacts(self, operator: "selectors.OperatorWithLoad") -> int:
        return operator.open_contacts

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        stored = Operator.objects.get(pk=obj.pk)
        wanted_active, wanted_capacity = obj.is_active, obj.max_open_contacts
        # The service saves the routed fields after the commit.
        obj.is_active, obj.max_open_contacts = stored.is_active, stored.max_open_contacts
        super().save_model(request, obj, form, change)
        if wanted_capacity != stored.max_open_contacts:
            after_commit(routing.set_operator_capacity, operator=obj, max_open_contacts=wanted_capacity)
        if wanted_active != stored.is_active:
            after_commit(routing.set_operator_active, operator=obj, is_active=wanted_active, by=request.user)
        return None

    @admin.action(description=gettext_lazy("Switch selected operators on"), permissions=["change"])
    def switch_on(self, request: HttpRequest, queryset: QuerySet[Operator]) -> None:
        for operator in queryset:
            after_commit(routing.set_operator_active, operator=operator, is_active=True, by=request.user)
        count = queryset.count()
        text = ngettext("%(count)s operator switched on.", "%(count)s operators switched on.", count)
        self.message_user(request, text % {"count": count}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Switch selected operators off"), permissions=["change"])
    def switch_off(self, request: HttpRequest, queryset: QuerySet[Operator]) -> None:
        for operator in queryset:
            after_commit(routing.set_operator_active, operator=operator, is_active=False, by=request.user)
        count = queryset.count()
        text = ngettext("%(count)s operator switched off.", "%(count)s operators switched off.", count)
        self.message_user(request, text % {"count": count}, messages.SUCCESS)

    @admin.action(
        description=gettext_lazy("Hand over open contacts (and switch off)"), permissions=["hand_over"]
    )
    def hand_over(self, request: HttpRequest, queryset: QuerySet[Operator]) -> None:
        for operator in queryset:
            after_commit(routing.hand_over_contacts, operator=operator, by=request.user)
        count = queryset.count()
        text = ngettext(
            "Open contacts of %(count)s operator handed back to the queue.",
            "Open contacts of %(count)s operators handed back to the queue.",
            count,
        )
        self.message_user(request, text % {"count": count})

    def has_hand_over_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("distribution.hand_over")


class BotAdminForm(forms.ModelForm):
    """The admin's form of a bot: its times are positive, but for a zero answer time (off)."""

    def clean_answer_within(self) -> timedelta | None:
        within = self.cleaned_data["answer_within"]
        if within is not None and within < timedelta(0):
            raise forms.ValidationError(_("The time cannot be negative: 0 switches it off."))
        return within

    def clean_return_within(self) -> timedelta | None:
        within = self.cleaned_data["return_within"]
        if within is not None and within <= timedelta(0):
            raise forms.ValidationError(_("The time must be positive; empty switches it off."))
        return within


@admin.register(Bot)
class BotAdmin(RoutedLinksMixin, admin.ModelAdmin):
    form = BotAdminForm
    list_display = ["name", "slug", "token_hint", "created_at"]
    search_fields = ["name", "slug"]
    readonly_fields = ["token_hint", "created_at"]
    fields = [
        "name",
        "slug",
        "token_hint",
        "created_at",
        "verifies_external_id",
        "verifies_email",
        "verifies_phone",
        "answer_within",
        "return_within",
    ]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [BotLinkInline]
    actions = ["rotate_tokens"]

    @admin.display(description=gettext_lazy("token"))
    def token_hint(self, bot: Bot) -> str:
        return f"{bot.token_prefix}…" if bot.token_prefix else "—"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.new_token = tokens.issue_token(obj)
            return super().save_model(request, obj, form, change)
        # The service moves the deadlines of the bot's contacts with it, after the commit.
        wanted = obj.answer_within
        obj.answer_within = Bot.objects.values_list("answer_within", flat=True).get(pk=obj.pk)
        super().save_model(request, obj, form, change)
        if wanted != obj.answer_within:
            after_commit(routing.set_bot_answer_within, bot=obj, within=wanted)
        return None

    def response_add(self, request, obj, post_url_continue=None):
        return self._show_tokens(
            request, [(obj, obj.new_token)], title=_("Bot %(bot)s added") % {"bot": obj.name}
        )

    @admin.action(
        description=gettext_lazy("Rotate the tokens of selected bots"), permissions=["rotate_token"]
    )
    def rotate_tokens(self, request: HttpRequest, queryset: QuerySet[Bot]) -> TemplateResponse:
        issued = [(bot, tokens.rotate_token(bot=bot)) for bot in queryset]
        return self._show_tokens(request, issued, title=_("New tokens issued"))

    def has_rotate_token_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("distribution.rotate_token")

    def _show_tokens(
        self, request: HttpRequest, issued: list[tuple[Bot, str]], *, title: str
    ) -> TemplateResponse:
        # Never in a message, which outlives the response in the session.
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "issued": issued,
        }
        return TemplateResponse(request, "admin/distribution/bot/tokens.html", context)


class LeadAdminForm(forms.ModelForm):
    """Store typed identifiers in the intake's normal form, or refuse them as the intake would."""

    # Text: EmailField and E.164's 16 characters would refuse as typed what normalises well.
    email = forms.CharField(
        label=gettext_lazy("E-mail"), max_length=MAX_EMAIL_LENGTH, required=False, empty_value=None
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=32,
        required=False,
        empty_value=None,
        help_text=gettext_lazy("Any format; stored in E.164."),
    )

    class Meta:
        model = Lead
        fields = ["name", "external_id", "email", "phone", "duplicate_of"]

    def _normalised(self, field: str) -> str | None:
        value = self.cleaned_data[field]
        if not value:
            return None
        try:
            return NORMALIZERS[field](value)
        except InvalidIdentifier as error:
            raise forms.ValidationError(str(error)) from error

    def clean_external_id(self) -> str | None:
        return self._normalised("external_id")

    def clean_email(self) -> str | None:
        return self._normalised("email")

    def clean_phone(self) -> str | None:
        return self._normalised("phone")


class IdentifierSourceInline(ReadOnly, admin.TabularInline):
    """Where each identifier came from, which routing writes; a split on the lead's page undoes one."""

    model = IdentifierSource
    extra = 0
    fields = readonly_fields = ("field", "value", "bot", "contact", "created_at")
    raw_id_fields = ["bot", "contact"]
    verbose_name = gettext_lazy("identifier source")
    verbose_name_plural = gettext_lazy("where the identifiers came from")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("bot", "contact")


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    form = LeadAdminForm
    list_display = ["__str__", "external_id", "shown_email", "phone", "duplicate_of", "created_at"]
    list_filter = [("duplicate_of", admin.EmptyFieldListFilter)]
    search_fields = ["name", "external_id", "email", "phone"]
    readonly_fields = ["created_at", "external_id_verified", "email_verified", "phone_verified"]
    raw_id_fields = ["duplicate_of"]
    inlines = [IdentifierSourceInline]

    @admin.display(description=gettext_lazy("e-mail"), ordering="email")
    def shown_email(self, obj: Lead) -> str | None:
        return obj.email and unicode_email(obj.email)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Compared normalised: retyping "Anna@Example.com" must not take its source from the bot.
        edited = [field for field in IDENTIFIERS if form.cleaned_data[field] != form.initial.get(field)]
        routing.record_edited_identifiers(lead=obj, fields=edited)


class ContactEventInline(NotWrittenHere, admin.TabularInline):
    """The contact's history, which only the routing service writes."""

    model = ContactEvent
    fields = readonly_fields = ("at", "kind", "operator", "reason", "actor", "bot", "note")
    ordering = ["at", "pk"]
    extra = 0
    can_delete = False
    verbose_name = gettext_lazy("event")
    verbose_name_plural = gettext_lazy("history")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("operator", "actor", "bot")


@admin.register(Contact)
class ContactAdmin(ReadOnly, admin.ModelAdmin):
    """Read-only: a contact changes only through the routing rules."""

    list_display = ["id", "lead", "bot", "operator", "status", "created_at", "assigned_at", "closed_at"]
    list_filter = ["status", "bot", "operator"]
    search_fields = [
        "external_id",
        "message",
        "lead__name",
        "lead__email",
        "lead__phone",
        "lead__external_id",
    ]
    list_select_related = ["lead", "bot", "operator"]
    date_hierarchy = "created_at"
    actions = ["close"]
    inlines = [ContactEventInline]

    @admin.action(description=gettext_lazy("Close selected contacts"), permissions=["close_any_contact"])
    def close(self, request: HttpRequest, queryset: QuerySet[Contact]) -> None:
        for contact in queryset:
            after_commit(routing.close_contact, contact=contact, by=request.user)
        count = queryset.count()
        text = ngettext("%(count)s contact closed.", "%(count)s contacts closed.", count)
        self.message_user(request, text % {"count": count}, messages.SUCCESS)

    def has_close_any_contact_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("distribution.close_any_contact")


@admin.register(Webhook)
class WebhookAdmin(NotWrittenHere, admin.ModelAdmin):
    """Read-only and without the secret, which the bot's page sets and shows once."""

    list_display = ["bot", "url", "is_active", "why_it_stopped", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["bot__name", "url"]
    list_select_related = ["bot"]
    fields = ["bot", "url", "events", "is_active", "why_it_stopped", "created_at"]
    readonly_fields = ["why_it_stopped"]

    @admin.display(description=gettext_lazy("why it stopped"))
    def why_it_stopped(self, webhook: Webhook) -> str:
        return webhook.disabled_message

    # The service waits for changes that are writing the webhook's deliveries.
    def delete_model(self, request: HttpRequest, obj: Webhook) -> None:
        webhooks.remove_webhook(webhook=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for webhook in queryset:
            webhooks.remove_webhook(webhook=webhook)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnly, admin.ModelAdmin):
    """Read-only: the changes it tells of and the worker write the outbox."""

    list_display = [
        "id",
        "webhook",
        "contact",
        "event",
        "status",
        "attempts",
        "response_status",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "event"]
    search_fields = ["=event_id", "=contact__pk"]
    list_select_related = ["webhook__bot", "contact"]
    date_hierarchy = "created_at"


@admin.register(LoginSettings)
class LoginSettingsAdmin(admin.ModelAdmin):
    """A login's own time zone: a change counts from its next login (the session keeps the zone)."""

    list_display = ["user", "time_zone"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
