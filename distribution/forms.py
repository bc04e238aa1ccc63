"""The dashboard's forms: they validate what a manager types; the routing service does the rest."""

import contextlib
import datetime
import re
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from minicrm.durations import format_duration, parse_duration

from . import outbound, routing, selectors
from .identifiers import IDENTIFIERS, InvalidIdentifier, LeadIdentity
from .models import (
    MAX_CAPACITY,
    MAX_WEIGHT,
    RESOLUTION_LENGTH,
    WEBHOOK_URL_LENGTH,
    Bot,
    Contact,
    IdentifierSource,
    Lead,
    Operator,
    Webhook,
    operator_name_key,
)
from .tokens import slug_for


def name_taken() -> str:
    return _("Another operator already has this name: add a surname or an initial.")


class OperatorNameMixin:
    """For a ModelForm of Operator: a name no other operator has, whatever its case or spacing,
    since lists, the report and the bot pages tell operators apart by name only (the unique
    Operator.name_key holds it when two saves race past this check: see save_operator)."""

    cleaned_data: dict[str, Any]
    instance: Operator

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if Operator.objects.exclude(pk=self.instance.pk).filter(name_key=operator_name_key(name)).exists():
            raise forms.ValidationError(name_taken())
        return name


def save_operator(form: forms.ModelForm) -> Operator | None:
    """The form's operator saved; None, with the form's error, when another operator took the name
    between the form's check and the save."""
    try:
        with transaction.atomic():
            return form.save()
    except IntegrityError:
        if not Operator.objects.exclude(pk=form.instance.pk).filter(name_key=form.instance.name_key).exists():
            raise
        form.add_error("name", name_taken())
        return None


class OperatorForm(OperatorNameMixin, forms.ModelForm):
    class Meta:
        model = Operator
        fields = ["name", "max_open_contacts"]

    max_open_contacts = forms.IntegerField(
        label=gettext_lazy("Capacity (open contacts)"), min_value=1, max_value=MAX_CAPACITY, initial=10
    )


class CapacityForm(forms.Form):
    max_open_contacts = forms.IntegerField(
        label=gettext_lazy("Capacity"), min_value=1, max_value=MAX_CAPACITY
    )


class BotForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    slug = forms.SlugField(
        label=gettext_lazy("Slug"),
        max_length=100,
        required=False,
        allow_unicode=True,
        help_text=gettext_lazy("Defaults to the name."),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if "name" not in cleaned:
            return cleaned  # the name's own error says what is wrong; a slug made of nothing adds nothing
        slug = cleaned.get("slug") or slug_for(cleaned["name"])
        if not slug:
            self.add_error("name", _("The name needs at least one letter or digit."))
        elif Bot.objects.filter(slug=slug).exists():
            self.add_error(
                "slug" if cleaned.get("slug") else "name",
                _("A bot with slug “%(slug)s” already exists.") % {"slug": slug},
            )
        cleaned["slug"] = slug
        return cleaned


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=gettext_lazy("URL"),
        max_length=WEBHOOK_URL_LENGTH,
        help_text=gettext_lazy("Where each event is POSTed, signed."),
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=Webhook.Event.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one event.")},
    )

    def __init__(self, *args, webhook: Webhook | None = None, **kwargs):
        if webhook is not None:
            kwargs.setdefault("initial", {"url": webhook.url, "events": webhook.events})
        super().__init__(*args, **kwargs)

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            outbound.check_url(url)
        except outbound.OutboundError as error:
            raise forms.ValidationError(str(error)) from error
        return url

    def clean_events(self) -> list[str]:
        chosen = set(self.cleaned_data["events"])
        # In the order of Webhook.Event, whatever order the browser sent them in.
        return [event for event in Webhook.Event.values if event in chosen]


class AutoCloseForm(forms.Form):
    auto_close_after = forms.CharField(
        label=gettext_lazy("Close idle contacts after"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("For example 90m, 24h or 2d. Empty: the default."),
    )

    def __init__(self, *args, bot: Bot, **kwargs):
        if bot.auto_close_after is not None:
            kwargs.setdefault("initial", {"auto_close_after": format_duration(bot.auto_close_after)})
        super().__init__(*args, **kwargs)

    def clean_auto_close_after(self) -> timedelta | None:
        return optional_duration(
            self.cleaned_data["auto_close_after"],
            _("Write a time like 90m, 24h or 2d (at most 365d), or leave it empty for the default."),
        )


def optional_duration(text: str, error: str) -> timedelta | None:
    """Return the duration typed, None when nothing is; raise a ValidationError with `error` when
    it is not a duration."""
    text = text.strip()
    if not text:
        return None
    try:
        return parse_duration(text)
    except ValueError:
        raise forms.ValidationError(error) from None


def switched_off() -> str:
    """The word that switches a time off, in the active language (it is read in both)."""
    return pgettext("a time switched off", "off")


def _off_words() -> set[str]:
    """What switches a time off, read in every language, as durations' units are."""
    words = {"0"}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            words.add(switched_off().lower())
    return words


class AnsweringForm(forms.Form):
    """A bot's time to take a new contact (rule 9) and to send a returning lead back (rule 10)."""

    answer_within = forms.CharField(
        label=gettext_lazy("Answer within"),
        max_length=40,
        required=False,
    )
    return_within = forms.CharField(
        label=gettext_lazy("Return a lead to its operator within"),
        max_length=40,
        required=False,
    )

    def __init__(self, *args, bot: Bot, **kwargs):
        initial = {}
        if bot.answer_within is not None:
            within = bot.answer_within
            initial["answer_within"] = format_duration(within) if within else switched_off()
        if bot.return_within is not None:
            initial["return_within"] = format_duration(bot.return_within)
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)

    def clean_answer_within(self) -> timedelta | None:
        text = self.cleaned_data["answer_within"]
        if text.strip().lower() in _off_words():
            return timedelta(0)
        error = _(
            "Write a time like 5m or 1h, “%(off)s” to switch it off, or leave it empty for the default."
        ) % {"off": switched_off()}
        return optional_duration(text, error)

    def clean_return_within(self) -> timedelta | None:
        return optional_duration(
            self.cleaned_data["return_within"],
            _("Write a time like 7d or 30d (at most 365d), or leave it empty to switch it off."),
        )


class VouchesForm(forms.Form):
    vouches = forms.MultipleChoiceField(
        label=gettext_lazy("Identifiers this bot vouches for"),
        choices=IdentifierSource.Field.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, bot: Bot, **kwargs):
        kwargs.setdefault("initial", {"vouches": sorted(bot.verified)})
        super().__init__(*args, **kwargs)


class WeightForm(forms.Form):
    weight = forms.IntegerField(label=gettext_lazy("Weight"), min_value=1, max_value=MAX_WEIGHT)


class LinkForm(forms.Form):
    operator = forms.ModelChoiceField(label=gettext_lazy("Operator"), queryset=Operator.objects.none())
    weight = forms.IntegerField(label=gettext_lazy("Weight"), min_value=1, max_value=MAX_WEIGHT, initial=10)

    def __init__(self, *args, bot: Bot, **kwargs):
        super().__init__(*args, **kwargs)
        # Each field's copy is typed as a plain Field: Django copies the declared ones at run time.
        self.fields["operator"].queryset = Operator.objects.exclude(links__bot=bot)  # type: ignore[attr-defined]


class LeadSearchForm(forms.Form):
    # A CharField refuses NUL, which PostgreSQL cannot hold even in a query's parameter.
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=254)
    duplicates = forms.BooleanField(label=gettext_lazy("Possible duplicates only"), required=False)


class MergeForm(forms.Form):
    other = forms.CharField(
        max_length=254,
        label=gettext_lazy("The other lead"),
        help_text=gettext_lazy("Its number (#id), external id, e-mail or phone."),
    )

    def __init__(self, *args, lead: Lead, **kwargs):
        super().__init__(*args, **kwargs)
        self.lead = lead

    def clean_other(self) -> Lead:
        typed = self.cleaned_data["other"].strip()
        other = None
        # ASCII digits only: str.isdigit() also holds for "²" and "٣", which int() refuses or reads.
        if re.fullmatch(r"#?[0-9]{1,19}", typed):
            other = Lead.objects.filter(pk=int(typed.lstrip("#"))).first()
        # The confirmation named the lead by its number: if that lead has gone meanwhile, an
        # identifier that happens to read the same must not pick a lead the manager never saw.
        if other is None and self.data.get("confirmed") == "yes":
            raise forms.ValidationError(
                _("The lead named for this merge no longer exists: nothing was merged.")
            )
        for field in ("external_id", "email", "phone"):
            if other is None:
                with contextlib.suppress(InvalidIdentifier):  # not this kind of identifier
                    other = routing.find_lead(LeadIdentity.normalised(**{field: typed}))
        if other is None:
            raise forms.ValidationError(_("No lead has this number or identifier."))
        if other.pk == self.lead.pk:
            raise forms.ValidationError(_("A lead cannot be merged into itself."))
        return other


def _contact_label(contact: Contact) -> str:
    # In the active language's one date format, like every |when on the pages.
    when = formats.date_format(timezone.localtime(contact.created_at), "SHORT_DATETIME_FORMAT")
    return _("#%(contact)s via %(bot)s, %(when)s") % {
        "contact": contact.pk,
        "bot": contact.bot.name,
        "when": when,
    }


class SplitForm(forms.Form):
    identifiers = forms.MultipleChoiceField(
        label=gettext_lazy("Identifiers to detach"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one identifier to detach.")},
    )
    contacts = forms.MultipleChoiceField(
        label=gettext_lazy("Contacts that go with them"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, lead: Lead, contacts: list[Contact], **kwargs):
        """`contacts`: the lead's contacts, with their bots (the page lists them anyway)."""
        super().__init__(*args, **kwargs)
        labels = dict(IdentifierSource.Field.choices)
        self.held = [
            (field, f"{labels[field].capitalize()}: {getattr(lead, field)}")
            for field in IDENTIFIERS
            if getattr(lead, field)
        ]
        self.fields["identifiers"].choices = self.held  # type: ignore[attr-defined]  # as in LinkForm
        self.contacts_by_pk = {str(contact.pk): contact for contact in contacts}
        self.fields["contacts"].choices = [  # type: ignore[attr-defined]
            (pk, _contact_label(contact)) for pk, contact in self.contacts_by_pk.items()
        ]

    def clean_identifiers(self) -> list[str]:
        chosen = self.cleaned_data["identifiers"]
        if len(set(chosen)) == len(self.held):
            raise forms.ValidationError(
                _("A lead keeps at least one identifier: leave one here, or merge instead.")
            )
        return chosen

    def clean_contacts(self) -> list[Contact]:
        return [self.contacts_by_pk[pk] for pk in self.cleaned_data["contacts"]]


PERIODS = [
    ("today", gettext_lazy("Today")),
    ("7d", gettext_lazy("Last 7 days")),
    ("30d", gettext_lazy("Last 30 days")),
    ("custom", gettext_lazy("From … to")),
]

# A period runs to the midnight after its last day, in any time zone and in UTC: the calendar's
# first and last days have no such midnight in Python's datetime.
FIRST_DAY, LAST_DAY = datetime.date(1900, 1, 1), datetime.date(9998, 12, 31)
OUT_OF_CALENDAR = format_lazy(
    gettext_lazy("Choose a date between {first} and {last}."), first=FIRST_DAY, last=LAST_DAY
)


class DayField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date", "min": FIRST_DAY, "max": LAST_DAY})
    default_validators = [
        MinValueValidator(FIRST_DAY, OUT_OF_CALENDAR),
        MaxValueValidator(LAST_DAY, OUT_OF_CALENDAR),
    ]


class PeriodForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=PERIODS, required=False)
    start = DayField(required=False, label=gettext_lazy("From"))
    end = DayField(required=False, label=gettext_lazy("To"))

    default_period = "7d"

    def __init__(self, data=None, **kwargs):
        # The page opens on the default period, and the select says which one it is.
        if data is not None and not data.get("period"):
            data = data.copy()
            data["period"] = "custom" if data.get("start") or data.get("end") else self.default_period
        super().__init__(data, **kwargs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("start") or cleaned.get("end"):
            cleaned["period"] = "custom"  # typing a date means "from ... to"
        if cleaned.get("period") == "custom":
            start, end = cleaned.get("start"), cleaned.get("end")
            if not start or not end:
                self.add_error("start", _("Give both dates of the period."))
            elif start > end:
                self.add_error("end", _("The end date is before the start date."))
        return cleaned


class ReportForm(PeriodForm):
    """The report's period and, optionally, one bot. The bots are given (the report reads them
    anyway), so that the select costs no query of its own."""

    bot = forms.TypedChoiceField(label=gettext_lazy("Bot"), coerce=int, empty_value=None, required=False)

    field_order = ["bot", "period", "start", "end"]

    def __init__(self, data=None, *, bots: list[Bot], **kwargs):
        super().__init__(data, **kwargs)
        self.bots = {bot.pk: bot for bot in bots}
        # A field's copy, typed as a plain Field (as in LinkForm).
        self.fields["bot"].choices = [("", _("All bots")), *((bot.pk, bot.name) for bot in bots)]  # type: ignore[attr-defined]

    def clean_bot(self) -> Bot | None:
        pk = self.cleaned_data["bot"]
        return None if pk is None else self.bots[pk]


class ContactFilterForm(PeriodForm):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[
            ("", gettext_lazy("Any status")),
            *Contact.Status.choices,
            # Open ones, by rules 8 and 9.
            ("new", gettext_lazy("Open, not taken yet")),
            ("overdue", gettext_lazy("Overdue")),
        ],
        required=False,
    )
    bot = forms.ModelChoiceField(
        label=gettext_lazy("Bot"),
        queryset=Bot.objects.all(),
        required=False,
        empty_label=gettext_lazy("Any bot"),
    )
    operator = forms.ModelChoiceField(
        label=gettext_lazy("Operator"),
        queryset=Operator.objects.all(),
        required=False,
        empty_label=gettext_lazy("Any operator"),
    )
    period = forms.ChoiceField(
        label=gettext_lazy("Period"), choices=[("all", gettext_lazy("Any time")), *PERIODS], required=False
    )

    default_period = "all"


class LoginForm(forms.Form):
    """The username of an operator's new login (its password is generated)."""

    username = forms.CharField(
        label=gettext_lazy("Username"),
        max_length=150,
        validators=[get_user_model().username_validator],
        help_text=gettext_lazy("Letters, digits and @ . + - _ only."),
    )


class PageOperatorForm(forms.Form):
    """The operator whose page a contact was closed from: the page answers with that operator's
    part, whoever holds the contact now."""

    operator = forms.ModelChoiceField(queryset=Operator.objects.all())


class TransferForm(forms.Form):
    """Where a manager sends an open contact, and why. The operators offered are those with room
    now; the routing service checks again as it transfers."""

    to = forms.ModelChoiceField(label=gettext_lazy("Operator"), queryset=Operator.objects.all())
    note = forms.CharField(label=gettext_lazy("Why"), max_length=RESOLUTION_LENGTH, required=False)

    def __init__(self, *args, contact: Contact, **kwargs):
        super().__init__(*args, **kwargs)
        label = _("%(operator)s: %(open)s of %(capacity)s open")
        # Not its own operator (an open contact always has one: no row has the id 0).
        offered = selectors.operators_with_room().exclude(pk=contact.operator_id or 0)
        rows = offered.values_list("pk", "name", "open_contacts", "max_open_contacts")
        # A field's copy, typed as a plain Field (as in LinkForm).
        self.fields["to"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose an operator")),
            *(
                (pk, label % {"operator": name, "open": load, "capacity": capacity})
                for pk, name, load, capacity in rows
            ),
        ]


class CloseForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Resolution"), max_length=RESOLUTION_LENGTH, required=False)
